// Category names and bits, as Redis 7.0's ACL CAT lists them.
#include "acl/categories.h"

#include <array>

#include "acl/text.h"

namespace ringcast::acl {
namespace {

constexpr std::array<std::string_view, 21> kNames{
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};
static_assert(kNames.size() <= sizeof(CategoryMask) * 8);

}  // namespace

std::span<const std::string_view> category_names() { return kNames; }

std::optional<CategoryMask> category_bit(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (iequals_ascii(kNames[i], name)) return CategoryMask{1} << i;
  }
  return std::nullopt;
}

CategoryParse parse_categories(std::string_view text) {
  CategoryParse result;
  for (const std::string_view word : split_words(text)) {
    const auto bit = word.starts_with('@') ? category_bit(word.substr(1)) : std::nullopt;
    if (!bit) {
      result.bad_word = std::string(word);
      return result;
    }
    result.mask |= *bit;
  }
  return result;
}

}  // namespace ringcast::acl
