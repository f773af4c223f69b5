// The HTTP API under the daemon's ACL users (acl::Registry from a YAML
// config): Basic credentials as AUTH checks them, POST /publish as the
// user's PUBLISH, /stats and /metrics as its INFO. A refused publish must
// also reach nobody: a status code alone would pass a daemon that answers
// 403 and delivers anyway.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <string>

#include "acl/registry.h"
#include "commands/command_table.h"
#include "config.h"
#include "http/basic_auth.h"
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

std::string auth(std::string_view user, std::string_view password) {
  return "Authorization: Basic " + base64_encode(std::string(user) + ":" + std::string(password)) + "\r\n";
}

class DaemonAclTest : public ::testing::Test {
 protected:
  void start(std::string_view yaml) {
    config::Config cfg = config::load_string(yaml, "acl-test.yaml");
    cfg.bind = "127.0.0.1";
    cfg.port = 0;
    cfg.shards = 1;
    registry_ = std::make_shared<const acl::Registry>(acl::Registry::from_config(cfg, commands::acl_catalog()));
    // The real daemon sets up logging in main() before any shard runs; here the shards' first log
    // lines would create spdlog's registry concurrently, through a static-init guard inside the
    // uninstrumented libspdlog that ThreadSanitizer cannot see (a false report). Create it first.
    spdlog::default_logger_raw();
    server_ = std::make_unique<Server>(cfg, registry_);
    ASSERT_EQ(server_->start(), "");
    backend_ = std::make_unique<DaemonBackend>(*server_, registry_);
    HttpServerOptions o;
    o.port = 0;
    http_ = std::make_unique<HttpServer>(*backend_, o);
    ASSERT_EQ(http_->start(), "");
  }
  void TearDown() override {
    if (http_) http_->stop();
    if (server_) {
      server_->request_stop();
      server_->join();
    }
  }
  int status(const std::string& raw) {
    TestClient c(http_->port());
    c.send_raw(raw);
    return c.read_reply().status;
  }

  std::shared_ptr<const acl::Registry> registry_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<DaemonBackend> backend_;
  std::unique_ptr<HttpServer> http_;
};

TEST_F(DaemonAclTest, UsersAndChannelPermissions) {
  start(R"(
requirepass: "adminpw"
users:
  alice: "on >alice-pw +publish &news.*"
  watcher: "on >w +info resetchannels"
)");
  const std::string news = R"({"channel":"news.eu","message":"m"})";
  EXPECT_EQ(status(make_request("POST", "/publish", news)), 401);
  EXPECT_EQ(status(make_request("POST", "/publish", news, auth("alice", "wrong"))), 401);
  EXPECT_EQ(status(make_request("POST", "/publish", news, auth("nobody", "x"))), 401);
  EXPECT_EQ(status(make_request("POST", "/publish", news, auth("alice", "alice-pw"))), 200);
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"secret","message":"m"})", auth("alice", "alice-pw"))),
            403);
  EXPECT_EQ(status(make_request("GET", "/stats", {}, auth("alice", "alice-pw"))), 403);  // no +info
  EXPECT_EQ(status(make_request("POST", "/publish", news, auth("watcher", "w"))), 403);  // no +publish
  EXPECT_EQ(status(make_request("GET", "/metrics", {}, auth("watcher", "w"))), 200);
  // requirepass is the default user's password, as AUTH default <pw> uses it.
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"any","message":"m"})", auth("default", "adminpw"))),
            200);
  EXPECT_EQ(status(make_request("GET", "/healthz")), 200);
}

TEST_F(DaemonAclTest, RefusedPublishesReachNoSubscriber) {
  start(R"(
requirepass: "adminpw"
users:
  alice: "on >alice-pw +publish &news.*"
  watcher: "on >w +info resetchannels"
)");
  // The default user (requirepass) sees every channel through a pattern.
  TestClient sub(server_->port());
  ASSERT_TRUE(sub.connected());
  sub.send_raw(command({"AUTH", "adminpw"}) + command({"PSUBSCRIBE", "*"}));
  const std::string confirm = "+OK\r\n*3\r\n" + bulk("psubscribe") + bulk("*") + ":1\r\n";
  ASSERT_EQ(read_exact(sub.fd(), confirm.size()), confirm);

  const std::string secret = R"({"channel":"secret","message":"denied-channel"})";
  EXPECT_EQ(status(make_request("POST", "/publish", secret, auth("alice", "alice-pw"))), 403);
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"news.eu","message":"denied-command"})",
                                auth("watcher", "w"))),
            403);
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"news.eu","message":"bad-password"})",
                                auth("alice", "wrong"))),
            401);
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"news.eu","message":"no-credentials"})")), 401);
  // An array with one refused item is refused whole: neither item goes out.
  EXPECT_EQ(status(make_request("POST", "/publish",
                                R"([{"channel":"news.eu","message":"array-ok"},{"channel":"secret","message":"array-no"}])",
                                auth("alice", "alice-pw"))),
            403);
  // The one allowed publish, sent last: the subscriber's first message must be it. A refused
  // publish that was delivered anyway would have been queued before it (one HTTP thread, FIFO).
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"news.eu","message":"allowed"})",
                                auth("alice", "alice-pw"))),
            200);
  const std::string frame = "*4\r\n" + bulk("pmessage") + bulk("*") + bulk("news.eu") + bulk("allowed");
  EXPECT_EQ(read_exact(sub.fd(), frame.size()), frame);
}

TEST_F(DaemonAclTest, ReloadedUsersApplyToLaterRequests) {
  start("users:\n  alice: \"on >old +publish &*\"\n");
  const std::string body = R"({"channel":"c","message":"m"})";
  EXPECT_EQ(status(make_request("POST", "/publish", body, auth("alice", "old"))), 200);
  const config::Config next = config::load_string("users:\n  alice: \"on >new +publish &*\"\n", "reload.yaml");
  backend_->set_acl(std::make_shared<const acl::Registry>(acl::Registry::from_config(next, commands::acl_catalog())));
  EXPECT_EQ(status(make_request("POST", "/publish", body, auth("alice", "old"))), 401);
  EXPECT_EQ(status(make_request("POST", "/publish", body, auth("alice", "new"))), 200);
}

TEST_F(DaemonAclTest, OpenDefaultUserNeedsNoCredentials) {
  start("users:\n  alice: \"on >pw +publish &news.*\"\n");
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"x","message":"m"})")), 200);
  EXPECT_EQ(status(make_request("GET", "/stats")), 200);
  EXPECT_EQ(status(make_request("POST", "/publish", R"({"channel":"x","message":"m"})", auth("alice", "pw"))), 403);
}

}  // namespace
}  // namespace ringcast::http
