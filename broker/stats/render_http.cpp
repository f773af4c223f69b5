// The snapshot as Prometheus text (/metrics) and as INFO-like JSON (/stats).
#include "stats/snapshot.h"

#include <string_view>

#include <fmt/format.h>

#include "core/json_text.h"
#include "stats/prometheus_writer.h"
#include "stats/human_bytes.h"

namespace ringcast::stats {
namespace {

// Per-shard families: one name with a shard label, never the same name as
// the daemon-wide total, so a sum() over a family never counts twice.
struct ShardFamily {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  uint64_t ShardSnapshot::*field;
};

constexpr ShardFamily kShardFamilies[] = {
    {"ringcast_shard_connections", "gauge", "Client connections open on the shard.", &ShardSnapshot::connections},
    {"ringcast_shard_connections_received_total", "counter", "Connections the shard has adopted since start.",
     &ShardSnapshot::connections_received},
    {"ringcast_shard_commands_total", "counter", "Commands the shard has executed.", &ShardSnapshot::commands_processed},
    {"ringcast_shard_publishes_total", "counter", "PUBLISH/SPUBLISH (and HTTP publishes) routed by the shard.",
     &ShardSnapshot::publishes},
    {"ringcast_shard_deliveries_total", "counter", "Messages the shard queued to its local subscribers.",
     &ShardSnapshot::deliveries},
    {"ringcast_shard_net_output_bytes_total", "counter", "Bytes the shard wrote to client sockets.",
     &ShardSnapshot::net_output_bytes},
    {"ringcast_shard_net_input_bytes_total", "counter", "Bytes the shard read from client sockets.",
     &ShardSnapshot::net_input_bytes},
    {"ringcast_shard_output_buffer_bytes", "gauge", "Output queued to the shard's clients, sampled every 100 ms.",
     &ShardSnapshot::output_bytes},
    {"ringcast_shard_loop_iterations_total", "counter", "Iterations of the shard's event loop.",
     &ShardSnapshot::loop_iterations},
    {"ringcast_shard_writes_total", "counter",
     "writev calls the shard made to client sockets (deliveries / writes: messages per send).",
     &ShardSnapshot::writes},
};

void append_field(std::string& out, std::string_view name, uint64_t value, bool& first) {
  if (!first) out += ',';
  first = false;
  fmt::format_to(std::back_inserter(out), "\"{}\":{}", name, value);
}

void append_field(std::string& out, std::string_view name, std::string_view value, bool& first) {
  if (!first) out += ',';
  first = false;
  fmt::format_to(std::back_inserter(out), "\"{}\":", name);
  append_json_string(out, value);
}

void render_cluster(PrometheusWriter& w, const ClusterFigures& c) {
  w.family("ringcast_cluster_nats_connected", "gauge", "1 while the node is connected to a NATS server.");
  w.sample("ringcast_cluster_nats_connected", uint64_t(c.status == "connected" ? 1 : 0));
  w.family("ringcast_cluster_nats_subjects", "gauge", "NATS subscriptions held for local subscribers.");
  w.sample("ringcast_cluster_nats_subjects", c.subjects);
  const std::pair<const char*, const char*> help[] = {
      {"messages_out", "Local publishes passed to NATS."},
      {"bytes_out", "Payload bytes of the publishes passed to NATS."},
      {"messages_in", "Messages received from NATS."},
      {"bytes_in", "Payload bytes of the messages received from NATS."},
      {"forward_dropped", "Publishes not passed to NATS because the bridge queue was full."},
      {"forward_failed", "Publishes NATS refused (reconnect buffer full, too large, name too long)."},
      {"in_dropped", "Incoming messages libnats dropped because delivery fell behind."},
      {"reconnects", "Reconnections to NATS."},
      {"disconnects", "Losses of the NATS connection."},
  };
  const uint64_t values[] = {c.messages_out,   c.bytes_out,  c.messages_in, c.bytes_in,   c.forward_dropped,
                             c.forward_failed, c.in_dropped, c.reconnects,  c.disconnects};
  for (size_t i = 0; i < std::size(values); ++i) {
    const std::string name = std::string("ringcast_cluster_nats_") + help[i].first + "_total";
    w.family(name, "counter", help[i].second);
    w.sample(name, values[i]);
  }
}

}  // namespace

std::string render_prometheus(const Snapshot& f) {
  const ShardSnapshot t = f.totals();
  PrometheusWriter w;
  w.family("ringcast_build_info", "gauge", "Always 1; the labels say which ringcast this is.");
  w.sample("ringcast_build_info", {{"version", f.version}, {"redis_version", f.redis_version}}, uint64_t(1));
  w.family("ringcast_io_backend_info", "gauge", "Always 1; the label names the shards' I/O backend (INFO multiplexing_api).");
  w.sample("ringcast_io_backend_info", {{"backend", f.multiplexing_api}}, uint64_t(1));
  w.family("ringcast_start_time_seconds", "gauge", "Unix time the daemon started.");
  w.sample("ringcast_start_time_seconds", uint64_t(f.started_unix));
  w.family("ringcast_connections", "gauge", "Client connections open now (INFO connected_clients).");
  w.sample("ringcast_connections", f.connected_clients);
  w.family("ringcast_maxclients", "gauge", "Most client connections allowed at once.");
  w.sample("ringcast_maxclients", f.maxclients);
  w.family("ringcast_connections_received_total", "counter", "Connections accepted since start, refused ones included.");
  w.sample("ringcast_connections_received_total", f.connections_received);
  w.family("ringcast_rejected_connections_total", "counter", "Connections refused because maxclients was reached.");
  w.sample("ringcast_rejected_connections_total", f.rejected_connections);
  w.family("ringcast_commands_total", "counter", "Commands executed.");
  w.sample("ringcast_commands_total", t.commands_processed);
  w.family("ringcast_publishes_total", "counter", "Messages published (PUBLISH, SPUBLISH and HTTP POST /publish).");
  w.sample("ringcast_publishes_total", t.publishes);
  w.family("ringcast_deliveries_total", "counter", "Messages queued to subscribers (one per receiving subscription).");
  w.sample("ringcast_deliveries_total", t.deliveries);
  w.family("ringcast_net_output_bytes_total", "counter", "Bytes written to client sockets.");
  w.sample("ringcast_net_output_bytes_total", t.net_output_bytes);
  w.family("ringcast_net_input_bytes_total", "counter", "Bytes read from client sockets.");
  w.sample("ringcast_net_input_bytes_total", t.net_input_bytes);
  w.family("ringcast_output_buffer_bytes", "gauge", "Output queued to clients and not yet written, sampled every 100 ms.");
  w.sample("ringcast_output_buffer_bytes", t.output_bytes);
  w.family("ringcast_resident_memory_bytes", "gauge", "Resident set size of the process.");
  w.sample("ringcast_resident_memory_bytes", f.used_memory_rss);
  w.family("ringcast_disconnects_total", "counter", "Clients the daemon disconnected, by reason.");
  w.sample("ringcast_disconnects_total", {{"reason", "output_limit"}}, t.client_output_buffer_limit_disconnections);
  w.sample("ringcast_disconnects_total", {{"reason", "query_limit"}}, t.client_query_buffer_limit_disconnections);
  w.sample("ringcast_disconnects_total", {{"reason", "protocol_error"}}, t.protocol_errors);
  w.sample("ringcast_disconnects_total", {{"reason", "output_memory"}}, t.output_memory_limit_disconnections);
  w.sample("ringcast_disconnects_total", {{"reason", "idle_timeout"}}, t.idle_timeout_disconnections);
  w.family("ringcast_subscriptions", "gauge", "Channels, patterns and shard channels with at least one subscriber.");
  w.sample("ringcast_subscriptions", {{"kind", "channel"}}, f.pubsub_channels);
  w.sample("ringcast_subscriptions", {{"kind", "pattern"}}, f.pubsub_patterns);
  w.sample("ringcast_subscriptions", {{"kind", "shard_channel"}}, f.pubsubshard_channels);
  w.family("ringcast_dropped_messages_total", "counter", "Messages dropped by the output policy instead of sent.");
  w.sample("ringcast_dropped_messages_total", t.dropped_messages);
  w.family("ringcast_acl_access_denied_total", "counter",
           "Refusals by reason: failed AUTH (RESP or HTTP), a command or a channel the user may not use.");
  w.sample("ringcast_acl_access_denied_total", {{"reason", "auth"}}, f.acl_access_denied_auth);
  w.sample("ringcast_acl_access_denied_total", {{"reason", "cmd"}}, f.acl_access_denied_cmd);
  w.sample("ringcast_acl_access_denied_total", {{"reason", "channel"}}, f.acl_access_denied_channel);

  w.family("ringcast_history_channels", "gauge", "Channels with a history stream (sampled every 100 ms).");
  w.sample("ringcast_history_channels", t.history_channels);
  w.family("ringcast_history_messages", "gauge", "Messages retained by channel history (sampled every 100 ms).");
  w.sample("ringcast_history_messages", t.history_messages);
  w.family("ringcast_history_bytes", "gauge", "Memory held by channel history (sampled every 100 ms).");
  w.sample("ringcast_history_bytes", t.history_bytes);
  w.family("ringcast_history_evictions_total", "counter", "Retained messages dropped by count, age or memory.");
  w.sample("ringcast_history_evictions_total", t.history_evictions);
  w.family("ringcast_resumes_total", "counter", "RESUME commands, by whether they recovered what was missed.");
  w.sample("ringcast_resumes_total", {{"recovered", "yes"}}, t.resumes_recovered);
  w.sample("ringcast_resumes_total", {{"recovered", "no"}}, t.resumes_not_recovered);

  if (f.cluster) render_cluster(w, *f.cluster);

  w.family("ringcast_shards", "gauge", "Reactor threads.");
  w.sample("ringcast_shards", uint64_t(f.shards.size()));
  std::vector<std::string> ids;
  for (size_t i = 0; i < f.shards.size(); ++i) ids.push_back(std::to_string(i));
  for (const ShardFamily& fam : kShardFamilies) {
    w.family(fam.name, fam.type, fam.help);
    for (size_t i = 0; i < f.shards.size(); ++i) w.sample(fam.name, {{"shard", ids[i]}}, f.shards[i].*fam.field);
  }
  w.family("ringcast_shard_disconnects_total", "counter", "Clients the shard disconnected, by reason.");
  for (size_t i = 0; i < f.shards.size(); ++i) {
    const ShardSnapshot& s = f.shards[i];
    w.sample("ringcast_shard_disconnects_total", {{"shard", ids[i]}, {"reason", "output_limit"}},
             s.client_output_buffer_limit_disconnections);
    w.sample("ringcast_shard_disconnects_total", {{"shard", ids[i]}, {"reason", "query_limit"}},
             s.client_query_buffer_limit_disconnections);
    w.sample("ringcast_shard_disconnects_total", {{"shard", ids[i]}, {"reason", "protocol_error"}},
             s.protocol_errors);
    w.sample("ringcast_shard_disconnects_total", {{"shard", ids[i]}, {"reason", "output_memory"}},
             s.output_memory_limit_disconnections);
    w.sample("ringcast_shard_disconnects_total", {{"shard", ids[i]}, {"reason", "idle_timeout"}}, s.idle_timeout_disconnections);
  }
  w.family("ringcast_shard_loop_busy_seconds_total", "counter",
           "Time the shard's loop spent working rather than waiting for events.");
  for (size_t i = 0; i < f.shards.size(); ++i)
    w.sample("ringcast_shard_loop_busy_seconds_total", {{"shard", ids[i]}}, double(f.shards[i].loop_busy_us) / 1e6);
  w.family("ringcast_shard_coalescing_window_seconds", "gauge",
           "How long the shard may now hold delivered messages to write several per send (delivery.max_delay caps it).");
  for (size_t i = 0; i < f.shards.size(); ++i)
    w.sample("ringcast_shard_coalescing_window_seconds", {{"shard", ids[i]}},
             double(f.shards[i].coalescing_window_us) / 1e6);
  w.family("ringcast_shard_coalescing_max_wait_seconds", "gauge",
           "The longest delivered messages waited to be gathered in the last second.");
  for (size_t i = 0; i < f.shards.size(); ++i)
    w.sample("ringcast_shard_coalescing_max_wait_seconds", {{"shard", ids[i]}},
             double(f.shards[i].coalescing_max_wait_us) / 1e6);
  w.family("ringcast_shard_dropped_messages_total", "counter", "Messages the shard dropped by its output policy.");
  for (size_t i = 0; i < f.shards.size(); ++i)
    w.sample("ringcast_shard_dropped_messages_total", {{"shard", ids[i]}}, f.shards[i].dropped_messages);
  return w.take();
}

std::string render_stats_json(const Snapshot& f) {
  const ShardSnapshot t = f.totals();
  std::string out = "{\"server\":{";
  bool first = true;
  append_field(out, "redis_version", f.redis_version, first);
  append_field(out, "ringcast_version", f.version, first);
  append_field(out, "redis_mode", "standalone", first);
  append_field(out, "os", f.os, first);
  append_field(out, "arch_bits", uint64_t(64), first);
  append_field(out, "multiplexing_api", f.multiplexing_api, first);
  append_field(out, "process_id", f.process_id, first);
  append_field(out, "tcp_port", f.tcp_port, first);
  append_field(out, "uptime_in_seconds", f.uptime_seconds, first);
  append_field(out, "uptime_in_days", f.uptime_seconds / 86400, first);
  append_field(out, "shards", uint64_t(f.shards.size()), first);
  out += "},\"clients\":{";
  first = true;
  append_field(out, "connected_clients", f.connected_clients, first);
  append_field(out, "maxclients", f.maxclients, first);
  append_field(out, "blocked_clients", uint64_t(0), first);
  out += "},\"memory\":{";
  first = true;
  append_field(out, "used_memory_rss", f.used_memory_rss, first);
  append_field(out, "used_memory_rss_human", human_bytes(f.used_memory_rss), first);
  append_field(out, "mem_clients_output", t.output_bytes, first);
  out += "},\"stats\":{";
  first = true;
  append_field(out, "total_connections_received", f.connections_received, first);
  append_field(out, "total_commands_processed", t.commands_processed, first);
  append_field(out, "instantaneous_ops_per_sec", t.ops_per_sec, first);
  append_field(out, "total_net_input_bytes", t.net_input_bytes, first);
  append_field(out, "total_net_output_bytes", t.net_output_bytes, first);
  append_field(out, "rejected_connections", f.rejected_connections, first);
  append_field(out, "pubsub_channels", f.pubsub_channels, first);
  append_field(out, "pubsub_patterns", f.pubsub_patterns, first);
  append_field(out, "pubsubshard_channels", f.pubsubshard_channels, first);
  append_field(out, "total_publishes", t.publishes, first);
  append_field(out, "total_deliveries", t.deliveries, first);
  append_field(out, "client_output_buffer_limit_disconnections", t.client_output_buffer_limit_disconnections, first);
  append_field(out, "client_query_buffer_limit_disconnections", t.client_query_buffer_limit_disconnections, first);
  append_field(out, "output_memory_limit_disconnections", t.output_memory_limit_disconnections, first);
  append_field(out, "idle_timeout_disconnections", t.idle_timeout_disconnections, first);
  append_field(out, "dropped_messages", t.dropped_messages, first);
  append_field(out, "total_protocol_errors", t.protocol_errors, first);
  append_field(out, "acl_access_denied_auth", f.acl_access_denied_auth, first);
  append_field(out, "acl_access_denied_cmd", f.acl_access_denied_cmd, first);
  append_field(out, "acl_access_denied_key", uint64_t(0), first);
  append_field(out, "acl_access_denied_channel", f.acl_access_denied_channel, first);
  out += "},\"shards\":[";
  for (size_t i = 0; i < f.shards.size(); ++i) {
    const ShardSnapshot& s = f.shards[i];
    out += i == 0 ? "{" : ",{";
    first = true;
    append_field(out, "connections", s.connections, first);
    append_field(out, "connections_received", s.connections_received, first);
    append_field(out, "commands", s.commands_processed, first);
    append_field(out, "publishes", s.publishes, first);
    append_field(out, "deliveries", s.deliveries, first);
    append_field(out, "deliveries_per_sec", s.deliveries_per_sec, first);
    append_field(out, "output_bytes", s.output_bytes, first);
    append_field(out, "loop_iterations", s.loop_iterations, first);
    append_field(out, "loop_busy_us", s.loop_busy_us, first);
    append_field(out, "writes", s.writes, first);
    append_field(out, "coalescing_window_us", s.coalescing_window_us, first);
    append_field(out, "coalescing_max_wait_us", s.coalescing_max_wait_us, first);
    // Beyond INFO's shard line (the total is INFO's dropped_messages).
    append_field(out, "dropped_messages", s.dropped_messages, first);
    out += '}';
  }
  out += "],\"history\":{";
  first = true;
  append_field(out, "history_channels", t.history_channels, first);
  append_field(out, "history_messages", t.history_messages, first);
  append_field(out, "history_bytes", t.history_bytes, first);
  append_field(out, "history_evictions", t.history_evictions, first);
  append_field(out, "resumes_recovered", t.resumes_recovered, first);
  append_field(out, "resumes_not_recovered", t.resumes_not_recovered, first);
  out += "},\"cluster\":{";
  first = true;
  append_field(out, "cluster_enabled", uint64_t(f.cluster ? 1 : 0), first);
  if (f.cluster)
    for_each_cluster_field(*f.cluster, [&](std::string_view name, const auto& value) {
      append_field(out, name, value, first);
    });
  out += "}}";
  return out;
}

}  // namespace ringcast::stats
