// Every string up to a length over a small alphabet, for exhaustive checks
// of the glob matcher on short inputs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ringcast::pubsub::test {

inline std::vector<std::string> all_strings(std::string_view alphabet, size_t max_len) {
  std::vector<std::string> out{""};
  for (size_t begin = 0; begin < out.size(); ++begin) {
    if (out[begin].size() == max_len) continue;
    for (char c : alphabet) out.push_back(out[begin] + c);
  }
  return out;
}

// Pattern bytes: every special plus a literal; subject bytes include the
// specials too, since they are ordinary bytes in a channel name.
inline constexpr std::string_view kPatternAlphabet = "a*?[]^-\\";
inline constexpr std::string_view kSubjectAlphabet = "ab]-\\";

}  // namespace ringcast::pubsub::test
