// libFuzzer target for ringcast::pubsub::glob_match and glob_literal_prefix.
//
// Input: pattern, a NUL byte, subject (no NUL: the whole input is the pattern
// and the subject is empty). Checks, for the subject and for the pattern's
// literal prefix with and without the subject appended:
//   - glob_match terminates within glob_step_bound steps and agrees with a
//     line-by-line port of Redis 7.0's stringmatchlen (nocase = 0), whose
//     results glob.cpp promises to reproduce, and so does each of its two
//     strategies (backtracking, bit-parallel) on its own;
//   - every matched subject starts with glob_literal_prefix(pattern).prefix,
//     and when `exact` is set, matching is plain equality with the prefix.
// Pattern and subject are exactly sized heap copies, so ASan reports any read
// past their ends.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "pubsub/glob.h"
#include "fuzz_check.h"

namespace {

using ringcast::pubsub::glob_literal_prefix;
using ringcast::pubsub::glob_match;
using ringcast::pubsub::GlobPrefix;

// Redis 7.0.15 src/util.c stringmatchlen_impl() with nocase = 0, transcribed
// with indices. Redis works on NUL-terminated sds strings and reads the
// terminator in places (pattern[1] at the last byte, *pattern after the
// end), which at() reproduces. Left out of the coverage instrumentation: the
// model is not what is being explored, and tracing it tripled the run time.
#define FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))

class RedisStringMatch {
 public:
  RedisStringMatch(std::string_view pattern, std::string_view string) : pat_(pattern), str_(string) {}
  FUZZ_NO_COVERAGE bool match() {
    int skip_longer_matches = 0;
    return impl(0, 0, &skip_longer_matches, 0) != 0;
  }

 private:
  FUZZ_NO_COVERAGE char at(size_t i) const { return i < pat_.size() ? pat_[i] : '\0'; }

  FUZZ_NO_COVERAGE int impl(size_t p, size_t s, int* skip_longer_matches, int nesting) const {
    const size_t m = pat_.size();
    const size_t n = str_.size();
    if (nesting > 1000) return 0;  // protection against abusive patterns
    while (p < m && s < n) {       // while (patternLen && stringLen)
      switch (pat_[p]) {
        case '*':
          while (p < m && at(p + 1) == '*') ++p;
          if (m - p == 1) return 1;
          while (s < n) {
            if (impl(p + 1, s, skip_longer_matches, nesting + 1)) return 1;
            if (*skip_longer_matches) return 0;
            ++s;
          }
          *skip_longer_matches = 1;
          return 0;
        case '?':
          ++s;
          break;
        case '[': {
          ++p;
          const bool negate = at(p) == '^';
          if (negate) ++p;
          bool match = false;
          while (true) {
            if (at(p) == '\\' && m - p >= 2) {
              ++p;
              if (pat_[p] == str_[s]) match = true;
            } else if (at(p) == ']') {
              break;
            } else if (p == m) {
              --p;
              break;
            } else if (m - p >= 3 && pat_[p + 1] == '-') {
              int start = static_cast<signed char>(pat_[p]);
              int end = static_cast<signed char>(pat_[p + 2]);
              const int c = static_cast<signed char>(str_[s]);
              if (start > end) std::swap(start, end);
              p += 2;
              if (c >= start && c <= end) match = true;
            } else if (pat_[p] == str_[s]) {
              match = true;
            }
            ++p;
          }
          if (negate) match = !match;
          if (!match) return 0;
          ++s;
          break;
        }
        case '\\':
          if (m - p >= 2) ++p;
          [[fallthrough]];
        default:
          if (pat_[p] != str_[s]) return 0;
          ++s;
          break;
      }
      ++p;
      if (s == n) {
        while (at(p) == '*') ++p;
        break;
      }
    }
    return p == m && s == n ? 1 : 0;
  }

  std::string_view pat_;
  std::string_view str_;
};

void check_pair(std::string_view pattern, const GlobPrefix& prefix, const std::string& subject_text) {
  const fuzz::ExactBuffer subject_copy(subject_text.data(), subject_text.size());
  const std::string_view subject = subject_copy.view();
  size_t steps = 0;
  const bool matched = glob_match(pattern, subject, &steps);
  FUZZ_CHECK(matched == RedisStringMatch(pattern, subject).match());
  FUZZ_CHECK(steps <= ringcast::pubsub::glob_step_bound(pattern.size(), subject.size()));
  // Each strategy on its own, whichever glob_match ended with.
  size_t strategy_steps = 0;
  FUZZ_CHECK(ringcast::pubsub::detail::glob_match_bit_parallel(pattern, subject, strategy_steps) == matched);
  bool exhausted = false;
  const bool backtracking = ringcast::pubsub::detail::glob_match_backtracking(
      pattern, subject, steps + 1, exhausted, strategy_steps);
  FUZZ_CHECK(exhausted || backtracking == matched);
  if (matched) FUZZ_CHECK(subject.starts_with(prefix.prefix));
  if (prefix.exact) FUZZ_CHECK(matched == (subject == prefix.prefix));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  const void* nul = std::memchr(bytes, '\0', size);
  const size_t pattern_len = nul == nullptr ? size : static_cast<size_t>(static_cast<const char*>(nul) - bytes);
  const fuzz::ExactBuffer pattern_copy(bytes, pattern_len);
  const std::string_view pattern = pattern_copy.view();
  const std::string subject =
      nul == nullptr ? std::string() : std::string(bytes + pattern_len + 1, size - pattern_len - 1);

  const GlobPrefix prefix = glob_literal_prefix(pattern);
  FUZZ_CHECK(prefix.prefix.size() <= pattern.size());
  // Identical on a second call (no hidden state).
  const GlobPrefix again = glob_literal_prefix(pattern);
  FUZZ_CHECK(again.prefix == prefix.prefix && again.exact == prefix.exact);

  check_pair(pattern, prefix, subject);
  check_pair(pattern, prefix, prefix.prefix);
  check_pair(pattern, prefix, prefix.prefix + subject);
  return 0;
}
