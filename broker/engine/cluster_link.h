// The engine's view of the other nodes: what a shard passes on, and how it
// learns that its interest changes reached them. The NATS bridge implements
// it; a standalone node has none.
#pragma once

#include <functional>
#include <string_view>

#include "pubsub/routed_message.h"
#include "stats/cluster_figures.h"

namespace ringcast::engine {

class ClusterLink {
 public:
  virtual ~ClusterLink() = default;
  // From a shard thread: one local PUBLISH or SPUBLISH to pass on. Never blocks.
  virtual void forward(pubsub::Kind kind, std::string_view channel, std::string_view payload) = 0;
  // From a shard thread: runs `done` (on another thread) once every interest
  // change made before it has reached the other nodes.
  virtual void after_flush(std::function<void()> done) = 0;
  // Any thread: the link's state and counters (INFO # Cluster, /metrics).
  virtual stats::ClusterFigures figures() const = 0;
};

}  // namespace ringcast::engine
