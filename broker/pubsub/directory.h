// Which shards have subscribers of each channel, pattern and shard channel,
// and how many subscribers in all: what a publisher needs to route a message
// and to answer with its receiver count, and what PUBSUB reports.
//
// Shared by all shard threads. A shard updates it (exclusive lock) before it
// confirms a (un)subscription to its client, so a publish that starts after a
// client saw its confirmation, on any shard, finds it. Publishers read it
// under a shared lock, held for lookups and cheap matches only: a pattern
// whose match could take long (long pattern x long channel) is copied out
// with its route and matched after the lock is released, so no
// (un)subscription on any shard waits for a publish's glob work.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pubsub/fair_shared_mutex.h"
#include "pubsub/glob.h"
#include "pubsub/in_flight.h"
#include "pubsub/routed_message.h"
#include "pubsub/name_map.h"
#include "pubsub/pattern_index.h"

namespace ringcast::pubsub {

struct Route {
  uint64_t shards = 0;       // bit i: shard i has local subscribers
  uint32_t subscribers = 0;  // subscriptions across all shards
};

// Told when a name gets its first subscriber on this node or loses its
// last one (the cluster bridge follows this with its NATS subscriptions).
// Called under the directory's exclusive lock, in the order of the changes.
class InterestListener {
 public:
  virtual ~InterestListener() = default;
  virtual void interest_changed(Kind kind, std::string_view name, bool present) = 0;
};

class Directory {
 public:
  // Set before any shard runs; null (the default) for a standalone node.
  void set_listener(InterestListener* listener) { listener_ = listener; }

  // `first_on_shard` / `last_on_shard`: the shard's local registry saw its
  // first subscriber arrive / its last leave, so the shard's bit changes.
  // Both return the directory version the change takes effect at.
  uint64_t subscribed(Kind kind, std::string_view name, unsigned shard, bool first_on_shard);
  uint64_t unsubscribed(Kind kind, std::string_view name, unsigned shard, bool last_on_shard);

  // Routes one publish as of one version of the directory: on_channel(route)
  // once if `channel` has subscribers, then (for Kind::Channel)
  // on_pattern(pattern, route) for each pattern with subscribers that matches
  // it. The views are valid only during the call; on_pattern may run after
  // the lock is released. Returns the version the routing saw.
  template <class OnChannel, class OnPattern>
  uint64_t route(Kind kind, std::string_view channel, OnChannel&& on_channel, OnPattern&& on_pattern) const {
    // Reused by the thread: no allocation once warm. route() never nests.
    thread_local std::vector<std::pair<std::string, Route>> deferred;
    deferred.clear();
    std::shared_lock lock(mutex_);
    const uint64_t version = version_;
    const auto& map = names_[size_t(kind)];
    if (auto it = map.find(channel); it != map.end()) on_channel(it->second);
    if (kind != Kind::Channel) return version;
    patterns_.for_each_candidate(channel, [&](std::string_view pattern) {
      const Route& route = names_[size_t(Kind::Pattern)].find(pattern)->second;
      if (pattern.size() * channel.size() > kMatchWorkUnderLock) {
        deferred.emplace_back(pattern, route);
      } else if (glob_match(pattern, channel)) {
        on_pattern(pattern, route);
      }
    });
    // Messages on_pattern routes after the unlock are covered by these until
    // it is done (see InFlight).
    for (const auto& entry : deferred) in_flight_.cover(entry.second.shards);
    lock.unlock();
    for (const auto& [pattern, route] : deferred)
      if (glob_match(pattern, channel)) on_pattern(pattern, route);
    for (const auto& entry : deferred) in_flight_.uncover(entry.second.shards);
    return version;
  }

  // Patterns with pattern x channel above this are matched outside the lock:
  // below it a match takes well under a microsecond.
  static constexpr size_t kMatchWorkUnderLock = 64 * 1024;

  // Messages routed to each shard and not delivered yet: a publisher counts
  // those it routes inside route()'s callbacks, the receiving shard those it
  // delivers. Mutable: route() is a const read of the directory.
  InFlight& in_flight() const { return in_flight_; }

  // PUBSUB CHANNELS / SHARDCHANNELS [pattern]
  std::vector<std::string> names(Kind kind, std::optional<std::string_view> pattern) const;
  // PUBSUB NUMSUB / SHARDNUMSUB
  uint32_t subscribers(Kind kind, std::string_view name) const;
  // PUBSUB NUMPAT and INFO counts: names with subscribers.
  size_t count(Kind kind) const;

 private:
  mutable FairSharedMutex mutex_;
  uint64_t version_ = 1;  // bumped by every change
  NameMap<Route> names_[3];
  PatternIndex patterns_;  // views of the keys of names_[Pattern]
  InterestListener* listener_ = nullptr;
  mutable InFlight in_flight_;
};

}  // namespace ringcast::pubsub
