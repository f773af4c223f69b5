// One shard's subscribers: for each channel, pattern and shard channel, the
// local connections subscribed to it. Owned and used by the shard thread only.
//
// Each subscription carries the directory versions it is valid for: a message
// routed at version v reaches it when since <= v < until. A message routed
// before a subscription existed was not counted for it, and one routed before
// it ended was; so PUBLISH's count and the deliveries agree exactly, even
// while a message is in flight between shards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "pubsub/routed_message.h"
#include "pubsub/name_map.h"

namespace ringcast::pubsub {

inline constexpr uint64_t kForever = std::numeric_limits<uint64_t>::max();

template <class Subscriber>
class LocalRegistry {
 public:
  struct Entry {
    Subscriber* subscriber;
    uint64_t since;  // first directory version that counts it
    uint64_t until;  // first version that no longer does (kForever while active)

    bool receives(uint64_t version) const { return since <= version && version < until; }
  };
  struct List {
    std::vector<Entry> entries;
    size_t active = 0;  // entries with until == kForever
  };

  // Active local subscribers of `name`.
  size_t active(Kind kind, std::string_view name) const {
    const List* list = find(kind, name);
    return list == nullptr ? 0 : list->active;
  }

  void add(Kind kind, std::string_view name, Subscriber* s, uint64_t since) { add(list(kind, name), s, since); }
  // The same on a list from list(): one lookup of the name for both.
  static void add(List& list, Subscriber* s, uint64_t since) {
    list.entries.push_back(Entry{s, since, kForever});
    ++list.active;
  }
  // `name`'s list, made empty if it has none; add() an entry before the
  // next remove() of the name, which drops empty lists.
  List& list(Kind kind, std::string_view name) {
    auto& map = maps_[size_t(kind)];
    auto it = map.find(name);
    if (it == map.end()) it = map.emplace(std::string(name), List{}).first;
    return it->second;
  }

  // Ends `s`'s subscription as of version `until`; the entry stays, to serve
  // messages routed before that, until remove().
  void retire(Kind kind, std::string_view name, Subscriber* s, uint64_t until) {
    if (List* list = find_mutable(kind, name)) retire(*list, s, until);
  }
  // The same on the name's list (from find_mutable()).
  static void retire(List& list, Subscriber* s, uint64_t until) {
    for (Entry& e : list.entries) {
      if (e.subscriber == s && e.until == kForever) {
        e.until = until;
        --list.active;
        return;
      }
    }
  }

  // Forgets `s`'s entry for `name` (retired or not).
  void remove(Kind kind, std::string_view name, Subscriber* s) {
    auto& map = maps_[size_t(kind)];
    auto it = map.find(name);
    if (it == map.end()) return;
    auto& entries = it->second.entries;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].subscriber == s) {
        if (entries[i].until == kForever) --it->second.active;
        // Order among subscribers carries no meaning, so swap-remove.
        entries[i] = entries.back();
        entries.pop_back();
        break;
      }
    }
    if (entries.empty()) map.erase(it);
  }

  const List* find(Kind kind, std::string_view name) const {
    const auto& map = maps_[size_t(kind)];
    auto it = map.find(name);
    return it == map.end() ? nullptr : &it->second;
  }
  List* find_mutable(Kind kind, std::string_view name) {
    auto& map = maps_[size_t(kind)];
    auto it = map.find(name);
    return it == map.end() ? nullptr : &it->second;
  }

 private:
  NameMap<List> maps_[3];
};

}  // namespace ringcast::pubsub
