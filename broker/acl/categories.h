// Redis 7's ACL command categories (@pubsub, @fast, ...) as bits, and the
// parsing of the space-separated lists the command table gives them in.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ringcast::acl {

// One bit per category, in the order ACL CAT lists them.
using CategoryMask = uint32_t;

// The names ACL CAT lists in Redis 7.0 (without '@'), in its order. Rules may
// name any of them; those no ringcast command belongs to (@keyspace, @read,
// @write, @string, ...) simply select nothing. `all` is not among them: +@all
// and -@all are rules of their own (allcommands, nocommands).
std::span<const std::string_view> category_names();

// The bit of one category, named without '@', case-insensitively; nullopt
// when Redis has no such category.
std::optional<CategoryMask> category_bit(std::string_view name);

// "@pubsub @fast" (the form of CommandSpec::acl and COMMAND INFO) to bits.
// Returns the first word that is not a known "@category" as the error.
struct CategoryParse {
  CategoryMask mask = 0;
  std::optional<std::string> bad_word;
};
CategoryParse parse_categories(std::string_view text);

}  // namespace ringcast::acl
