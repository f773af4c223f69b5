// glob_match only ever retries the latest '*', or matches bit-parallel. This
// checks, exhaustively on short inputs, that glob_match and each of its two
// strategies agree with plain backtracking over every '*'.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "enumerate.h"
#include "pubsub/glob.h"

namespace ringcast::pubsub::test {
namespace {

// One non-'*' element at pattern[p] against `c`, by Redis's rules.
bool model_element(std::string_view pat, size_t& p, char c) {
  const size_t m = pat.size();
  if (pat[p] == '?') {
    ++p;
    return true;
  }
  if (pat[p] == '\\') {
    if (p + 1 < m) ++p;
    return pat[p++] == c;
  }
  if (pat[p] != '[') return pat[p++] == c;
  size_t i = p + 1;
  const bool negate = i < m && pat[i] == '^';
  if (negate) ++i;
  bool match = false;
  for (; i < m && pat[i] != ']'; ++i) {
    if (pat[i] == '\\' && i + 1 < m) {
      match |= pat[++i] == c;
    } else if (i + 2 < m && pat[i + 1] == '-') {
      const int a = static_cast<signed char>(pat[i]);
      const int b = static_cast<signed char>(pat[i + 2]);
      const int v = static_cast<signed char>(c);
      match |= (a <= b) ? (v >= a && v <= b) : (v >= b && v <= a);
      i += 2;
    } else {
      match |= pat[i] == c;
    }
  }
  p = i < m ? i + 1 : m;
  return match != negate;
}

// Full backtracking: every '*' tries every split.
bool model_from(std::string_view pat, size_t p, std::string_view s, size_t i) {
  while (p < pat.size() && i < s.size()) {
    if (pat[p] == '*') {
      while (p + 1 < pat.size() && pat[p + 1] == '*') ++p;
      if (p + 1 == pat.size()) return true;
      for (size_t j = i; j < s.size(); ++j) {
        if (model_from(pat, p + 1, s, j)) return true;
      }
      return false;
    }
    if (!model_element(pat, p, s[i])) return false;
    ++i;
  }
  if (i == s.size()) {
    while (p < pat.size() && pat[p] == '*') ++p;
  }
  return p == pat.size() && i == s.size();
}

bool model(std::string_view pat, std::string_view s) {
  return s.empty() ? pat.empty() : model_from(pat, 0, s, 0);
}

// Returns how many pairs matched; reports (up to ten) disagreements.
size_t check_all(size_t max_pattern, size_t max_subject) {
  const auto patterns = all_strings(kPatternAlphabet, max_pattern);
  const auto subjects = all_strings(kSubjectAlphabet, max_subject);
  size_t mismatches = 0;
  size_t matches = 0;
  for (const auto& pat : patterns) {
    for (const auto& s : subjects) {
      const bool expected = model(pat, s);
      matches += expected;
      bool exhausted = false;
      size_t steps = 0;
      const bool backtracking = detail::glob_match_backtracking(pat, s, SIZE_MAX, exhausted, steps);
      const bool bit_parallel = detail::glob_match_bit_parallel(pat, s, steps);
      if ((glob_match(pat, s) != expected || backtracking != expected || bit_parallel != expected) &&
          ++mismatches <= 10) {
        ADD_FAILURE() << "pattern \"" << pat << "\" subject \"" << s << "\" expected " << expected
                      << ", backtracking " << backtracking << ", bit-parallel " << bit_parallel;
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  return matches;
}

TEST(GlobModel, AgreesWithFullBacktrackingOnLongerPatterns) {
  EXPECT_GT(check_all(5, 3), 0u);  // the enumeration is not vacuous
}

TEST(GlobModel, AgreesWithFullBacktrackingOnLongerSubjects) {
  EXPECT_GT(check_all(4, 4), 0u);
}

}  // namespace
}  // namespace ringcast::pubsub::test
