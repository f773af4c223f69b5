// Snapshot of the daemon's counters for /metrics and /stats.
#include "http/metrics.h"

#include <unistd.h>

#include <cstdio>
#include <type_traits>
#include <utility>

#include "server.h"
#include "shard/shard.h"

namespace ringcast::http {
namespace {

// Counters ShardStats may or may not have (names as expected in
// broker/shard/shard_stats.h): read when the field exists, and left out of
// the output (never shown as 0) when it does not. `get` must be a generic
// lambda with a decltype return type, so that a missing field is not an error.
template <class Stats, class Get>
std::optional<uint64_t> optional_counter(const Stats& s, Get get) {
  if constexpr (std::is_invocable_v<Get, const Stats&>) {
    return get(s);
  } else {
    return std::nullopt;
  }
}

uint64_t resident_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return uint64_t(resident) * uint64_t(sysconf(_SC_PAGESIZE));
}

}  // namespace

DaemonFigures collect_figures(Server& server) {
  DaemonFigures f;
  f.version = kVersion;
  f.redis_version = kRedisCompatVersion;
  f.process_id = uint64_t(getpid());
  f.tcp_port = server.port();
  const int64_t up_ms = monotonic_ms() - server.started_ms();
  f.uptime_seconds = up_ms > 0 ? uint64_t(up_ms / 1000) : 0;
  f.started_unix = server.started_unix();
  f.connected_clients = server.clients();
  f.maxclients = server.config().maxclients;
  f.connections_received = server.total_connections();
  f.rejected_connections = server.rejected_connections();
  const pubsub::Directory& dir = server.directory();
  f.channels = dir.count(pubsub::Kind::Channel);
  f.patterns = dir.count(pubsub::Kind::Pattern);
  f.shard_channels = dir.count(pubsub::Kind::ShardChannel);
  f.resident_bytes = resident_bytes();
  f.shards.resize(server.shard_count());
  for (unsigned i = 0; i < server.shard_count(); ++i) {
    const ShardStats& s = std::as_const(server.shard(i)).stats();
    ShardFigures& out = f.shards[i];
    out.connections = s.connections.get();
    out.connections_received = s.connections_total.get();
    out.commands = s.commands.get();
    out.publishes = s.publishes.get();
    out.deliveries = s.deliveries.get();
    out.net_output_bytes = s.bytes_out.get();
    out.net_input_bytes = s.bytes_in.get();
    out.loop_iterations = s.loop_iterations.get();
    out.output_buffer_bytes = s.output_bytes.get();
    out.output_limit_disconnects = s.output_limit_disconnects.get();
    out.query_limit_disconnects = s.query_limit_disconnects.get();
    out.protocol_error_disconnects = s.protocol_errors.get();
    out.ops_per_sec = s.ops_per_sec.get();
    out.deliveries_per_sec = s.deliveries_per_sec.get();
    out.loop_busy_us = optional_counter(s, [](const auto& x) -> decltype(x.loop_busy_us.get()) {
      return x.loop_busy_us.get();
    });
    out.dropped_messages = optional_counter(s, [](const auto& x) -> decltype(x.dropped_messages.get()) {
      return x.dropped_messages.get();
    });
    out.output_memory_disconnects = optional_counter(
        s, [](const auto& x) -> decltype(x.output_memory_disconnects.get()) { return x.output_memory_disconnects.get(); });
    out.idle_disconnects = optional_counter(s, [](const auto& x) -> decltype(x.idle_disconnects.get()) {
      return x.idle_disconnects.get();
    });
  }
  return f;
}

}  // namespace ringcast::http
