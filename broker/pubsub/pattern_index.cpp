// Prefix index maintenance for PatternIndex.
#include "pubsub/pattern_index.h"

namespace ringcast::pubsub {
namespace {

// The literal prefix of `pattern`: a view into it when nothing before its
// first wildcard is escaped (the usual case, no copy), else unescaped into
// `scratch`. Runs under the directory's exclusive lock: keep it cheap.
std::string_view literal_prefix(std::string_view pattern, std::string& scratch) {
  size_t end = 0;  // a plain loop: find_first_of calls memchr once per byte
  while (end < pattern.size() && pattern[end] != '*' && pattern[end] != '?' && pattern[end] != '[' &&
         pattern[end] != '\\')
    ++end;
  if (end == pattern.size()) return pattern;
  if (pattern[end] != '\\') return pattern.substr(0, end);
  scratch = glob_literal_prefix(pattern).prefix;
  return scratch;
}

}  // namespace

uint32_t PatternIndex::insert(std::string_view pattern) {
  std::string scratch;
  const std::string_view prefix = literal_prefix(pattern, scratch);
  auto it = by_prefix_.find(prefix);
  if (it == by_prefix_.end()) {
    by_prefix_.emplace(std::string(prefix), Patterns{pattern, {}});
    ++prefix_lengths_[prefix.size()];
    return 0;
  }
  it->second.rest.push_back(pattern);
  return uint32_t(it->second.rest.size());
}

const std::string_view* PatternIndex::erase(std::string_view pattern, uint32_t place) {
  std::string scratch;
  const std::string_view prefix = literal_prefix(pattern, scratch);
  auto it = by_prefix_.find(prefix);
  Patterns& list = it->second;
  if (list.rest.empty()) {  // its only pattern
    by_prefix_.erase(it);
    auto len = prefix_lengths_.find(prefix.size());
    if (--len->second == 0) prefix_lengths_.erase(len);
    return nullptr;
  }
  // Swap-remove: the last pattern of the list takes the erased one's place.
  const auto last = uint32_t(list.rest.size());
  if (place != last) list.at(place) = list.rest.back();
  list.rest.pop_back();
  return place != last ? &list.at(place) : nullptr;
}

}  // namespace ringcast::pubsub
