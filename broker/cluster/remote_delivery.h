// Messages from other nodes into this node's fan-out path.
#pragma once

#include <string_view>

#include "cluster/subject_codec.h"

namespace ringcast {

class Server;

namespace cluster {

// Delivers a message published on another node to the local subscribers
// that the NATS subscription `via` serves, from any thread: routed like a
// local PUBLISH (one shared frame per shape, one envelope per shard), but
// never passed back to NATS. A node can hold overlapping NATS subscriptions
// (a channel and a pattern's wildcard over it), and NATS then delivers the
// message once on each: `via` picks the subscribers each copy is for, so
// every local subscription still gets the message exactly once.
// Returns how many shards dropped their copy for being too far behind.
unsigned deliver_remote(Server& server, pubsub::Kind kind, std::string_view channel, std::string_view payload,
                    const Interest& via);

}  // namespace cluster
}  // namespace ringcast
