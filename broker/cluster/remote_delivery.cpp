// See remote_delivery.h.
#include "cluster/remote_delivery.h"

#include <bit>
#include <vector>

#include "server.h"
#include "shard/shard.h"

namespace ringcast::cluster {

using pubsub::Kind;
using pubsub::MessageFrame;

unsigned deliver_remote(Server& server, Kind kind, std::string_view channel, std::string_view payload,
                    const Interest& via) {
  thread_local std::vector<std::pair<MessageFrame, uint64_t>> routed;
  const uint64_t version = server.directory().route(
      kind, channel,
      [&](const pubsub::Route& r) {
        if (!via.exact || via.space != kind || r.shards == 0) return;
        routed.emplace_back(pubsub::encode_message(kind, {}, channel, payload, uint32_t(std::popcount(r.shards))),
                            r.shards);
      },
      [&](std::string_view pattern, const pubsub::Route& r) {
        if (r.shards == 0 || interest_for(Kind::Pattern, pattern) != via) return;
        routed.emplace_back(
            pubsub::encode_message(Kind::Pattern, pattern, channel, payload, uint32_t(std::popcount(r.shards))),
            r.shards);
      });
  unsigned dropped = 0;
  for (auto& [message, shards] : routed) {
    message.version = version;
    for (uint64_t rest = shards; rest != 0; rest &= rest - 1)
      dropped += !server.shard(unsigned(std::countr_zero(rest))).post_remote(message);
  }
  routed.clear();
  return dropped;
}

}  // namespace ringcast::cluster
