// Snapshot of the daemon's counters for /metrics and /stats.
#include "http/metrics.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <utility>

#include <fmt/format.h>

#include "cluster/nats_bridge.h"
#include "server.h"
#include "shard/shard.h"

namespace ringcast::http {

DaemonFigures collect_figures(Server& server) {
  DaemonFigures f;
  f.version = kVersion;
  f.redis_version = kRedisCompatVersion;
  utsname u{};
  if (uname(&u) == 0) f.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  f.process_id = uint64_t(getpid());
  f.tcp_port = server.port();
  const int64_t up_ms = monotonic_ms() - server.started_ms();
  f.uptime_seconds = up_ms > 0 ? uint64_t(up_ms / 1000) : 0;
  f.started_unix = server.started_unix();
  f.connected_clients = server.clients();
  f.maxclients = server.maxclients();
  f.connections_received = server.total_connections();
  f.rejected_connections = server.rejected_connections();
  const pubsub::Directory& dir = server.directory();
  f.channels = dir.count(pubsub::Kind::Channel);
  f.patterns = dir.count(pubsub::Kind::Pattern);
  f.shard_channels = dir.count(pubsub::Kind::ShardChannel);
  f.resident_bytes = resident_memory_bytes();
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
    out.loop_busy_us = s.loop_busy_us.get();
    out.output_buffer_bytes = s.output_bytes.get();
    out.output_limit_disconnects = s.output_limit_disconnects.get();
    out.query_limit_disconnects = s.query_limit_disconnects.get();
    out.protocol_error_disconnects = s.protocol_errors.get();
    out.output_memory_disconnects = s.output_memory_disconnects.get();
    out.idle_disconnects = s.idle_disconnects.get();
    out.dropped_messages = s.dropped_messages.get();
    out.ops_per_sec = s.ops_per_sec.get();
    out.deliveries_per_sec = s.deliveries_per_sec.get();
  }
  if (cluster::NatsBridge* bridge = server.cluster()) f.cluster = bridge->figures();
  return f;
}

}  // namespace ringcast::http
