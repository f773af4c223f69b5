// Glob matching with the results of Redis 7's stringmatchlen (nocase = 0).
// Two strategies: the single-backtrack-point loop, fastest on the patterns
// people write, runs within a budget linear in the sizes; a pattern and
// subject that exhaust it are matched again bit-parallel, whose cost is
// subject x (pattern / 64) whatever the pattern's shape. So a hostile
// pattern costs a publish time linear in its channel, never their product.
#include "pubsub/glob.h"

#include "pubsub/glob_syntax.h"

namespace ringcast::pubsub {
namespace {

// Redis gives up (no match) once a match needs more than this many nested
// '*' recursions; counting '*' groups reproduces that cut-off.
constexpr size_t kMaxStarGroups = 1000;

size_t backtracking_budget(size_t m, size_t n) { return 4 * (m + n) + 64; }

// Matches the single-byte element (anything but '*') at pattern[p] against
// `c`. On a match, `p` moves past the element.
bool match_element(std::string_view pattern, size_t& p, char c) {
  switch (pattern[p]) {
    case '?':
      ++p;
      return true;
    case '[': {
      bool match = false;
      const bool negate = glob_syntax::read_class(
          pattern, p, p, [&](char b) { match = match || b == c; },
          [&](int lo, int hi) {
            const int v = static_cast<signed char>(c);
            match = match || (v >= lo && v <= hi);
          });
      return match != negate;
    }
    default:
      return glob_syntax::read_literal(pattern, p) == c;
  }
}

}  // namespace

namespace detail {

// Redis recurses at every '*' and, once the rest of the pattern failed from
// every position after some '*', abandons all earlier '*' too
// (skipLongerMatches). So only the latest '*' is ever retried, which is the
// classic single-backtrack-point loop below.
bool glob_match_backtracking(std::string_view pattern, std::string_view subject, size_t budget,
                             bool& exhausted, size_t& steps) {
  exhausted = false;
  const size_t m = pattern.size();
  const size_t n = subject.size();
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t p = 0;
  size_t s = 0;
  size_t retry_p = kNone;  // pattern position just after the latest '*'
  size_t retry_s = 0;      // subject position that '*' currently stops at
  size_t star_groups = 0;
  size_t spent = 0;
  while (s < n) {
    if (++spent > budget) {
      exhausted = true;
      steps += budget;
      return false;
    }
    if (p < m && pattern[p] == '*') {
      while (p + 1 < m && pattern[p + 1] == '*') ++p;
      if (p + 1 == m) break;
      if (++star_groups > kMaxStarGroups) {
        steps += spent;
        return false;
      }
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
    if (retry_p == kNone || ++retry_s == n) {
      steps += spent;
      return false;
    }
    p = retry_p;
    s = retry_s;
  }
  steps += spent;
  if (s < n) return true;  // a final '*' took the rest
  // Redis 7 never enters its loop for an empty subject, so "*" does not
  // match "", yet trailing '*' after a consumed subject are skipped.
  if (n == 0) return m == 0;
  while (p < m && pattern[p] == '*') ++p;
  return p == m;
}

}  // namespace detail

size_t glob_step_bound(size_t pattern_size, size_t subject_size) {
  const size_t words = (pattern_size + 1) / 64 + 1;
  // Backtracking's budget, then the bit-parallel pass: its table (256 rows,
  // 256 entries per element at most), then one row operation per subject byte.
  return backtracking_budget(pattern_size, subject_size) + words * (256 + subject_size + 1) +
         257 * (pattern_size + 1);
}

bool glob_match(std::string_view pattern, std::string_view subject, size_t* steps) {
  size_t work = 0;
  bool exhausted = false;
  bool matched = detail::glob_match_backtracking(
      pattern, subject, backtracking_budget(pattern.size(), subject.size()), exhausted, work);
  if (exhausted) matched = detail::glob_match_bit_parallel(pattern, subject, work);
  if (steps != nullptr) *steps = work;
  return matched;
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
