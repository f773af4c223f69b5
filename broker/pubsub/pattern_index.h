// The patterns with subscribers, indexed by their literal prefix so that a
// publish only glob-matches patterns that can match its channel: the cost of
// a publish does not grow with patterns that share no prefix with it.
// Inserting and erasing a pattern are O(1) (plus O(log L) in the number of
// distinct prefix lengths), whatever the number of patterns: they run under
// the directory's exclusive lock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pubsub/glob.h"
#include "pubsub/name_map.h"

namespace ringcast::pubsub {

class PatternIndex {
 public:
  // Adds a pattern (no-op if present). `pattern` must outlive its entry here:
  // the index keeps a view of it.
  void insert(std::string_view pattern);
  void erase(std::string_view pattern);

  // Calls visit(pattern) for every indexed pattern whose literal prefix
  // `channel` starts with: the only ones that can match it.
  template <class Visit>
  void for_each_candidate(std::string_view channel, Visit&& visit) const {
    for (const auto& [length, count] : prefix_lengths_) {
      if (length > channel.size()) break;
      auto it = by_prefix_.find(channel.substr(0, length));
      if (it == by_prefix_.end()) continue;
      for (std::string_view pattern : it->second) visit(pattern);
    }
  }

  // Calls visit(pattern) for every indexed pattern that matches `channel`.
  template <class Visit>
  void match(std::string_view channel, Visit&& visit) const {
    for_each_candidate(channel, [&](std::string_view pattern) {
      if (glob_match(pattern, channel)) visit(pattern);
    });
  }

 private:
  NameMap<std::vector<std::string_view>> by_prefix_;
  std::unordered_map<std::string_view, size_t> position_;  // each pattern's index in its prefix's list
  std::map<size_t, uint32_t> prefix_lengths_;  // distinct prefix lengths, ascending, with use counts
};

}  // namespace ringcast::pubsub
