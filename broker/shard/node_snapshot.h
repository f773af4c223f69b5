// Reads the running daemon's figures into one snapshot (INFO, /stats,
// /metrics). Safe from any thread while the node's shards exist.
#pragma once

#include "shard/node.h"
#include "stats/snapshot.h"

namespace ringcast {

stats::Snapshot take_snapshot(const Node& node);

}  // namespace ringcast
