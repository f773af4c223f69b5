// Channel history in the engine: which channels keep it, publishing on the
// shard that owns a channel's stream (its sequencer), and HISTORY's reply.
#include <memory>

#include "engine/pubsub_engine.h"
#include "pubsub/glob.h"

namespace ringcast::engine {

using pubsub::Kind;

const pubsub::HistoryLimits* PubSubEngine::history_limits(Kind kind, std::string_view channel) const {
  if (history_rules_.empty() || kind != Kind::Channel) return nullptr;
  for (const HistoryRule& rule : history_rules_)
    for (const std::string& glob : rule.channels)
      if (pubsub::glob_match(glob, channel)) return &rule.limits;
  return nullptr;
}

bool PubSubEngine::history_elsewhere(Kind kind, std::string_view channel) const {
  return history_limits(kind, channel) != nullptr && history_owner(channel) != index_;
}

void PubSubEngine::publish_at_owner(std::string_view channel, std::vector<std::string> payloads, uint64_t publisher,
                                    std::function<void(ShardContext&, int64_t)> done) {
  // The owner's outbox to this shard carries the messages it routes here
  // before the answer, so a RESP3 publisher hears its own message first.
  post(history_owner(channel), [origin = index_, channel = std::string(channel), payloads = std::move(payloads),
                                publisher, done = std::move(done)](ShardContext& owner) mutable {
    PubSubEngine& engine = owner.engine();
    int64_t receivers = 0;
    for (const std::string& payload : payloads) receivers += engine.route_and_send(Kind::Channel, channel, payload, publisher);
    engine.post(origin, [receivers, done = std::move(done)](ShardContext& back) { done(back, receivers); });
  });
}

void PubSubEngine::number_remote(const pubsub::RoutedMessage& m) {
  const std::string_view channel = m.key();
  const pubsub::HistoryLimits* limits = history_limits(Kind::Channel, channel);
  if (limits == nullptr) {  // a reload ended the rule on the way
    m.frame->release();
    return;
  }
  // Copied into the stream's block, as a local publish is written there.
  const std::string_view payload = pubsub::message_payload(m.bytes());
  const uint64_t offset = history_.append(channel, *limits, payload, 0, now_ms_).offset;
  if (!resumers_.empty()) send_to_resumers(channel, payload, offset, 0);
  m.frame->release();
  history_.shrink_to(history_max_memory_);
}

void PubSubEngine::expire_history() {
  history_.expire(now_ms_);
  counters_.history_channels.set(history_.streams());
  counters_.history_messages.set(history_.messages());
  counters_.history_bytes.set(uint64_t(history_.bytes()));
  counters_.history_evictions.set(history_.evicted());
}

pubsub::HistoryPage PubSubEngine::history_page(std::string_view channel, uint64_t after, uint64_t count) const {
  pubsub::HistoryPage page;
  const pubsub::HistoryStream* stream = history_.find(channel);
  if (stream == nullptr) return page;
  page.epoch = stream->epoch;
  page.next_offset = stream->ring.next_offset();
  stream->ring.since(after, count, [&](uint64_t offset, std::string_view message) {
    page.messages.emplace_back(offset, std::string(pubsub::message_payload(message)));
  });
  return page;
}

}  // namespace ringcast::engine
