// A snapshot of the daemon's counters (what INFO shows), and its two
// renderings for the HTTP listener: Prometheus text and the /stats JSON.
// Pure: metrics.cpp fills a snapshot from the running server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cluster/bridge_figures.h"

namespace ringcast::http {

struct ShardFigures {
  uint64_t connections = 0;
  uint64_t connections_received = 0;
  uint64_t commands = 0;
  uint64_t publishes = 0;
  uint64_t deliveries = 0;
  uint64_t net_output_bytes = 0;
  uint64_t net_input_bytes = 0;
  uint64_t loop_iterations = 0;
  uint64_t loop_busy_us = 0;  // time spent outside the kernel wait
  uint64_t output_buffer_bytes = 0;
  uint64_t output_limit_disconnects = 0;
  uint64_t query_limit_disconnects = 0;
  uint64_t protocol_error_disconnects = 0;
  uint64_t output_memory_disconnects = 0;  // cut by limits.max_output_memory
  uint64_t idle_disconnects = 0;           // closed by `timeout`
  uint64_t dropped_messages = 0;           // dropped by the drop-oldest policy
  uint64_t ops_per_sec = 0;
  uint64_t deliveries_per_sec = 0;
};

struct DaemonFigures {
  std::string version;
  std::string redis_version;
  std::string os;  // uname: sysname release machine, as INFO shows it
  uint64_t process_id = 0;
  uint64_t tcp_port = 0;
  uint64_t uptime_seconds = 0;
  int64_t started_unix = 0;
  uint64_t connected_clients = 0;
  uint64_t maxclients = 0;  // as now (a reload may change it), not as started
  uint64_t connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t channels = 0;        // channels with at least one subscriber
  uint64_t patterns = 0;        // patterns with at least one subscriber
  uint64_t shard_channels = 0;  // shard channels with at least one subscriber
  uint64_t resident_bytes = 0;
  std::vector<ShardFigures> shards;
  std::optional<cluster::BridgeFigures> cluster;  // set when the node is joined to others through NATS
};

// Sums over the shards; fields of DaemonFigures itself are left alone.
ShardFigures totals(const DaemonFigures& f);

std::string render_prometheus(const DaemonFigures& f);
// {"server": {...}, "clients": {...}, "memory": {...}, "stats": {...},
//  "shards": [{...}, ...], "cluster": {...}}: INFO's sections with INFO's field names, in
// INFO's order; each shard has INFO's shard line plus dropped_messages.
std::string render_stats_json(const DaemonFigures& f);

}  // namespace ringcast::http
