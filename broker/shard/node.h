// What the shards of one daemon share: the subscription directory, the
// shards themselves (each hands work to the others' inboxes), client
// admission, the listening socket, the link to other nodes and the stop
// flag. The Server builds and owns it; every shard holds a reference.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "acl/access_log.h"
#include "engine/cluster_link.h"
#include "io/backend.h"
#include "pubsub/directory.h"
#include "pubsub/history_streams.h"
#include "shard/client_admission.h"

namespace ringcast {

class Shard;

struct Node {
  explicit Node(uint32_t maxclients);
  ~Node();  // where Shard is complete
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  pubsub::Directory directory;
  acl::AccessLog access_log;  // refusals from every shard and the HTTP listener
  pubsub::HistoryNode history;  // epochs and the retained-bytes total of channel history
  ClientAdmission clients;
  unsigned shard_count = 0;                    // set before the shards are made
  io::BackendKind io_kind = io::BackendKind::io_uring;  // every shard's; set before the shards are made
  std::vector<std::unique_ptr<Shard>> shards;  // fixed once the shards run
  engine::ClusterLink* cluster = nullptr;      // null for a standalone node
  int listen_fd = -1;
  uint16_t port = 0;
  int64_t started_ms = 0;
  int64_t started_unix = 0;
  std::atomic<bool> stopping{false};

  bool stop_requested() const { return stopping.load(std::memory_order_acquire); }
};

}  // namespace ringcast
