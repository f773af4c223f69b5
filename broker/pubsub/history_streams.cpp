// Sequencing and eviction of one shard's history streams.
#include "pubsub/history_streams.h"

#include <algorithm>
#include <limits>

namespace ringcast::pubsub {

unsigned history_owner(std::string_view channel, unsigned shards) {
  // FNV-1a: stable across runs and builds, unlike std::hash, so a channel's
  // owner is a fact of its name and the shard count.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : channel) h = (h ^ ch) * 1099511628211ull;
  return unsigned(h % shards);
}

HistoryStreams::~HistoryStreams() { account(-bytes_); }

void HistoryStreams::account(int64_t delta) {
  bytes_ += delta;
  retained_.fetch_add(delta, std::memory_order_relaxed);
}

HistoryStream& HistoryStreams::open(std::string_view channel, const HistoryLimits& limits) {
  auto it = streams_.find(channel);
  if (it == streams_.end()) {
    it = streams_.try_emplace(std::string(channel)).first;
    it->second.epoch = epochs_.take();
    it->second.limits = limits;
  }
  return it->second;
}

void HistoryStreams::count_resumer(std::string_view channel, int delta) {
  auto it = streams_.find(channel);
  if (it == streams_.end()) return;
  // Never below zero: a RESUME made while a reload had taken its rule away was not counted.
  it->second.resumers = uint32_t(std::max<int64_t>(0, int64_t(it->second.resumers) + delta));
  forget_if_empty(it);
}

HistoryStreams::Appended HistoryStreams::append(std::string_view channel, const HistoryLimits& limits,
                                                std::string_view payload, uint32_t refs, int64_t now_ms) {
  HistoryStream& s = open(channel, limits);
  s.limits = limits;  // a reload's limits apply from the next message on
  const size_t before = s.ring.bytes();
  const HistoryRing::Appended added = s.ring.append(channel, payload, refs, now_ms);
  ++messages_;
  const size_t held = s.ring.size();
  s.ring.trim(limits.max_messages, std::numeric_limits<int64_t>::min());
  const size_t dropped = held - s.ring.size();
  messages_ -= dropped;
  evicted_ += dropped;
  account(int64_t(s.ring.bytes()) - int64_t(before));
  return {s.epoch, added.offset, added.message};
}

const HistoryStream* HistoryStreams::find(std::string_view channel) const {
  auto it = streams_.find(channel);
  return it == streams_.end() ? nullptr : &it->second;
}

void HistoryStreams::forget_if_empty(NameMap<HistoryStream>::iterator it) {
  if (!it->second.ring.empty() || it->second.resumers != 0) return;
  account(-int64_t(it->second.ring.bytes()));
  streams_.erase(it);
}

void HistoryStreams::expire(int64_t now_ms) {
  for (auto it = streams_.begin(); it != streams_.end();) {
    HistoryStream& s = it->second;
    auto next = std::next(it);
    if (s.limits.max_age_ms != 0) {
      const size_t before = s.ring.bytes(), held = s.ring.size();
      s.ring.trim(0, now_ms - s.limits.max_age_ms);
      messages_ -= held - s.ring.size();
      evicted_ += held - s.ring.size();
      account(int64_t(s.ring.bytes()) - int64_t(before));
      forget_if_empty(it);
    }
    it = next;
  }
}

uint64_t HistoryStreams::shrink_to(int64_t max_bytes) {
  uint64_t dropped = 0;
  while (retained_.load(std::memory_order_relaxed) > max_bytes && messages_ != 0) {
    // The oldest message first: a scan, since this runs only over the cap.
    // Streams kept empty for their resumers have nothing to give.
    auto oldest = streams_.end();
    for (auto it = streams_.begin(); it != streams_.end(); ++it)
      if (!it->second.ring.empty() &&
          (oldest == streams_.end() || it->second.ring.oldest_time_ms() < oldest->second.ring.oldest_time_ms()))
        oldest = it;
    HistoryRing& ring = oldest->second.ring;
    const size_t before = ring.bytes();
    ring.evict_oldest();
    account(int64_t(ring.bytes()) - int64_t(before));
    --messages_;
    ++evicted_;
    ++dropped;
    forget_if_empty(oldest);
  }
  return dropped;
}

}  // namespace ringcast::pubsub
