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
//
// Channels and shard channels are split over kStripes stripes by a hash of
// the name, each with its own lock, map and version; patterns are one more
// stripe (a publish must see all of them at once). Shards subscribing and
// unsubscribing different names then rarely wait for each other. A version
// orders the changes of one stripe only, which is all it is compared with:
// a message's version with the registry entries of its own key (channel or
// pattern), which live in the same stripe.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <type_traits>
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
  uint32_t index_place = 0;  // a pattern's place in the PatternIndex (in what was padding)
};
static_assert(sizeof(Route) == 16);

// Told when a name gets its first subscriber on this node or loses its
// last one (the cluster bridge follows this with its NATS subscriptions).
// Called under the exclusive lock of the name's stripe, so in the order of
// that name's changes, and from several shards at once for names of
// different stripes.
class InterestListener {
 public:
  virtual ~InterestListener() = default;
  virtual void interest_changed(Kind kind, std::string_view name, bool present) = 0;
};

class Directory {
  struct Stripe;  // below

 public:
  // Set before any shard runs; null (the default) for a standalone node.
  void set_listener(InterestListener* listener) { listener_ = listener; }

  class Batch;

  // `first_on_shard` / `last_on_shard`: the shard's local registry saw its
  // first subscriber arrive / its last leave, so the shard's bit changes.
  // Both return the version (of the name's stripe) the change takes effect
  // at. With a `batch`, the stripe's exclusive lock is kept for the next
  // change, else released before they return.
  uint64_t subscribed(Kind kind, std::string_view name, unsigned shard, bool first_on_shard,
                      Batch* batch = nullptr);
  uint64_t unsubscribed(Kind kind, std::string_view name, unsigned shard, bool last_on_shard,
                        Batch* batch = nullptr);

  // One shard's run of changes under one exclusive lock: a client pipelining
  // one-name SUBSCRIBE / UNSUBSCRIBE commands takes a stripe's lock once for
  // up to kBatchChanges changes in a row rather than once each (the pattern
  // stripe, which every PSUBSCRIBE takes, most of all). It holds one stripe
  // at most, released before another is taken, so two shards never wait for
  // each other. Its owner releases it before anything else that reads the
  // directory on its thread (a publish, PUBSUB, another command) and before
  // any confirmation leaves the process: what was changed is visible to
  // every publisher by then, as without a batch. A message routed while it
  // is held waits for it (a few microseconds).
  class Batch {
   public:
    Batch() = default;
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    ~Batch() { release(); }
    void release() {
      if (held_ == nullptr) return;
      held_->mutex.unlock();
      held_ = nullptr;
    }
    bool holding() const { return held_ != nullptr; }

   private:
    friend class Directory;
    Stripe* held_ = nullptr;
    unsigned changes_ = 0;
  };
  static constexpr unsigned kBatchChanges = 32;

  // Routes one publish: on_channel(route, version) once if `channel` has
  // subscribers, then (for Kind::Channel) on_pattern(pattern, route, version)
  // for each pattern with subscribers that matches it, `version` being the
  // one of the stripe the route was read in. The views are valid only during
  // the call; on_pattern may run after the lock is released. The callbacks
  // may leave `version` out.
  template <class OnChannel, class OnPattern>
  void route(Kind kind, std::string_view channel, OnChannel&& on_channel, OnPattern&& on_pattern) const {
    {
      const Stripe& stripe = stripe_of(kind, channel);
      std::shared_lock lock(stripe.mutex);
      if (auto it = stripe.names.find(channel); it != stripe.names.end()) call(on_channel, it->second, stripe.version);
    }
    // No pattern, no lock: a PSUBSCRIBE raises the count inside its exclusive
    // section, before it is confirmed.
    if (kind != Kind::Channel || patterns_present_.load(std::memory_order_acquire) == 0) return;
    // Reused by the thread: no allocation once warm. route() never nests.
    thread_local std::vector<std::pair<std::string, Route>> deferred;
    deferred.clear();
    std::shared_lock lock(patterns_.mutex);
    const uint64_t version = patterns_.version;
    index_.for_each_candidate(channel, [&](std::string_view pattern) {
      const Route& route = patterns_.names.find(pattern)->second;
      if (pattern.size() * channel.size() > kMatchWorkUnderLock) {
        deferred.emplace_back(pattern, route);
      } else if (glob_match(pattern, channel)) {
        call(on_pattern, pattern, route, version);
      }
    });
    // Messages on_pattern routes after the unlock are covered by these until
    // it is done (see InFlight).
    for (const auto& entry : deferred) in_flight_.cover(entry.second.shards);
    lock.unlock();
    for (const auto& [pattern, route] : deferred)
      if (glob_match(pattern, channel)) call(on_pattern, pattern, route, version);
    for (const auto& entry : deferred) in_flight_.uncover(entry.second.shards);
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

  // Stripes per kind of channel: enough that two shards seldom change the
  // same one at once, few enough that PUBSUB CHANNELS walks them cheaply.
  static constexpr size_t kStripes = 16;

 private:
  friend class Batch;
  // Takes `stripe` exclusively for one change: through `batch` (kept
  // locked, see Batch) or for the caller's scope (`own`).
  void lock_for_change(Stripe& stripe, Batch* batch, std::unique_lock<FairSharedMutex>& own) {
    if (batch == nullptr) {
      own = std::unique_lock(stripe.mutex);
      return;
    }
    if (batch->held_ != &stripe || batch->changes_ >= kBatchChanges) {
      batch->release();
      stripe.mutex.lock();
      batch->held_ = &stripe;
      batch->changes_ = 0;
    }
    ++batch->changes_;
  }

  struct Stripe {
    mutable FairSharedMutex mutex;
    uint64_t version = 1;  // bumped by every change of this stripe
    NameMap<Route> names;
  };

  // The stripe `name` of `kind` lives in.
  Stripe& stripe_of(Kind kind, std::string_view name) {
    return const_cast<Stripe&>(static_cast<const Directory*>(this)->stripe_of(kind, name));
  }
  const Stripe& stripe_of(Kind kind, std::string_view name) const {
    if (kind == Kind::Pattern) return patterns_;
    return (kind == Kind::Channel ? channels_ : shard_channels_)[stripe_index(name)];
  }
  // A few bytes from each end and the length, mixed: cheaper than hashing
  // the whole name twice (the stripe's map hashes it anyway), and names
  // that share a prefix (user:1, user:2, ...) differ at the end.
  static size_t stripe_index(std::string_view name) {
    if (name.empty()) return 0;
    uint64_t head = 0, tail = 0;
    const size_t n = name.size() < 8 ? name.size() : 8;
    std::memcpy(&head, name.data(), n);
    std::memcpy(&tail, name.data() + name.size() - n, n);
    uint64_t h = (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ name.size();
    return size_t((h ^ (h >> 29)) * 0x94D049BB133111EBull >> 60) % kStripes;
  }
  // Calls `f` with the version when it takes one.
  template <class F>
  static void call(F& f, const Route& route, uint64_t version) {
    if constexpr (std::is_invocable_v<F&, const Route&, uint64_t>) f(route, version);
    else f(route);
  }
  template <class F>
  static void call(F& f, std::string_view pattern, const Route& route, uint64_t version) {
    if constexpr (std::is_invocable_v<F&, std::string_view, const Route&, uint64_t>) f(pattern, route, version);
    else f(pattern, route);
  }

  Stripe channels_[kStripes];
  Stripe shard_channels_[kStripes];
  Stripe patterns_;
  PatternIndex index_;  // views of the keys of patterns_.names
  std::atomic<size_t> patterns_present_{0};  // patterns_.names.size(), readable without the lock
  InterestListener* listener_ = nullptr;
  mutable InFlight in_flight_;
};

}  // namespace ringcast::pubsub
