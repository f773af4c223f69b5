// Small ASCII helpers the ACL code shares: Redis compares rule keywords,
// command and category names without regard to case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ringcast::acl {

// Inline, and not std::tolower: command names are folded on every command,
// and the C library's goes through the locale for each byte.
inline char lower_ascii(char ch) { return ch >= 'A' && ch <= 'Z' ? char(ch - 'A' + 'a') : ch; }
inline bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
  return true;
}
std::string to_lower_ascii(std::string_view text);
// Words separated by spaces or tabs; no empty words.
std::vector<std::string_view> split_words(std::string_view text);

}  // namespace ringcast::acl
