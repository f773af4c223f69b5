// INFO: Redis's sections and field names where they exist, plus a section
// with one line per shard. Shard counters are read atomically, so INFO never
// waits on another shard.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "commands/handlers.h"
#include "cluster/nats_bridge.h"
#include "server.h"
#include "shard/shard.h"
#include "human_bytes.h"

namespace ringcast::commands {
namespace {

using pubsub::Kind;

struct Totals {
  uint64_t commands = 0, ops_per_sec = 0, bytes_in = 0, bytes_out = 0, publishes = 0, deliveries = 0,
           output_bytes = 0, output_limit = 0, query_limit = 0, protocol_errors = 0, memory_limit = 0, idle = 0,
           dropped = 0;
};

Totals sum(Server& server) {
  Totals t;
  for (unsigned i = 0; i < server.shard_count(); ++i) {
    const ShardStats& s = server.shard(i).stats();
    t.commands += s.commands.get();
    t.ops_per_sec += s.ops_per_sec.get();
    t.bytes_in += s.bytes_in.get();
    t.bytes_out += s.bytes_out.get();
    t.publishes += s.publishes.get();
    t.deliveries += s.deliveries.get();
    t.output_bytes += s.output_bytes.get();
    t.output_limit += s.output_limit_disconnects.get();
    t.query_limit += s.query_limit_disconnects.get();
    t.protocol_errors += s.protocol_errors.get();
    t.memory_limit += s.output_memory_disconnects.get();
    t.idle += s.idle_disconnects.get();
    t.dropped += s.dropped_messages.get();
  }
  return t;
}

void server_section(std::string& out, Shard& shard) {
  Server& server = shard.server();
  utsname u{};
  uname(&u);
  const int64_t uptime = (shard.now_ms() - server.started_ms()) / 1000;
  out += fmt::format(
      "# Server\r\nredis_version:{}\r\nringcast_version:{}\r\nredis_mode:standalone\r\nos:{} {} {}\r\n"
      "arch_bits:64\r\nmultiplexing_api:io_uring\r\nprocess_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\n"
      "uptime_in_days:{}\r\nshards:{}\r\n",
      kRedisCompatVersion, kVersion, u.sysname, u.release, u.machine, getpid(), server.port(), uptime,
      uptime / 86400, server.shard_count());
}

void clients_section(std::string& out, Shard& shard) {
  Server& server = shard.server();
  out += fmt::format("# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:0\r\n", server.clients(),
                     server.maxclients());
}

void memory_section(std::string& out, const Totals& t) {
  const uint64_t rss = resident_memory_bytes();
  out += fmt::format("# Memory\r\nused_memory_rss:{}\r\nused_memory_rss_human:{}\r\nmem_clients_output:{}\r\n", rss,
                     human_bytes(rss), t.output_bytes);
}

void stats_section(std::string& out, Shard& shard, const Totals& t) {
  Server& server = shard.server();
  const pubsub::Directory& dir = server.directory();
  out += fmt::format(
      "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\n"
      "total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\n"
      "pubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\ntotal_publishes:{}\r\n"
      "total_deliveries:{}\r\nclient_output_buffer_limit_disconnections:{}\r\n"
      "client_query_buffer_limit_disconnections:{}\r\noutput_memory_limit_disconnections:{}\r\n"
      "idle_timeout_disconnections:{}\r\ndropped_messages:{}\r\ntotal_protocol_errors:{}\r\n",
      server.total_connections(), t.commands, t.ops_per_sec, t.bytes_in, t.bytes_out, server.rejected_connections(),
      dir.count(Kind::Channel), dir.count(Kind::Pattern), dir.count(Kind::ShardChannel), t.publishes, t.deliveries,
      t.output_limit, t.query_limit, t.memory_limit, t.idle, t.dropped, t.protocol_errors);
}

void shards_section(std::string& out, Server& server) {
  out += "# Shards\r\n";
  for (unsigned i = 0; i < server.shard_count(); ++i) {
    const ShardStats& s = server.shard(i).stats();
    out += fmt::format(
        "shard{}:connections={},connections_received={},commands={},publishes={},deliveries={},"
        "deliveries_per_sec={},output_bytes={},loop_iterations={},loop_busy_us={}\r\n",
        i, s.connections.get(), s.connections_total.get(), s.commands.get(), s.publishes.get(), s.deliveries.get(),
        s.deliveries_per_sec.get(), s.output_bytes.get(), s.loop_iterations.get(), s.loop_busy_us.get());
  }
}

// Redis has this section too (cluster_enabled:0 when standalone); the rest is
// the NATS bridge's state.
void cluster_section(std::string& out, Server& server) {
  cluster::NatsBridge* bridge = server.cluster();
  if (bridge == nullptr) {
    out += "# Cluster\r\ncluster_enabled:0\r\n";
    return;
  }
  out += "# Cluster\r\ncluster_enabled:1\r\n";
  cluster::for_each_field(bridge->figures(), [&](std::string_view name, const auto& value) {
    out += fmt::format("{}:{}\r\n", name, value);
  });
}

}  // namespace

void info(Request& req) {
  static constexpr std::string_view kSections[] = {"server", "clients", "memory", "stats", "shards", "cluster"};
  bool wanted[std::size(kSections)] = {};
  if (req.args.size() == 1) {
    for (bool& w : wanted) w = true;
  }
  for (size_t i = 1; i < req.args.size(); ++i) {
    const std::string_view arg = req.args[i];
    const bool everything = iequals(arg, "all") || iequals(arg, "everything") || iequals(arg, "default");
    for (size_t s = 0; s < std::size(kSections); ++s)
      if (everything || iequals(arg, kSections[s])) wanted[s] = true;
  }
  Server& server = req.shard.server();
  const Totals totals = sum(server);
  std::string out;
  auto section = [&](size_t s, auto&& write) {
    if (!wanted[s]) return;
    if (!out.empty()) out += "\r\n";
    write();
  };
  section(0, [&] { server_section(out, req.shard); });
  section(1, [&] { clients_section(out, req.shard); });
  section(2, [&] { memory_section(out, totals); });
  section(3, [&] { stats_section(out, req.shard, totals); });
  section(4, [&] { shards_section(out, server); });
  section(5, [&] { cluster_section(out, server); });
  req.reply.verbatim_text(out);
}

}  // namespace ringcast::commands
