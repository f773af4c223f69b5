// Small ASCII helpers the ACL code shares: Redis compares rule keywords,
// command and category names without regard to case.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ringcast::acl {

bool iequals_ascii(std::string_view a, std::string_view b);
std::string to_lower_ascii(std::string_view text);
// Words separated by spaces or tabs; no empty words.
std::vector<std::string_view> split_words(std::string_view text);

}  // namespace ringcast::acl
