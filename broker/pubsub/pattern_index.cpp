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

void PatternIndex::insert(std::string_view pattern) {
  auto [at, fresh] = position_.try_emplace(pattern, 0);
  if (!fresh) return;
  std::string scratch;
  const std::string_view prefix = literal_prefix(pattern, scratch);
  auto it = by_prefix_.find(prefix);
  if (it == by_prefix_.end()) it = by_prefix_.emplace(std::string(prefix), std::vector<std::string_view>{}).first;
  auto& list = it->second;
  at->second = list.size();
  list.push_back(pattern);
  ++prefix_lengths_[prefix.size()];
}

void PatternIndex::erase(std::string_view pattern) {
  auto at = position_.find(pattern);
  if (at == position_.end()) return;
  const size_t index = at->second;
  position_.erase(at);
  std::string scratch;
  const std::string_view prefix = literal_prefix(pattern, scratch);
  auto it = by_prefix_.find(prefix);
  auto& list = it->second;
  // Swap-remove: the last pattern of the list takes the erased one's place.
  if (index + 1 != list.size()) {
    list[index] = list.back();
    position_[list[index]] = index;
  }
  list.pop_back();
  if (list.empty()) by_prefix_.erase(it);
  auto len = prefix_lengths_.find(prefix.size());
  if (--len->second == 0) prefix_lengths_.erase(len);
}

}  // namespace ringcast::pubsub
