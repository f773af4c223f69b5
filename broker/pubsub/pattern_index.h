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
#include <vector>

#include "pubsub/glob.h"
#include "pubsub/name_map.h"

namespace ringcast::pubsub {

class PatternIndex {
 public:
  // Adds a pattern that is not in the index yet. `pattern` must outlive its
  // entry here: the index keeps a view of it. Returns the pattern's place,
  // which the caller keeps beside the pattern (Route::index_place) and hands
  // back to erase(): the index needs no map of its own from pattern to place.
  uint32_t insert(std::string_view pattern);
  // Removes `pattern`, at `place`. The last pattern of its prefix's list
  // moves into the gap: returns that pattern, whose place is now `place`
  // (the caller updates what it keeps), or null when none moved.
  const std::string_view* erase(std::string_view pattern, uint32_t place);

  // Calls visit(pattern) for every indexed pattern whose literal prefix
  // `channel` starts with: the only ones that can match it.
  template <class Visit>
  void for_each_candidate(std::string_view channel, Visit&& visit) const {
    for (const auto& [length, count] : prefix_lengths_) {
      if (length > channel.size()) break;
      auto it = by_prefix_.find(channel.substr(0, length));
      if (it == by_prefix_.end()) continue;
      const Patterns& list = it->second;
      visit(list.first);
      for (std::string_view pattern : list.rest) visit(pattern);
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
  // The patterns of one prefix, never empty. The first inline: most prefixes
  // have one pattern, and churning patterns then allocate no list.
  struct Patterns {
    std::string_view first;
    std::vector<std::string_view> rest;  // places 1, 2, ...
    std::string_view& at(uint32_t place) { return place == 0 ? first : rest[place - 1]; }
  };
  NameMap<Patterns> by_prefix_;
  std::map<size_t, uint32_t> prefix_lengths_;  // distinct prefix lengths, ascending, with use counts
};

}  // namespace ringcast::pubsub
