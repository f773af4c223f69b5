// One shard's subscribers: for each channel, pattern and shard channel, the
// local connections subscribed to it. Owned and used by the shard thread only.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "pubsub/message_frame.h"
#include "pubsub/name_map.h"

namespace ringcast::pubsub {

template <class Subscriber>
class LocalRegistry {
 public:
  using List = std::vector<Subscriber*>;

  // Returns true when `s` is the first local subscriber of `name`.
  bool add(Kind kind, std::string_view name, Subscriber* s) {
    auto& map = maps_[size_t(kind)];
    auto it = map.find(name);
    if (it == map.end()) it = map.emplace(std::string(name), List{}).first;
    it->second.push_back(s);
    return it->second.size() == 1;
  }

  // Returns true when `s` was the last local subscriber of `name`.
  bool remove(Kind kind, std::string_view name, Subscriber* s) {
    auto& map = maps_[size_t(kind)];
    auto it = map.find(name);
    if (it == map.end()) return false;
    List& list = it->second;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i] == s) {
        // Order among subscribers carries no meaning, so swap-remove.
        list[i] = list.back();
        list.pop_back();
        break;
      }
    }
    if (!list.empty()) return false;
    map.erase(it);
    return true;
  }

  const List* find(Kind kind, std::string_view name) const {
    const auto& map = maps_[size_t(kind)];
    auto it = map.find(name);
    return it == map.end() ? nullptr : &it->second;
  }

  size_t names(Kind kind) const { return maps_[size_t(kind)].size(); }

 private:
  NameMap<List> maps_[3];
};

}  // namespace ringcast::pubsub
