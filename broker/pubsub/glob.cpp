// Glob matching with the results of Redis 7's stringmatchlen (nocase = 0),
// computed iteratively so hostile patterns cost O(pattern * subject).
#include "pubsub/glob.h"

#include <cstddef>
#include <utility>

namespace ringcast::pubsub {
namespace {

// Redis gives up (no match) once a match needs more than this many nested
// '*' recursions; counting '*' groups reproduces that cut-off.
constexpr size_t kMaxStarGroups = 1000;

// Matches the single-byte element (anything but '*') at pattern[p] against
// `c`. On a match, `p` moves past the element.
bool match_element(std::string_view pattern, size_t& p, char c) {
  const size_t m = pattern.size();
  switch (pattern[p]) {
    case '?':
      ++p;
      return true;
    case '[': {
      size_t i = p + 1;
      const bool negate = i < m && pattern[i] == '^';
      if (negate) ++i;
      bool match = false;
      while (true) {
        if (m - i >= 2 && pattern[i] == '\\') {
          ++i;
          if (pattern[i] == c) match = true;
        } else if (i < m && pattern[i] == ']') {
          break;
        } else if (i >= m) {
          // An unterminated class ends with the pattern.
          break;
        } else if (m - i >= 3 && pattern[i + 1] == '-') {
          // Redis compares plain (signed, on x86) chars, so bytes >= 0x80
          // sort below '\0' in ranges; reversed bounds are swapped.
          int lo = static_cast<signed char>(pattern[i]);
          int hi = static_cast<signed char>(pattern[i + 2]);
          if (lo > hi) std::swap(lo, hi);
          const int v = static_cast<signed char>(c);
          if (v >= lo && v <= hi) match = true;
          i += 2;
        } else if (pattern[i] == c) {
          match = true;
        }
        ++i;
      }
      p = i < m ? i + 1 : m;
      return match != negate;
    }
    case '\\':
      // A trailing backslash is a literal backslash.
      if (m - p >= 2) ++p;
      [[fallthrough]];
    default:
      if (pattern[p] != c) return false;
      ++p;
      return true;
  }
}

}  // namespace

// Redis recurses at every '*' and, once the rest of the pattern failed from
// every position after some '*', abandons all earlier '*' too
// (skipLongerMatches). So only the latest '*' is ever retried, which is the
// classic single-backtrack-point loop below.
bool glob_match(std::string_view pattern, std::string_view subject) {
  const size_t m = pattern.size();
  const size_t n = subject.size();
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t p = 0;
  size_t s = 0;
  size_t retry_p = kNone;  // pattern position just after the latest '*'
  size_t retry_s = 0;      // subject position that '*' currently stops at
  size_t star_groups = 0;
  while (s < n) {
    if (p < m && pattern[p] == '*') {
      while (p + 1 < m && pattern[p + 1] == '*') ++p;
      if (p + 1 == m) return true;
      if (++star_groups > kMaxStarGroups) return false;
      retry_p = ++p;
      retry_s = s;
      continue;
    }
    if (p < m && match_element(pattern, p, subject[s])) {
      ++s;
      continue;
    }
    // Let the latest '*' swallow one more byte; it never tries to leave
    // the rest of the pattern an empty subject, as Redis does not either.
    if (retry_p == kNone || ++retry_s == n) return false;
    p = retry_p;
    s = retry_s;
  }
  // Redis 7 never enters its loop for an empty subject, so "*" does not
  // match "", yet trailing '*' after a consumed subject are skipped.
  if (n == 0) return m == 0;
  while (p < m && pattern[p] == '*') ++p;
  return p == m;
}

GlobPrefix glob_literal_prefix(std::string_view pattern) {
  GlobPrefix out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '*' || c == '?' || c == '[') return out;
    if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];
    out.prefix.push_back(c);
  }
  out.exact = true;
  return out;
}

}  // namespace ringcast::pubsub
