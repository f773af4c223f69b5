// The HTTP listener's test fixture: a fake daemon whose replies are
// predictable, and an HttpServer on an ephemeral 127.0.0.1 port.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/http_server.h"
#include "test_client.h"

namespace ringcast::http::testing {

inline std::string lower(std::string s) {
  for (char& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// Receivers = length of the channel name, so replies are predictable.
class FakeBackend : public HttpBackend {
 public:
  bool publish(std::span<const PublishItem> items, std::vector<int64_t>& receivers) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(publish_delay_ms.load()));
    std::lock_guard lock(mutex);
    if (shutting_down) return false;
    for (const PublishItem& item : items) {
      published.push_back(item);
      receivers.push_back(int64_t(item.channel.size()));
    }
    return true;
  }
  std::string stats_json() override { return "{\"stats\":{\"total_publishes\":7}}"; }
  std::string metrics_text() override { return "# HELP fake_up Fake.\n# TYPE fake_up gauge\nfake_up 1\n"; }
  bool accepting() override { return up; }
  bool auth_required() override { return with_auth; }
  // alice may publish to news.* and read stats; bob may do neither.
  bool authenticate(std::string_view user, std::string_view password) override {
    return (user == "alice" && password == "wonder:land") || (user == "bob" && password == "builder");
  }
  bool may_publish(std::string_view user, std::string_view channel) override {
    return user == "default" || (user == "alice" && channel.starts_with("news."));
  }
  bool may_read_stats(std::string_view user) override { return user != "bob"; }

  std::vector<PublishItem> taken() {
    std::lock_guard lock(mutex);
    return published;
  }

  std::mutex mutex;
  std::vector<PublishItem> published;
  std::atomic<bool> shutting_down{false};
  std::atomic<bool> up{true};
  std::atomic<bool> with_auth{false};
  std::atomic<int> publish_delay_ms{0};  // a slow daemon: the listener's one thread waits this long
};

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}) {
    options.bind = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<HttpServer>(backend_, options);
    ASSERT_EQ(server_->start(), "");
    ASSERT_NE(server_->port(), 0);
  }
  void SetUp() override { start(); }
  void TearDown() override { server_.reset(); }

  Reply roundtrip(const std::string& raw, bool head = false) {
    TestClient c(server_->port());
    EXPECT_TRUE(c.connected());
    c.send_raw(raw);
    return c.read_reply(head);
  }

  FakeBackend backend_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace ringcast::http::testing
