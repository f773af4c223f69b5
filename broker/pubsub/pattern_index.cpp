// Prefix index maintenance for PatternIndex.
#include "pubsub/pattern_index.h"

#include <algorithm>

namespace ringcast::pubsub {

void PatternIndex::insert(std::string_view pattern) {
  const std::string prefix = glob_literal_prefix(pattern).prefix;
  auto it = by_prefix_.find(prefix);
  if (it == by_prefix_.end()) it = by_prefix_.emplace(prefix, std::vector<std::string_view>{}).first;
  auto& list = it->second;
  if (std::find(list.begin(), list.end(), pattern) != list.end()) return;
  list.push_back(pattern);
  ++prefix_lengths_[prefix.size()];
}

void PatternIndex::erase(std::string_view pattern) {
  const std::string prefix = glob_literal_prefix(pattern).prefix;
  auto it = by_prefix_.find(prefix);
  if (it == by_prefix_.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), pattern);
  if (pos == list.end()) return;
  *pos = list.back();
  list.pop_back();
  if (list.empty()) by_prefix_.erase(it);
  auto len = prefix_lengths_.find(prefix.size());
  if (--len->second == 0) prefix_lengths_.erase(len);
}

}  // namespace ringcast::pubsub
