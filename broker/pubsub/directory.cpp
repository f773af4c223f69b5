// Directory updates and PUBSUB queries.
#include "pubsub/directory.h"

#include "pubsub/glob.h"

namespace ringcast::pubsub {

uint64_t Directory::subscribed(Kind kind, std::string_view name, unsigned shard, bool first_on_shard,
                               Batch* batch) {
  Stripe& stripe = stripe_of(kind, name);
  std::unique_lock<FairSharedMutex> lock;
  lock_for_change(stripe, batch, lock);
  auto& map = stripe.names;
  auto it = map.find(name);
  if (it == map.end()) {
    it = map.emplace(std::string(name), Route{}).first;
    if (kind == Kind::Pattern) {
      it->second.index_place = index_.insert(it->first);
      patterns_present_.store(map.size(), std::memory_order_release);
    }
    if (listener_ != nullptr) listener_->interest_changed(kind, name, true);
  }
  ++it->second.subscribers;
  if (first_on_shard) it->second.shards |= uint64_t(1) << shard;
  return ++stripe.version;
}

uint64_t Directory::unsubscribed(Kind kind, std::string_view name, unsigned shard, bool last_on_shard,
                                 Batch* batch) {
  Stripe& stripe = stripe_of(kind, name);
  std::unique_lock<FairSharedMutex> lock;
  lock_for_change(stripe, batch, lock);
  const uint64_t version = ++stripe.version;
  auto& map = stripe.names;
  auto it = map.find(name);
  if (it == map.end()) return version;
  if (last_on_shard) it->second.shards &= ~(uint64_t(1) << shard);
  if (--it->second.subscribers != 0) return version;
  if (kind == Kind::Pattern) {
    if (const std::string_view* moved = index_.erase(it->first, it->second.index_place))
      map.find(*moved)->second.index_place = it->second.index_place;
  }
  if (listener_ != nullptr) listener_->interest_changed(kind, name, false);
  map.erase(it);
  if (kind == Kind::Pattern) patterns_present_.store(map.size(), std::memory_order_release);
  return version;
}

std::vector<std::string> Directory::names(Kind kind, std::optional<std::string_view> pattern) const {
  std::vector<std::string> out;
  const auto collect = [&](const Stripe& stripe) {
    std::shared_lock lock(stripe.mutex);
    for (const auto& [name, route] : stripe.names)
      if (!pattern || glob_match(*pattern, name)) out.push_back(name);
  };
  if (kind == Kind::Pattern) {
    collect(patterns_);
  } else {
    for (const Stripe& stripe : kind == Kind::Channel ? channels_ : shard_channels_) collect(stripe);
  }
  return out;
}

uint32_t Directory::subscribers(Kind kind, std::string_view name) const {
  const Stripe& stripe = stripe_of(kind, name);
  std::shared_lock lock(stripe.mutex);
  auto it = stripe.names.find(name);
  return it == stripe.names.end() ? 0 : it->second.subscribers;
}

size_t Directory::count(Kind kind) const {
  if (kind == Kind::Pattern) return patterns_present_.load(std::memory_order_acquire);
  size_t n = 0;
  for (const Stripe& stripe : kind == Kind::Channel ? channels_ : shard_channels_) {
    std::shared_lock lock(stripe.mutex);
    n += stripe.names.size();
  }
  return n;
}

}  // namespace ringcast::pubsub
