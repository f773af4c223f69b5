// ASCII case folding and word splitting for ACL names and rules.
#include "acl/text.h"

namespace ringcast::acl {
std::string to_lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = lower_ascii(ch);
  return out;
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

}  // namespace ringcast::acl
