// Redis-compatible glob matching (the rules of Redis's stringmatchlen) for
// PSUBSCRIBE patterns and PUBSUB CHANNELS filters.
#pragma once

#include <string>
#include <string_view>

namespace ringcast::pubsub {

// True when `subject` matches `pattern`: `*` any run, `?` one byte, `[abc]`,
// `[^a]`, `[a-c]` classes, `\x` escapes; byte-wise, case-sensitive.
bool glob_match(std::string_view pattern, std::string_view subject);

// The literal bytes every match must start with: the pattern up to its first
// special character (`*`, `?`, `[`), with `\` escapes resolved. A pattern
// without specials yields itself, and `exact` is set.
struct GlobPrefix {
  std::string prefix;
  bool exact = false;
};
GlobPrefix glob_literal_prefix(std::string_view pattern);

}  // namespace ringcast::pubsub
