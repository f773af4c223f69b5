// Prometheus exposition: escaping, family layout, and the daemon's figures
// rendered with the names dashboards will query.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "stats/snapshot.h"
#include "core/json_text.h"
#include "stats/prometheus_writer.h"

namespace ringcast::stats {
namespace {

TEST(Prometheus, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");
  PrometheusWriter w;
  w.family("x_total", "counter", "Help with \\ and\nnewline.");
  w.sample("x_total", {{"path", "/a\"b\\"}, {"code", "200"}}, uint64_t(3));
  w.sample("x_total", uint64_t(18446744073709551615ull));
  EXPECT_EQ(w.text(),
            "# HELP x_total Help with \\\\ and\\nnewline.\n"
            "# TYPE x_total counter\n"
            "x_total{path=\"/a\\\"b\\\\\",code=\"200\"} 3\n"
            "x_total 18446744073709551615\n");
}

TEST(Prometheus, FloatValues) {
  PrometheusWriter w;
  w.sample("a", {}, 0.25);
  w.sample("b", {}, std::numeric_limits<double>::infinity());
  w.sample("c", {}, -std::numeric_limits<double>::infinity());
  w.sample("d", {}, std::nan(""));
  w.sample("e", {}, 1.5e-7);
  EXPECT_EQ(w.text(), "a 0.25\nb +Inf\nc -Inf\nd NaN\ne 1.5e-07\n");
}

TEST(Prometheus, MetricNames) {
  EXPECT_TRUE(valid_metric_name("ringcast_shard_loop_iterations_total"));
  EXPECT_TRUE(valid_metric_name("a:b_c9"));
  EXPECT_FALSE(valid_metric_name("9abc"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_FALSE(valid_metric_name(""));
}

Snapshot sample_figures() {
  Snapshot f;
  f.version = "0.1.0";
  f.redis_version = "7.0.15";
  f.os = "Linux 6.1.0 x86_64";
  f.process_id = 42;
  f.tcp_port = 6379;
  f.uptime_seconds = 90000;
  f.started_unix = 1700000000;
  f.connected_clients = 5;
  f.maxclients = 10000;
  f.connections_received = 9;
  f.rejected_connections = 1;
  f.pubsub_channels = 3;
  f.pubsub_patterns = 2;
  f.pubsubshard_channels = 1;
  f.used_memory_rss = 4096 * 1024;
  f.acl_access_denied_auth = 6;
  f.acl_access_denied_cmd = 7;
  f.acl_access_denied_channel = 8;
  f.shards.resize(2);
  f.shards[0].connections = 2;
  f.shards[0].publishes = 10;
  f.shards[0].deliveries = 100;
  f.shards[0].net_output_bytes = 1000;
  f.shards[0].client_output_buffer_limit_disconnections = 1;
  f.shards[0].loop_iterations = 7;
  f.shards[1].connections = 3;
  f.shards[1].publishes = 5;
  f.shards[1].deliveries = 50;
  f.shards[1].net_output_bytes = 500;
  f.shards[1].protocol_errors = 4;
  f.shards[1].output_bytes = 123;
  return f;
}

// Every line is a comment or `name{labels} value`, and each family's HELP
// and TYPE come once, before its samples.
void expect_well_formed(const std::string& text) {
  static const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\})? ([-+]?[0-9.e+-]+|\+Inf|-Inf|NaN)$)");
  std::istringstream in(text);
  std::string line, family;
  std::set<std::string> seen;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      family = line.substr(7, line.find(' ', 7) - 7);
      EXPECT_TRUE(seen.insert(family).second) << "family twice: " << family;
      continue;
    }
    if (line.rfind("# TYPE ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    EXPECT_EQ(line.rfind(family, 0), 0u) << line << " outside its family " << family;
  }
}

TEST(Snapshot, PrometheusNamesAndValues) {
  const std::string text = render_prometheus(sample_figures());
  expect_well_formed(text);
  for (const char* line : {
           "ringcast_build_info{version=\"0.1.0\",redis_version=\"7.0.15\"} 1\n",
           "ringcast_connections 5\n",
           "ringcast_connections_received_total 9\n",
           "ringcast_rejected_connections_total 1\n",
           "ringcast_publishes_total 15\n",
           "ringcast_deliveries_total 150\n",
           "ringcast_net_output_bytes_total 1500\n",
           "ringcast_output_buffer_bytes 123\n",
           "ringcast_disconnects_total{reason=\"output_limit\"} 1\n",
           "ringcast_disconnects_total{reason=\"query_limit\"} 0\n",
           "ringcast_disconnects_total{reason=\"protocol_error\"} 4\n",
           "ringcast_resident_memory_bytes 4194304\n",
           "ringcast_subscriptions{kind=\"channel\"} 3\n",
           "ringcast_subscriptions{kind=\"pattern\"} 2\n",
           "ringcast_subscriptions{kind=\"shard_channel\"} 1\n",
           "ringcast_acl_access_denied_total{reason=\"auth\"} 6\n",
           "ringcast_acl_access_denied_total{reason=\"cmd\"} 7\n",
           "ringcast_acl_access_denied_total{reason=\"channel\"} 8\n",
           "ringcast_shard_publishes_total{shard=\"0\"} 10\n",
           "ringcast_shard_publishes_total{shard=\"1\"} 5\n",
           "ringcast_shard_loop_iterations_total{shard=\"0\"} 7\n",
           "ringcast_shard_disconnects_total{shard=\"1\",reason=\"protocol_error\"} 4\n",
           "# TYPE ringcast_deliveries_total counter\n",
           "# TYPE ringcast_connections gauge\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line;
  // Every counter is shown, zero included.
  for (const char* line : {
           "ringcast_dropped_messages_total 0\n",
           "ringcast_disconnects_total{reason=\"output_memory\"} 0\n",
           "ringcast_disconnects_total{reason=\"idle_timeout\"} 0\n",
           "ringcast_shard_disconnects_total{shard=\"0\",reason=\"output_memory\"} 0\n",
           "ringcast_shard_disconnects_total{shard=\"1\",reason=\"idle_timeout\"} 0\n",
           "ringcast_shard_loop_busy_seconds_total{shard=\"0\"} 0\n",
           "ringcast_shard_loop_busy_seconds_total{shard=\"1\"} 0\n",
           "ringcast_shard_dropped_messages_total{shard=\"0\"} 0\n",
           "ringcast_shard_dropped_messages_total{shard=\"1\"} 0\n",
           "# TYPE ringcast_shard_loop_busy_seconds_total counter\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << line;
}

TEST(Snapshot, TheIoBackendIsAnInfoGaugeLikeInfosMultiplexingApi) {
  Snapshot f = sample_figures();
  EXPECT_NE(render_prometheus(f).find("ringcast_io_backend_info{backend=\"io_uring\"} 1\n"), std::string::npos);
  f.multiplexing_api = "epoll";
  const std::string text = render_prometheus(f);
  EXPECT_NE(text.find("# TYPE ringcast_io_backend_info gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ringcast_io_backend_info{backend=\"epoll\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(render_info(f, {"server"}).find("multiplexing_api:epoll\r\n"), std::string::npos);
  EXPECT_NE(render_stats_json(f).find("\"multiplexing_api\":\"epoll\""), std::string::npos);
}

TEST(Snapshot, ShardCountersSummedAndRendered) {
  Snapshot f = sample_figures();
  f.shards[0].loop_busy_us = 1500000;
  f.shards[1].loop_busy_us = 250000;
  f.shards[0].writes = 40;
  f.shards[1].coalescing_window_us = 250;
  f.shards[0].dropped_messages = 3;
  f.shards[1].dropped_messages = 4;
  f.shards[0].idle_timeout_disconnections = 2;
  f.shards[1].idle_timeout_disconnections = 0;
  f.shards[0].output_memory_limit_disconnections = 1;
  f.shards[1].output_memory_limit_disconnections = 5;
  const std::string text = render_prometheus(f);
  expect_well_formed(text);
  EXPECT_NE(text.find("ringcast_shard_loop_busy_seconds_total{shard=\"0\"} 1.5\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_loop_busy_seconds_total{shard=\"1\"} 0.25\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_writes_total{shard=\"0\"} 40\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_coalescing_window_seconds{shard=\"1\"} 0.00025\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_coalescing_window_seconds{shard=\"0\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_dropped_messages_total 7\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_disconnects_total{reason=\"idle_timeout\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_disconnects_total{reason=\"output_memory\"} 6\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_disconnects_total{shard=\"1\",reason=\"output_memory\"} 5\n"),
            std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_disconnects_total{shard=\"0\",reason=\"idle_timeout\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_disconnects_total{shard=\"1\",reason=\"idle_timeout\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_dropped_messages_total{shard=\"0\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("ringcast_shard_dropped_messages_total{shard=\"1\"} 4\n"), std::string::npos);

  const ShardSnapshot t = f.totals();
  EXPECT_EQ(t.loop_busy_us, 1750000u);
  EXPECT_EQ(t.dropped_messages, 7u);
  EXPECT_EQ(t.idle_timeout_disconnections, 2u);
  EXPECT_EQ(t.output_memory_limit_disconnections, 6u);

  // /stats: INFO's names for the totals, and the per-shard figures.
  const std::string json = render_stats_json(f);
  for (const char* part : {"\"output_memory_limit_disconnections\":6,", "\"idle_timeout_disconnections\":2,",
                           "\"dropped_messages\":7,", "\"loop_busy_us\":1500000,\"writes\":40,\"coalescing_window_us\":0,\"coalescing_max_wait_us\":0,\"dropped_messages\":3}",
                           "\"loop_busy_us\":250000,\"writes\":0,\"coalescing_window_us\":250,\"coalescing_max_wait_us\":0,\"dropped_messages\":4}"})
    EXPECT_NE(json.find(part), std::string::npos) << part << "\n" << json;
  for (const char* old_name : {"total_dropped_messages", "client_output_memory_disconnections",
                               "client_idle_timeout_disconnections"})
    EXPECT_EQ(json.find(old_name), std::string::npos) << old_name;
}

TEST(Snapshot, StatsJsonUsesInfoNames) {
  const std::string json = render_stats_json(sample_figures());
  // INFO's sections, fields and order (broker/commands/info_command.cpp);
  // the counters the shards have not moved are shown as 0.
  for (const char* part : {
           "{\"server\":{\"redis_version\":\"7.0.15\",\"ringcast_version\":\"0.1.0\",\"redis_mode\":\"standalone\","
           "\"os\":\"Linux 6.1.0 x86_64\",\"arch_bits\":64,\"multiplexing_api\":\"io_uring\",\"process_id\":42,"
           "\"tcp_port\":6379,\"uptime_in_seconds\":90000,\"uptime_in_days\":1,\"shards\":2}",
           "\"clients\":{\"connected_clients\":5,\"maxclients\":10000,\"blocked_clients\":0}",
           "\"memory\":{\"used_memory_rss\":4194304,\"used_memory_rss_human\":\"4.00M\",\"mem_clients_output\":123}",
           "\"stats\":{\"total_connections_received\":9,\"total_commands_processed\":0,\"instantaneous_ops_per_sec\":0,"
           "\"total_net_input_bytes\":0,\"total_net_output_bytes\":1500,\"rejected_connections\":1,"
           "\"pubsub_channels\":3,\"pubsub_patterns\":2,\"pubsubshard_channels\":1,\"total_publishes\":15,"
           "\"total_deliveries\":150,\"client_output_buffer_limit_disconnections\":1,"
           "\"client_query_buffer_limit_disconnections\":0,\"output_memory_limit_disconnections\":0,"
           "\"idle_timeout_disconnections\":0,\"dropped_messages\":0,\"total_protocol_errors\":4,"
           "\"acl_access_denied_auth\":6,\"acl_access_denied_cmd\":7,\"acl_access_denied_key\":0,"
           "\"acl_access_denied_channel\":8}",
           "\"shards\":[{\"connections\":2,\"connections_received\":0,\"commands\":0,\"publishes\":10,"
           "\"deliveries\":100,\"deliveries_per_sec\":0,\"output_bytes\":0,\"loop_iterations\":7,\"loop_busy_us\":0,"
           "\"writes\":0,\"coalescing_window_us\":0,\"coalescing_max_wait_us\":0,\"dropped_messages\":0},",
           "{\"connections\":3,",
       })
    EXPECT_NE(json.find(part), std::string::npos) << part << "\n" << json;
  EXPECT_EQ(json.back(), '}');
}

// A standalone node shows only cluster_enabled:0 and no cluster metrics; a
// node joined through NATS shows the bridge's state and counters in both.
TEST(Snapshot, ClusterSectionOnlyWhenJoined) {
  Snapshot f = sample_figures();
  EXPECT_NE(render_stats_json(f).find(",\"cluster\":{\"cluster_enabled\":0}}"), std::string::npos);
  EXPECT_EQ(render_prometheus(f).find("ringcast_cluster_"), std::string::npos);

  stats::ClusterFigures c;
  c.status = "connected";
  c.server = "nats://127.0.0.1:4222";
  c.subjects = 3;
  c.messages_out = 10;
  c.bytes_out = 640;
  c.messages_in = 7;
  c.bytes_in = 448;
  c.forward_dropped = 1;
  c.forward_failed = 2;
  c.in_dropped = 5;
  c.reconnects = 4;
  c.disconnects = 6;
  c.pending_bytes = 99;
  f.cluster = c;
  const std::string text = render_prometheus(f);
  expect_well_formed(text);
  for (const char* line : {"ringcast_cluster_nats_connected 1\n", "ringcast_cluster_nats_subjects 3\n",
                           "ringcast_cluster_nats_messages_out_total 10\n", "ringcast_cluster_nats_bytes_out_total 640\n",
                           "ringcast_cluster_nats_messages_in_total 7\n", "ringcast_cluster_nats_bytes_in_total 448\n",
                           "ringcast_cluster_nats_forward_dropped_total 1\n",
                           "ringcast_cluster_nats_forward_failed_total 2\n", "ringcast_cluster_nats_in_dropped_total 5\n",
                           "ringcast_cluster_nats_reconnects_total 4\n", "ringcast_cluster_nats_disconnects_total 6\n",
                           "# TYPE ringcast_cluster_nats_reconnects_total counter\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line;
  EXPECT_NE(render_stats_json(f).find(
                ",\"cluster\":{\"cluster_enabled\":1,\"cluster_mode\":\"nats\",\"nats_status\":\"connected\","
                "\"nats_server\":\"nats://127.0.0.1:4222\",\"nats_subjects\":3,\"nats_messages_out\":10,"
                "\"nats_bytes_out\":640,\"nats_messages_in\":7,\"nats_bytes_in\":448,\"nats_forward_dropped\":1,"
                "\"nats_forward_failed\":2,\"nats_in_dropped\":5,\"nats_reconnects\":4,\"nats_disconnects\":6,"
                "\"nats_pending_bytes\":99}}"),
            std::string::npos)
      << render_stats_json(f);
  f.cluster->status = "reconnecting";
  EXPECT_NE(render_prometheus(f).find("ringcast_cluster_nats_connected 0\n"), std::string::npos);
}

TEST(JsonText, EscapesAndRepairsUtf8) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string(std::string("q\"b\\n\n\r\t\b\f\x01\x1f\x7f", 13)), "\"q\\\"b\\\\n\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\"");
  EXPECT_EQ(json_string(std::string("\0", 1)), "\"\\u0000\"");
  EXPECT_EQ(json_string("caf\xc3\xa9 \xf0\x9f\x98\x80"), "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"");
  // Invalid UTF-8: stray continuation, truncated sequence, overlong, surrogate.
  EXPECT_EQ(json_string("a\x80z"), "\"a\\ufffdz\"");
  EXPECT_EQ(json_string("\xe2\x82"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  EXPECT_EQ(json_string("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
  EXPECT_EQ(json_error("bad \"x\""), "{\"error\":\"bad \\\"x\\\"\"}");
}

}  // namespace
}  // namespace ringcast::stats

namespace ringcast::stats {
namespace {

TEST(Snapshot, HistoryFiguresSummedInInfoAndMetrics) {
  Snapshot f;
  f.shards.resize(2);
  f.shards[0].history_channels = 2;
  f.shards[1].history_channels = 1;
  f.shards[0].history_messages = 10;
  f.shards[1].history_messages = 5;
  f.shards[0].history_bytes = 1000;
  f.shards[1].history_bytes = 24;
  f.shards[1].history_evictions = 7;
  f.shards[0].resumes_recovered = 3;
  f.shards[1].resumes_not_recovered = 1;
  EXPECT_EQ(render_info(f, {"history"}),
            "# History\r\nhistory_channels:3\r\nhistory_messages:15\r\nhistory_bytes:1024\r\nhistory_evictions:7\r\n"
            "resumes_recovered:3\r\nresumes_not_recovered:1\r\n");
  EXPECT_NE(render_info(f, {}).find("# History\r\n"), std::string::npos);
  const std::string text = render_prometheus(f);
  for (const char* line : {"ringcast_history_channels 3\n", "ringcast_history_messages 15\n",
                           "ringcast_history_bytes 1024\n", "ringcast_history_evictions_total 7\n",
                           "ringcast_resumes_total{recovered=\"yes\"} 3\n", "ringcast_resumes_total{recovered=\"no\"} 1\n"})
    EXPECT_NE(text.find(line), std::string::npos) << line;
  EXPECT_NE(render_stats_json(f).find("\"history\":{\"history_channels\":3,\"history_messages\":15,"),
            std::string::npos);
}

}  // namespace
}  // namespace ringcast::stats
