// The daemon's figures at one moment, read from the node's shards (relaxed
// atomics, safe from any thread), its directory and its cluster link.
#include "shard/node_snapshot.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/process_memory.h"
#include "core/version.h"
#include "shard/shard.h"

namespace ringcast {

// Epochs count up from the wall clock in microseconds at start-up, so a
// restarted node names its streams anew.
Node::Node(uint32_t maxclients)
    : history(uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count())),
      clients(maxclients) {}
Node::~Node() = default;

stats::Snapshot take_snapshot(const Node& node) {
  stats::Snapshot f;
  f.version = kVersion;
  f.redis_version = kRedisCompatVersion;
  utsname u{};
  if (uname(&u) == 0) f.os = fmt::format("{} {} {}", u.sysname, u.release, u.machine);
  f.multiplexing_api = io::backend_name(node.io_kind);
  f.process_id = uint64_t(getpid());
  f.tcp_port = node.port;
  const int64_t up_ms = monotonic_ms() - node.started_ms;
  f.uptime_seconds = up_ms > 0 ? uint64_t(up_ms / 1000) : 0;
  f.started_unix = node.started_unix;
  f.connected_clients = node.clients.clients();
  f.maxclients = node.clients.maxclients();
  f.connections_received = node.clients.total();
  f.rejected_connections = node.clients.rejected();
  const acl::AccessDenials denied = node.access_log.denials();
  f.acl_access_denied_auth = denied.auth;
  f.acl_access_denied_cmd = denied.command;
  f.acl_access_denied_channel = denied.channel;
  f.pubsub_channels = node.directory.count(pubsub::Kind::Channel);
  f.pubsub_patterns = node.directory.count(pubsub::Kind::Pattern);
  f.pubsubshard_channels = node.directory.count(pubsub::Kind::ShardChannel);
  f.used_memory_rss = resident_memory_bytes();
  f.shards.reserve(node.shards.size());
  for (const auto& shard : node.shards) f.shards.push_back(stats::read(shard->counters()));
  if (node.cluster != nullptr) f.cluster = node.cluster->figures();
  return f;
}

}  // namespace ringcast
