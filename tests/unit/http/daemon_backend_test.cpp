// The HTTP listener on a real in-process daemon (2 shards, ephemeral
// loopback ports): HTTP publishes reach RESP subscribers byte-for-byte as
// PUBLISH does, and /metrics and /stats move with the traffic.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <simdjson.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "acl/registry.h"
#include "commands/command_table.h"
#include "core/version.h"
#include "server/http_daemon_backend.h"
#include "http/http_server.h"
#include "server/server.h"
#include "test_client.h"

namespace ringcast::http {
namespace {

using testing::make_request;
using testing::Reply;
using testing::TestClient;
using testing::bulk;
using testing::command;
using testing::read_exact;

// One RESP2 bulk string (INFO's reply), or "" on a short read.
std::string read_bulk(int fd) {
  std::string head;
  while (head.size() < 2 || head.compare(head.size() - 2, 2, "\r\n") != 0) {
    const std::string c = read_exact(fd, 1);
    if (c.empty()) return "";
    head += c;
  }
  if (head[0] != '$') return "";
  const size_t n = std::stoul(head.substr(1));
  const std::string body = read_exact(fd, n + 2);
  return body.size() == n + 2 ? body.substr(0, n) : "";
}

// INFO's text as section -> field -> value (section names lower-cased).
// Shard lines ("shardN:k=v,...") become section "shardN" with their k=v pairs.
std::map<std::string, std::map<std::string, std::string>> parse_info(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string section;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find("\r\n", pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 2;
    if (line.empty()) continue;
    if (line[0] == '#') {
      section = line.substr(2);
      for (char& c : section) c = char(std::tolower(static_cast<unsigned char>(c)));
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon), value = line.substr(colon + 1);
    if (section != "shards") {
      out[section][name] = value;
      continue;
    }
    size_t p = 0;
    while (p < value.size()) {
      size_t comma = value.find(',', p);
      if (comma == std::string::npos) comma = value.size();
      const std::string pair = value.substr(p, comma - p);
      const size_t eq = pair.find('=');
      out[name][pair.substr(0, eq)] = eq == std::string::npos ? "" : pair.substr(eq + 1);
      p = comma + 1;
    }
  }
  return out;
}

// A JSON scalar as INFO would print it.
std::string info_text(simdjson::dom::element e) {
  std::string_view sv;
  if (e.get(sv) == simdjson::SUCCESS) return std::string(sv);
  uint64_t n = 0;
  if (e.get(n) == simdjson::SUCCESS) return std::to_string(n);
  return "<not a string or unsigned>";
}

// The value of an unlabelled or labelled sample in Prometheus text, or -1.
double metric(const std::string& text, const std::string& series) {
  const size_t at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 2));
}

class DaemonHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::Config cfg;
    cfg.bind = "127.0.0.1";
    cfg.port = 0;
    cfg.shards = 2;
    cfg.shutdown_timeout_ms = 1000;
    auto users = std::make_shared<const acl::Registry>(acl::Registry::from_config(cfg, commands::acl_catalog()));
    // The real daemon sets up logging in main() before any shard runs; here the shards' first log
    // lines would create spdlog's registry concurrently, through a static-init guard inside the
    // uninstrumented libspdlog that ThreadSanitizer cannot see (a false report). Create it first.
    spdlog::default_logger_raw();
    server_ = std::make_unique<Server>(cfg, users);
    ASSERT_EQ(server_->start(), "");
    backend_ = std::make_unique<DaemonBackend>(*server_, users);
    HttpServerOptions o;
    o.port = 0;
    http_ = std::make_unique<HttpServer>(*backend_, o);
    ASSERT_EQ(http_->start(), "");
  }
  void TearDown() override {
    // The order main must follow: the listener goes before the shards.
    http_->stop();
    server_->request_stop();
    server_->join();
  }

  Reply http(const std::string& raw) {
    TestClient c(http_->port());
    c.send_raw(raw);
    return c.read_reply();
  }
  std::string scrape() { return http(make_request("GET", "/metrics")).body; }

  std::unique_ptr<Server> server_;
  std::unique_ptr<DaemonBackend> backend_;
  std::unique_ptr<HttpServer> http_;
};

TEST_F(DaemonHttpTest, HttpPublishLooksLikePublishToSubscribers) {
  TestClient sub(server_->port());
  ASSERT_TRUE(sub.connected());
  sub.send_raw(command({"SUBSCRIBE", "news"}));
  const std::string confirm = "*3\r\n" + bulk("subscribe") + bulk("news") + ":1\r\n";
  ASSERT_EQ(read_exact(sub.fd(), confirm.size()), confirm);

  Reply r = http(make_request("POST", "/publish", R"({"channel":"news","message":"via\u0000http"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"receivers\":1}\n");
  const std::string payload("via\0http", 8);
  const std::string frame = "*3\r\n" + bulk("message") + bulk("news") + bulk(payload);
  EXPECT_EQ(read_exact(sub.fd(), frame.size()), frame);

  // The same message published over RESP arrives as the very same bytes.
  TestClient pub(server_->port());
  pub.send_raw(command({"PUBLISH", "news", payload}));
  EXPECT_EQ(read_exact(pub.fd(), 4), ":1\r\n");
  EXPECT_EQ(read_exact(sub.fd(), frame.size()), frame);

  // Pattern subscribers count and receive too; no subscriber means 0.
  TestClient psub(server_->port());
  psub.send_raw(command({"PSUBSCRIBE", "n*"}));
  const std::string pconfirm = "*3\r\n" + bulk("psubscribe") + bulk("n*") + ":1\r\n";
  ASSERT_EQ(read_exact(psub.fd(), pconfirm.size()), pconfirm);
  r = http(make_request("POST", "/publish",
                        R"([{"channel":"news","message":"a"},{"channel":"none","message":"b"},{"channel":"x","message":"c"}])"));
  EXPECT_EQ(r.body, "[{\"receivers\":2},{\"receivers\":1},{\"receivers\":0}]\n");
  const std::string pframe = "*4\r\n" + bulk("pmessage") + bulk("n*") + bulk("news") + bulk("a");
  EXPECT_EQ(read_exact(psub.fd(), pframe.size()), pframe);
  const std::string pframe2 = "*4\r\n" + bulk("pmessage") + bulk("n*") + bulk("none") + bulk("b");
  EXPECT_EQ(read_exact(psub.fd(), pframe2.size()), pframe2);
}

TEST_F(DaemonHttpTest, ArrayKeepsPublishOrder) {
  TestClient sub(server_->port());
  sub.send_raw(command({"SUBSCRIBE", "seq"}));
  const std::string confirm = "*3\r\n" + bulk("subscribe") + bulk("seq") + ":1\r\n";
  ASSERT_EQ(read_exact(sub.fd(), confirm.size()), confirm);
  std::string body = "[", expected;
  for (int i = 0; i < 200; ++i) {
    body += (i ? "," : "") + std::string(R"({"channel":"seq","message":")") + std::to_string(i) + "\"}";
    expected += "*3\r\n" + bulk("message") + bulk("seq") + bulk(std::to_string(i));
  }
  body += "]";
  // Two requests back to back: order holds across requests as well.
  ASSERT_EQ(http(make_request("POST", "/publish", body)).status, 200);
  ASSERT_EQ(http(make_request("POST", "/publish", body)).status, 200);
  EXPECT_EQ(read_exact(sub.fd(), 2 * expected.size()), expected + expected);
}

TEST_F(DaemonHttpTest, MetricsAndStatsMoveWithTraffic) {
  const std::string before = scrape();
  EXPECT_NE(before.find("ringcast_build_info{version=\"" + std::string(kVersion) + "\""), std::string::npos);
  EXPECT_EQ(metric(before, "ringcast_connections"), 0);
  EXPECT_EQ(metric(before, "ringcast_publishes_total"), 0);
  EXPECT_EQ(metric(before, "ringcast_shards"), 2);
  EXPECT_GE(metric(before, "ringcast_shard_loop_iterations_total{shard=\"1\"}"), 0);

  TestClient sub(server_->port());
  sub.send_raw(command({"SUBSCRIBE", "m1"}));
  const std::string confirm = "*3\r\n" + bulk("subscribe") + bulk("m1") + ":1\r\n";
  ASSERT_EQ(read_exact(sub.fd(), confirm.size()), confirm);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(http(make_request("POST", "/publish", R"({"channel":"m1","message":"0123456789"})")).status, 200);
  const std::string frame = "*3\r\n" + bulk("message") + bulk("m1") + bulk("0123456789");
  ASSERT_EQ(read_exact(sub.fd(), 3 * frame.size()), frame + frame + frame);

  const std::string after = scrape();
  EXPECT_EQ(metric(after, "ringcast_connections"), 1);
  EXPECT_EQ(metric(after, "ringcast_connections_received_total"), 1);
  EXPECT_EQ(metric(after, "ringcast_publishes_total"), 3);
  EXPECT_EQ(metric(after, "ringcast_deliveries_total"), 3);
  EXPECT_EQ(metric(after, "ringcast_subscriptions{kind=\"channel\"}"), 1);
  EXPECT_EQ(metric(after, "ringcast_subscriptions{kind=\"pattern\"}"), 0);
  EXPECT_GE(metric(after, "ringcast_commands_total"), 1);
  // Bytes out are counted when the shard sees its write complete, which may
  // come after the reader has the bytes (seen under ThreadSanitizer): wait
  // for the count, boundedly.
  const double sent = double(confirm.size() + 3 * frame.size());
  double out_bytes = metric(after, "ringcast_net_output_bytes_total");
  for (int i = 0; i < 500 && out_bytes < sent; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    out_bytes = metric(scrape(), "ringcast_net_output_bytes_total");
  }
  EXPECT_GE(out_bytes, sent);
  EXPECT_GT(metric(after, "ringcast_net_input_bytes_total"), 0);
  EXPECT_EQ(metric(after, "ringcast_disconnects_total{reason=\"protocol_error\"}"), 0);
  EXPECT_GT(metric(after, "ringcast_resident_memory_bytes"), 0);
  // Counters the shards keep beyond the basic set are found and shown.
  EXPECT_EQ(metric(after, "ringcast_dropped_messages_total"), 0);
  EXPECT_EQ(metric(after, "ringcast_disconnects_total{reason=\"idle_timeout\"}"), 0);
  EXPECT_EQ(metric(after, "ringcast_disconnects_total{reason=\"output_memory\"}"), 0);
  EXPECT_EQ(metric(after, "ringcast_shard_connections{shard=\"0\"}") +
                metric(after, "ringcast_shard_connections{shard=\"1\"}"),
            1);
  EXPECT_EQ(metric(after, "ringcast_http_requests_total{endpoint=\"/publish\",code=\"200\"}"), 3);

  // A protocol error shows up under its reason.
  {
    TestClient bad(server_->port());
    bad.send_raw("*1\r\n$x\r\n");
    bad.closed_by_peer();
  }
  const std::string later = scrape();
  EXPECT_EQ(metric(later, "ringcast_disconnects_total{reason=\"protocol_error\"}"), 1);
  EXPECT_EQ(metric(later, "ringcast_connections_received_total"), 2);

  const Reply stats = http(make_request("GET", "/stats"));
  ASSERT_EQ(stats.status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(stats.body).get(doc), simdjson::SUCCESS) << stats.body;
  uint64_t n = 0;
  ASSERT_EQ(doc["stats"]["total_publishes"].get(n), simdjson::SUCCESS);
  EXPECT_EQ(n, 3u);
  ASSERT_EQ(doc["stats"]["pubsub_channels"].get(n), simdjson::SUCCESS);
  EXPECT_EQ(n, 1u);
  ASSERT_EQ(doc["server"]["tcp_port"].get(n), simdjson::SUCCESS);
  EXPECT_EQ(n, server_->port());
  for (const char* name : {"output_memory_limit_disconnections", "idle_timeout_disconnections", "dropped_messages"}) {
    ASSERT_EQ(doc["stats"][name].get(n), simdjson::SUCCESS) << name << "\n" << stats.body;
    EXPECT_EQ(n, 0u) << name;
  }
  simdjson::dom::array shards;
  ASSERT_EQ(doc["shards"].get(shards), simdjson::SUCCESS);
  EXPECT_EQ(shards.size(), 2u);
  for (simdjson::dom::element shard : shards) {
    ASSERT_EQ(shard["loop_busy_us"].get(n), simdjson::SUCCESS);
    ASSERT_EQ(shard["dropped_messages"].get(n), simdjson::SUCCESS);
    EXPECT_EQ(n, 0u);
  }
  EXPECT_GE(metric(later, "ringcast_shard_loop_busy_seconds_total{shard=\"0\"}"), 0);
  EXPECT_EQ(metric(later, "ringcast_shard_dropped_messages_total{shard=\"1\"}"), 0);
}

// /stats has every field INFO has, under the same section and name, with the
// same value where the figure cannot move between the two reads.
TEST_F(DaemonHttpTest, StatsHasInfosFields) {
  TestClient c(server_->port());
  ASSERT_TRUE(c.connected());
  c.send_raw(command({"SUBSCRIBE", "x"}));
  const std::string confirm = "*3\r\n" + bulk("subscribe") + bulk("x") + ":1\r\n";
  ASSERT_EQ(read_exact(c.fd(), confirm.size()), confirm);
  TestClient info_client(server_->port());
  info_client.send_raw(command({"INFO"}));
  const std::string info = read_bulk(info_client.fd());
  ASSERT_FALSE(info.empty());
  const Reply stats = http(make_request("GET", "/stats"));
  ASSERT_EQ(stats.status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(stats.body).get(doc), simdjson::SUCCESS) << stats.body;

  // Figures that count the INFO request itself, or time and memory.
  static const std::set<std::string> kMoving = {
      "uptime_in_seconds", "uptime_in_days", "used_memory_rss", "used_memory_rss_human", "mem_clients_output",
      "total_commands_processed", "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
      "commands", "deliveries_per_sec", "output_bytes", "loop_iterations", "loop_busy_us", "writes",
      "coalescing_window_us", "coalescing_max_wait_us"};
  const auto sections = parse_info(info);
  for (const char* want : {"server", "clients", "memory", "stats", "shard0", "shard1"})
    EXPECT_TRUE(sections.count(want)) << want << "\n" << info;
  size_t fields = 0;
  for (const auto& [section, values] : sections) {
    simdjson::dom::element where;
    if (section.rfind("shard", 0) == 0) {  // shardN
      ASSERT_EQ(doc["shards"].at(std::stoul(section.substr(5))).get(where), simdjson::SUCCESS) << section;
    } else {
      ASSERT_EQ(doc[section].get(where), simdjson::SUCCESS) << "/stats lacks section " << section;
    }
    for (const auto& [name, value] : values) {
      ++fields;
      simdjson::dom::element e;
      ASSERT_EQ(where[name].get(e), simdjson::SUCCESS) << "/stats lacks " << section << "." << name;
      if (!kMoving.count(name)) {
        EXPECT_EQ(info_text(e), value) << section << "." << name;
      }
    }
  }
  EXPECT_GE(fields, 40u);
}

// maxclients as it is now, after a reload, not as the daemon started.
TEST_F(DaemonHttpTest, MaxclientsFollowsReload) {
  config::Config cfg = server_->config();
  cfg.maxclients = 1234;
  server_->reload(cfg, server_->acl());
  EXPECT_EQ(metric(scrape(), "ringcast_maxclients"), 1234);
  const Reply stats = http(make_request("GET", "/stats"));
  ASSERT_EQ(stats.status, 200);
  EXPECT_NE(stats.body.find("\"maxclients\":1234,"), std::string::npos) << stats.body;
}

TEST_F(DaemonHttpTest, HealthzFollowsShutdown) {
  EXPECT_EQ(http(make_request("GET", "/healthz")).status, 200);
  server_->request_stop();
  EXPECT_EQ(http(make_request("GET", "/healthz")).status, 503);
  EXPECT_EQ(http(make_request("POST", "/publish", R"({"channel":"a","message":"b"})")).status, 503);
}

}  // namespace
}  // namespace ringcast::http
