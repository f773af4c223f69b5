// Publishing, delivering and (un)subscribing on one shard: the fan-out path.
#include <algorithm>
#include <bit>
#include <cstdint>

#include <spdlog/spdlog.h>

#include "cluster/nats_bridge.h"
#include "pubsub/publish_routing.h"
#include "server.h"
#include "shard/shard.h"

namespace ringcast {

using pubsub::Kind;
using pubsub::MessageFrame;

namespace {

size_t limit_check_threshold(const config::OutputLimit& limit) {
  size_t t = SIZE_MAX;
  if (limit.hard_bytes != 0) t = std::min<size_t>(t, limit.hard_bytes);
  if (limit.soft_bytes != 0) t = std::min<size_t>(t, limit.soft_bytes);
  return t;
}

}  // namespace

int64_t Shard::publish(Kind kind, std::string_view channel, std::string_view payload) {
  stats_.publishes.add();
  // drop-oldest drops whole messages: each needs a frame of its own, not a slice of a block.
  const bool own_frames = settings_.output_policy == config::OutputPolicy::drop_oldest;
  const int64_t receivers = pubsub::route_publish(
      server_.directory(), kind, channel, true, [](std::string_view) { return true; },
      [&](Kind k, std::string_view pattern, uint32_t refs) {
        return own_frames ? pubsub::encode_message(k, pattern, channel, payload, refs)
                          : arena_.encode(k, pattern, channel, payload, refs);
      },
      routed_);
  for (auto& [message, shards] : routed_) send_to_shards(message, shards);
  routed_.clear();
  if (cluster::NatsBridge* bridge = server_.cluster()) bridge->forward(kind, channel, payload);
  return receivers;
}

void Shard::send_to_shards(const MessageFrame& m, uint64_t shards) {
  // One envelope per target shard, never one per subscriber.
  for (uint64_t rest = shards; rest != 0; rest &= rest - 1) {
    const auto target = unsigned(std::countr_zero(rest));
    if (target == index_) {
      deliver(m);
    } else {
      outboxes_[target].push_back(Envelope{m, {}});
    }
  }
}

void Shard::deliver(const MessageFrame& m) {
  const auto* subscribers = registry_.find(m.kind, m.key());
  if (subscribers == nullptr) {
    m.frame->release();  // everyone left since it was routed
    return;
  }
  // drop-oldest drops whole messages, so it needs each one in its own segment.
  const bool may_copy = settings_.output_policy != config::OutputPolicy::drop_oldest;
  pubsub::LocalFrame* resp2;
  uint32_t begin = m.begin;
  if (!m.in_block) {
    resp2 = frames_.adopt(m.frame);
  } else if (may_copy) {
    resp2 = frames_.adopt_block(m.frame);
  } else {  // routed before the policy changed: a frame of its own after all
    resp2 = frames_.adopt(pubsub::standalone_copy(m.bytes()));
    m.frame->release();
    begin = 0;
  }
  pubsub::LocalFrame* resp3 = nullptr;  // the push variant, made if someone needs it
  uint64_t delivered = 0;
  // Below this, a subscriber is under both of its limits: skip the full check.
  const size_t check_from = limit_check_threshold(settings_.pubsub_output);
  for (const auto& entry : subscribers->entries) {
    // Only subscriptions that were counted when the message was routed.
    if (!entry.receives(m.version)) continue;
    Connection* c = entry.subscriber;
    if (c->doomed || c->closing) continue;
    if (c->proto >= 3) {
      if (resp3 == nullptr) resp3 = frames_.adopt(pubsub::push_variant(m.bytes()));
      c->out.push_frame(resp3, may_copy);
    } else {
      c->out.push_message(resp2, begin, m.size, may_copy);
    }
    ++delivered;
    arm(*c);
    if (c->out.bytes_lower_bound() >= check_from || c->soft_limit_since_ms != 0) check_output_limits(*c);
  }
  stats_.deliveries.add(delivered);
  frames_.drop_if_unused(resp2);
  if (resp3 != nullptr) frames_.drop_if_unused(resp3);
}

bool Shard::subscribe(Connection& c, Kind kind, std::string_view name) {
  NameSet& mine = c.subscriptions(kind);
  if (mine.contains(name)) return false;
  mine.emplace(name);
  const bool first = registry_.active(kind, name) == 0;
  // Visible to every publisher before the caller confirms it to the client.
  const uint64_t since = server_.directory().subscribed(kind, name, index_, first);
  registry_.add(kind, name, &c, since);
  return true;
}

bool Shard::unsubscribe(Connection& c, Kind kind, std::string_view name) {
  NameSet& mine = c.subscriptions(kind);
  auto it = mine.find(name);
  if (it == mine.end()) return false;
  const bool last = registry_.active(kind, name) == 1;
  const uint64_t until = server_.directory().unsubscribed(kind, name, index_, last);
  registry_.retire(kind, name, &c, until);
  c.retiring.emplace_back(kind, std::string(name));
  mine.erase(it);
  return true;
}

void Shard::forget_retired(Connection& c) {
  for (const auto& [kind, name] : c.retiring) registry_.remove(kind, name, &c);
  c.retiring.clear();
}

void Shard::drop_all_subscriptions(Connection& c) {
  for (Kind kind : {Kind::Channel, Kind::Pattern, Kind::ShardChannel}) {
    NameSet& mine = c.subscriptions(kind);
    for (const std::string& name : mine) {
      const bool last = registry_.active(kind, name) == 1;
      server_.directory().unsubscribed(kind, name, index_, last);
      registry_.remove(kind, name, &c);
    }
    mine.clear();
  }
  forget_retired(c);
}

}  // namespace ringcast
