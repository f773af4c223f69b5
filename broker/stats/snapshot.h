// The daemon's figures at one moment: what INFO, GET /stats and GET /metrics
// render (stats/render_*.cpp), each from this one snapshot. Pure data; the
// server fills it from the running daemon (server/snapshot.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stats/cluster_figures.h"
#include "stats/shard_counters.h"

namespace ringcast::stats {

struct Snapshot {
  std::string version;
  std::string redis_version;
  std::string os;  // uname: sysname release machine, as INFO shows it
  std::string multiplexing_api = "io_uring";  // the shards' I/O backend: io_uring or epoll
  uint64_t process_id = 0;
  uint64_t tcp_port = 0;
  uint64_t uptime_seconds = 0;
  int64_t started_unix = 0;
  uint64_t connected_clients = 0;
  uint64_t maxclients = 0;  // as now (a reload may change it), not as started
  uint64_t connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t pubsub_channels = 0;       // channels with at least one subscriber
  uint64_t pubsub_patterns = 0;       // patterns with at least one subscriber
  uint64_t pubsubshard_channels = 0;  // shard channels with at least one subscriber
  uint64_t used_memory_rss = 0;
  // Refusals (ACL LOG's reasons; Redis 7.2's INFO names). ringcast has no keys,
  // so acl_access_denied_key is always 0, as INFO shows it.
  uint64_t acl_access_denied_auth = 0;
  uint64_t acl_access_denied_cmd = 0;
  uint64_t acl_access_denied_channel = 0;
  std::vector<ShardSnapshot> shards;
  std::optional<stats::ClusterFigures> cluster;  // set when the node is joined to others through NATS

  // The sum over the shards.
  ShardSnapshot totals() const {
    ShardSnapshot t;
    for (const ShardSnapshot& s : shards) add_to(t, s);
    return t;
  }
};

// INFO's text for the sections asked for ("server", "clients", "memory",
// "stats", "shards", "cluster"; none, "all", "everything" or "default" for
// every one), CRLF lines as Redis writes them.
std::string render_info(const Snapshot& s, const std::vector<std::string>& sections);
// {"server": {...}, "clients": {...}, "memory": {...}, "stats": {...},
//  "shards": [{...}, ...], "history": {...}, "cluster": {...}}: INFO's sections with INFO's
// field names, in INFO's order; each shard has INFO's shard line plus
// dropped_messages.
std::string render_stats_json(const Snapshot& s);
// Prometheus text exposition of the same figures.
std::string render_prometheus(const Snapshot& s);

}  // namespace ringcast::stats
