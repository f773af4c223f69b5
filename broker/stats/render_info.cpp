// INFO's text: Redis's sections and field names where they exist, plus a
// section with one line per shard and the cluster bridge's state.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "stats/human_bytes.h"
#include "stats/snapshot.h"

namespace ringcast::stats {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

void server_section(std::string& out, const Snapshot& s) {
  out += fmt::format(
      "# Server\r\nredis_version:{}\r\nringcast_version:{}\r\nredis_mode:standalone\r\nos:{}\r\n"
      "arch_bits:64\r\nmultiplexing_api:{}\r\nprocess_id:{}\r\ntcp_port:{}\r\nuptime_in_seconds:{}\r\n"
      "uptime_in_days:{}\r\nshards:{}\r\n",
      s.redis_version, s.version, s.os, s.multiplexing_api, s.process_id, s.tcp_port, s.uptime_seconds,
      s.uptime_seconds / 86400, s.shards.size());
}

void clients_section(std::string& out, const Snapshot& s) {
  out += fmt::format("# Clients\r\nconnected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:0\r\n",
                     s.connected_clients, s.maxclients);
}

void memory_section(std::string& out, const Snapshot& s, const ShardSnapshot& t) {
  out += fmt::format("# Memory\r\nused_memory_rss:{}\r\nused_memory_rss_human:{}\r\nmem_clients_output:{}\r\n",
                     s.used_memory_rss, human_bytes(s.used_memory_rss), t.output_bytes);
}

void stats_section(std::string& out, const Snapshot& s, const ShardSnapshot& t) {
  out += fmt::format(
      "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\n"
      "total_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\n"
      "pubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\ntotal_publishes:{}\r\n"
      "total_deliveries:{}\r\nclient_output_buffer_limit_disconnections:{}\r\n"
      "client_query_buffer_limit_disconnections:{}\r\noutput_memory_limit_disconnections:{}\r\n"
      "idle_timeout_disconnections:{}\r\ndropped_messages:{}\r\ntotal_protocol_errors:{}\r\n"
      "acl_access_denied_auth:{}\r\nacl_access_denied_cmd:{}\r\nacl_access_denied_key:0\r\n"
      "acl_access_denied_channel:{}\r\n",
      s.connections_received, t.commands_processed, t.ops_per_sec, t.net_input_bytes, t.net_output_bytes,
      s.rejected_connections, s.pubsub_channels, s.pubsub_patterns, s.pubsubshard_channels, t.publishes,
      t.deliveries, t.client_output_buffer_limit_disconnections, t.client_query_buffer_limit_disconnections,
      t.output_memory_limit_disconnections, t.idle_timeout_disconnections, t.dropped_messages, t.protocol_errors,
      s.acl_access_denied_auth, s.acl_access_denied_cmd, s.acl_access_denied_channel);
}

void shards_section(std::string& out, const Snapshot& s) {
  out += "# Shards\r\n";
  for (size_t i = 0; i < s.shards.size(); ++i) {
    const ShardSnapshot& sh = s.shards[i];
    out += fmt::format(
        "shard{}:connections={},connections_received={},commands={},publishes={},deliveries={},"
        "deliveries_per_sec={},output_bytes={},loop_iterations={},loop_busy_us={},writes={},"
        "coalescing_window_us={},coalescing_max_wait_us={}\r\n",
        i, sh.connections, sh.connections_received, sh.commands_processed, sh.publishes, sh.deliveries,
        sh.deliveries_per_sec, sh.output_bytes, sh.loop_iterations, sh.loop_busy_us, sh.writes,
        sh.coalescing_window_us, sh.coalescing_max_wait_us);
  }
}

// Redis has this section too (cluster_enabled:0 when standalone); the rest is
// the NATS bridge's state.
void cluster_section(std::string& out, const Snapshot& s) {
  if (!s.cluster) {
    out += "# Cluster\r\ncluster_enabled:0\r\n";
    return;
  }
  out += "# Cluster\r\ncluster_enabled:1\r\n";
  for_each_cluster_field(*s.cluster, [&](std::string_view name, const auto& value) {
    out += fmt::format("{}:{}\r\n", name, value);
  });
}

// ringcast's own: channel history (README, "History and resume").
void history_section(std::string& out, const ShardSnapshot& t) {
  out += fmt::format(
      "# History\r\nhistory_channels:{}\r\nhistory_messages:{}\r\nhistory_bytes:{}\r\nhistory_evictions:{}\r\n"
      "resumes_recovered:{}\r\nresumes_not_recovered:{}\r\n",
      t.history_channels, t.history_messages, t.history_bytes, t.history_evictions, t.resumes_recovered,
      t.resumes_not_recovered);
}

}  // namespace

std::string render_info(const Snapshot& s, const std::vector<std::string>& sections) {
  static constexpr std::string_view kSections[] = {"server", "clients", "memory", "stats",
                                                    "shards", "cluster", "history"};
  bool wanted[std::size(kSections)] = {};
  if (sections.empty()) {
    for (bool& w : wanted) w = true;
  }
  for (const std::string& arg : sections) {
    const bool everything = iequals(arg, "all") || iequals(arg, "everything") || iequals(arg, "default");
    for (size_t i = 0; i < std::size(kSections); ++i)
      if (everything || iequals(arg, kSections[i])) wanted[i] = true;
  }
  const ShardSnapshot totals = s.totals();
  std::string out;
  auto section = [&](size_t i, auto&& write) {
    if (!wanted[i]) return;
    if (!out.empty()) out += "\r\n";
    write();
  };
  section(0, [&] { server_section(out, s); });
  section(1, [&] { clients_section(out, s); });
  section(2, [&] { memory_section(out, s, totals); });
  section(3, [&] { stats_section(out, s, totals); });
  section(4, [&] { shards_section(out, s); });
  section(5, [&] { cluster_section(out, s); });
  section(6, [&] { history_section(out, totals); });
  return out;
}

}  // namespace ringcast::stats
