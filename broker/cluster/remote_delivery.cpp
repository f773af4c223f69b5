// See remote_delivery.h.
#include "cluster/remote_delivery.h"

#include <bit>
#include <vector>

#include "pubsub/publish_routing.h"
#include "server.h"
#include "shard/shard.h"

namespace ringcast::cluster {

using pubsub::Kind;

unsigned deliver_remote(Server& server, Kind kind, std::string_view channel, std::string_view payload,
                        const Interest& via) {
  thread_local pubsub::RoutedMessages routed;
  pubsub::route_publish(
      server.directory(), kind, channel, via.exact && via.space == kind,
      [&](std::string_view pattern) { return interest_for(Kind::Pattern, pattern) == via; },
      [&](Kind k, std::string_view pattern, uint32_t refs) {
        return pubsub::encode_message(k, pattern, channel, payload, refs);
      },
      routed);
  unsigned dropped = 0;
  for (auto& [message, shards] : routed) {
    for (uint64_t rest = shards; rest != 0; rest &= rest - 1)
      dropped += !server.shard(unsigned(std::countr_zero(rest))).post_remote(message);
  }
  routed.clear();
  return dropped;
}

}  // namespace ringcast::cluster
