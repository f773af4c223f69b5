// What the pub/sub engine knows of a client: its subscriptions and the output
// queue messages are delivered into, plus the state output limits keep.
// A shard's Connection is a Subscriber; the engine never sees the rest of it.
// Owned by one shard and touched only by that shard's thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "output/output_queue.h"
#include "pubsub/name_map.h"
#include "pubsub/routed_message.h"

namespace ringcast::engine {

using NameSet = std::unordered_set<std::string, pubsub::NameHash, std::equal_to<>>;

struct Subscriber {
  uint64_t id = 0;  // CLIENT ID: unique across shards for the daemon's life
  int proto = 2;    // 2 or 3, set by HELLO: RESP3 subscribers get push frames
  // CLIENT NO-ECHO ON: the messages this client publishes are not delivered
  // to it, and its own subscriptions are not in PUBLISH's count.
  bool no_echo = false;
  // Flags touched for every delivered message, next to the queue.
  bool armed = false;              // sits in the arm queue (output to write)
  bool closing = false;            // being torn down: no more input or output
  bool doomed = false;             // over an output limit: closed once this delivery batch ends
  bool close_after_reply = false;  // QUIT / protocol error / doomed: flush, then close
  output::OutputQueue out;
  int64_t soft_limit_since_ms = 0;  // when output first went over the soft limit (0: under)
  uint64_t dropped_messages = 0;    // by the drop-oldest policy
  int64_t last_drop_log_ms = -1000000;

  NameSet channels;
  NameSet patterns;
  NameSet shard_channels;
  // History channels joined with RESUME: their messages carry offsets and
  // come from the channel's sequencer shard, not through the directory.
  NameSet resumed;
  // Ended subscriptions whose registry entries still serve messages routed
  // before they ended (see LocalRegistry); removed once every shard has
  // flushed those, or when the subscriber goes.
  std::vector<std::pair<pubsub::Kind, std::string>> retiring;
  // A RESUME subscription ended since the last forget_retired(): its owner
  // shard may still send messages counted for it, which only a fence orders.
  bool resume_ended = false;

  // For log lines.
  std::string name;
  std::string addr;  // peer ip:port

  NameSet& subscriptions(pubsub::Kind kind) {
    switch (kind) {
      case pubsub::Kind::Channel: return channels;
      case pubsub::Kind::Pattern: return patterns;
      case pubsub::Kind::ShardChannel: break;
    }
    return shard_channels;
  }
  const NameSet& subscriptions(pubsub::Kind kind) const { return const_cast<Subscriber*>(this)->subscriptions(kind); }
  // The count Redis reports in (un)subscribe confirmations.
  size_t subscription_count(pubsub::Kind kind) const {
    return kind == pubsub::Kind::ShardChannel ? shard_channels.size()
                                              : channels.size() + patterns.size() + resumed.size();
  }
  bool subscribed() const {
    return !channels.empty() || !patterns.empty() || !shard_channels.empty() || !resumed.empty();
  }
};

}  // namespace ringcast::engine
