// See remote_delivery.h.
#include "cluster/remote_delivery.h"

#include <bit>
#include <vector>

#include "pubsub/publish_routing.h"

namespace ringcast::cluster {

using pubsub::Kind;

unsigned deliver_remote(LocalDelivery& node, Kind kind, std::string_view channel, std::string_view payload,
                        const Interest& via) {
  thread_local pubsub::RoutedMessages routed;
  pubsub::route_publish(
      node.directory(), kind, channel, via.exact && via.space == kind, 0,
      [&](std::string_view pattern) { return interest_for(Kind::Pattern, pattern) == via; },
      [&](Kind k, std::string_view pattern, uint32_t refs) {
        return pubsub::encode_message(k, pattern, channel, payload, refs);
      },
      routed);
  unsigned dropped = 0;
  for (auto& [message, shards] : routed) {
    for (uint64_t rest = shards; rest != 0; rest &= rest - 1)
      dropped += !node.post_remote(unsigned(std::countr_zero(rest)), message);
  }
  routed.clear();
  return dropped;
}

}  // namespace ringcast::cluster
