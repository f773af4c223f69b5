// Redis-compatible glob matching (the rules of Redis's stringmatchlen) for
// PSUBSCRIBE patterns, PUBSUB CHANNELS filters and ACL channel rules.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ringcast::pubsub {

// Longest pattern PSUBSCRIBE and PUBSUB (SHARD)CHANNELS accept. Matching a
// pattern costs at most subject x (1 + pattern / 64) steps (see
// glob_step_bound), so this keeps one publish's work per pattern within a
// small multiple of reading its channel name. Redis has no such cap; real
// patterns are far shorter.
inline constexpr size_t kMaxPatternLength = 1024;

// True when `subject` matches `pattern`: `*` any run, `?` one byte, `[abc]`,
// `[^a]`, `[a-c]` classes, `\x` escapes; byte-wise, case-sensitive.
// `steps`, when given, receives the work done (for tests and fuzzing: it never
// exceeds glob_step_bound(pattern.size(), subject.size())).
bool glob_match(std::string_view pattern, std::string_view subject, size_t* steps = nullptr);

// The most steps glob_match takes for these sizes: linear in the subject for
// a given pattern length, whatever the pattern's shape.
size_t glob_step_bound(size_t pattern_size, size_t subject_size);

// The literal bytes every match must start with: the pattern up to its first
// special character (`*`, `?`, `[`), with `\` escapes resolved. A pattern
// without specials yields itself, and `exact` is set.
struct GlobPrefix {
  std::string prefix;
  bool exact = false;
};
GlobPrefix glob_literal_prefix(std::string_view pattern);

namespace detail {
// The two strategies glob_match combines, exposed so that tests and the fuzzer
// check each against Redis on every input. backtracking gives up (returns
// false and sets `exhausted`) once it has spent `budget` steps.
bool glob_match_backtracking(std::string_view pattern, std::string_view subject, size_t budget,
                             bool& exhausted, size_t& steps);
bool glob_match_bit_parallel(std::string_view pattern, std::string_view subject, size_t& steps);
}  // namespace detail

}  // namespace ringcast::pubsub
