// Directory updates and PUBSUB queries.
#include "pubsub/directory.h"

#include "pubsub/glob.h"

namespace ringcast::pubsub {

uint64_t Directory::subscribed(Kind kind, std::string_view name, unsigned shard, bool first_on_shard) {
  std::unique_lock lock(mutex_);
  auto& map = names_[size_t(kind)];
  auto it = map.find(name);
  if (it == map.end()) {
    it = map.emplace(std::string(name), Route{}).first;
    if (kind == Kind::Pattern) patterns_.insert(it->first);
    if (listener_ != nullptr) listener_->interest_changed(kind, name, true);
  }
  ++it->second.subscribers;
  if (first_on_shard) it->second.shards |= uint64_t(1) << shard;
  return ++version_;
}

uint64_t Directory::unsubscribed(Kind kind, std::string_view name, unsigned shard, bool last_on_shard) {
  std::unique_lock lock(mutex_);
  const uint64_t version = ++version_;
  auto& map = names_[size_t(kind)];
  auto it = map.find(name);
  if (it == map.end()) return version;
  if (last_on_shard) it->second.shards &= ~(uint64_t(1) << shard);
  if (--it->second.subscribers != 0) return version;
  if (kind == Kind::Pattern) patterns_.erase(it->first);
  if (listener_ != nullptr) listener_->interest_changed(kind, name, false);
  map.erase(it);
  return version;
}

std::vector<std::string> Directory::names(Kind kind, std::optional<std::string_view> pattern) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [name, route] : names_[size_t(kind)])
    if (!pattern || glob_match(*pattern, name)) out.push_back(name);
  return out;
}

uint32_t Directory::subscribers(Kind kind, std::string_view name) const {
  std::shared_lock lock(mutex_);
  const auto& map = names_[size_t(kind)];
  auto it = map.find(name);
  return it == map.end() ? 0 : it->second.subscribers;
}

size_t Directory::count(Kind kind) const {
  std::shared_lock lock(mutex_);
  return names_[size_t(kind)].size();
}

}  // namespace ringcast::pubsub
