// Prefix index maintenance for PatternIndex.
#include "pubsub/pattern_index.h"

namespace ringcast::pubsub {

void PatternIndex::insert(std::string_view pattern) {
  if (position_.contains(pattern)) return;
  const std::string prefix = glob_literal_prefix(pattern).prefix;
  auto it = by_prefix_.find(prefix);
  if (it == by_prefix_.end()) it = by_prefix_.emplace(prefix, std::vector<std::string_view>{}).first;
  auto& list = it->second;
  position_.emplace(pattern, list.size());
  list.push_back(pattern);
  ++prefix_lengths_[prefix.size()];
}

void PatternIndex::erase(std::string_view pattern) {
  auto at = position_.find(pattern);
  if (at == position_.end()) return;
  const size_t index = at->second;
  position_.erase(at);
  const std::string prefix = glob_literal_prefix(pattern).prefix;
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
