// Messages from other nodes into this node's fan-out path.
#pragma once

#include <string_view>

#include "cluster/subject_codec.h"
#include "pubsub/directory.h"
#include "pubsub/routed_message.h"

namespace ringcast::cluster {

// What the bridge needs of the local node: who subscribes where, and a way
// into each shard's inbox from the bridge's threads. The server implements it.
class LocalDelivery {
 public:
  virtual const pubsub::Directory& directory() const = 0;
  // Hands `message` (one frame reference for that shard) to shard `shard`;
  // false, and the reference is released, when the shard is too far behind.
  virtual bool post_remote(unsigned shard, pubsub::RoutedMessage message) = 0;
  // Hands a message on a history channel to the shard that owns its stream,
  // to be numbered there (RoutedMessage::to_number); false, and nothing
  // kept, when that shard is too far behind.
  virtual bool post_to_number(std::string_view channel, std::string_view payload) = 0;

 protected:
  ~LocalDelivery() = default;
};

// Delivers a message published on another node to the local subscribers
// that the NATS subscription `via` serves, from any thread: routed like a
// local PUBLISH (one shared frame per shape, one envelope per shard), but
// never passed back to NATS. A node can hold overlapping NATS subscriptions
// (a channel and a pattern's wildcard over it), and NATS then delivers the
// message once on each: `via` picks the subscribers each copy is for, so
// every local subscription still gets the message exactly once.
// Returns how many shards dropped their copy for being too far behind.
unsigned deliver_remote(LocalDelivery& node, pubsub::Kind kind, std::string_view channel, std::string_view payload,
                        const Interest& via);

}  // namespace ringcast::cluster
