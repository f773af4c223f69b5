// The HTTP listener in-process with a fake daemon, on an ephemeral
// 127.0.0.1 port: endpoints, errors, auth, keep-alive, 100-continue, and
// that no input takes the listener down. Limits and timeouts: http_limits_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "http/basic_auth.h"
#include "http_server_fixture.h"

namespace ringcast::http {
namespace {

using testing::FakeBackend;
using testing::HttpServerTest;
using testing::lower;
using testing::make_request;
using testing::Reply;
using testing::TestClient;

TEST_F(HttpServerTest, PublishSingle) {
  const Reply r = roundtrip(make_request("POST", "/publish", R"({"channel":"news","message":"hi\u0000there"})"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, "{\"receivers\":4}\n");
  const auto items = backend_.taken();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].channel, "news");
  EXPECT_EQ(items[0].message, std::string("hi\0there", 8));
}

TEST_F(HttpServerTest, PublishArray) {
  const Reply r = roundtrip(make_request(
      "POST", "/publish", R"([{"channel":"a","message":"1"},{"channel":"bbb","message":"2"},{"channel":"cc","message":"3"}])"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "[{\"receivers\":1},{\"receivers\":3},{\"receivers\":2}]\n");
  const auto items = backend_.taken();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[2].message, "3");
}

TEST_F(HttpServerTest, BadBodiesGet400WithReason) {
  struct Case {
    std::string body, error;
  } cases[] = {
      {"{not json", "malformed JSON"},
      {R"({"message":"x"})", "missing field \\\"channel\\\""},
      {R"({"channel":5,"message":"x"})", "field \\\"channel\\\" must be a string, got a number"},
      {"[]", "empty array"},
      {R"([{"channel":"a","message":"1"},{"channel":"b"}])", "item 1: missing field \\\"message\\\""},
  };
  for (const Case& c : cases) {
    const Reply r = roundtrip(make_request("POST", "/publish", c.body));
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(r.body.rfind("{\"error\":\"", 0), 0u) << r.body;
    EXPECT_NE(r.body.find(c.error), std::string::npos) << r.body;
  }
  EXPECT_TRUE(backend_.taken().empty());
  // An empty body is malformed JSON too.
  EXPECT_EQ(roundtrip(make_request("POST", "/publish")).status, 400);
}

TEST_F(HttpServerTest, NotFoundAndWrongMethod) {
  Reply r = roundtrip(make_request("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("\"error\""), std::string::npos);
  r = roundtrip(make_request("GET", "/publish"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "POST");
  r = roundtrip(make_request("POST", "/metrics", "x"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("allow"), "GET, HEAD");
}

TEST_F(HttpServerTest, HealthzStatsMetrics) {
  Reply r = roundtrip(make_request("GET", "/healthz"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"status\":\"ok\"}\n");
  backend_.up = false;
  EXPECT_EQ(roundtrip(make_request("GET", "/healthz")).status, 503);
  backend_.up = true;
  r = roundtrip(make_request("HEAD", "/healthz"), true);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-length"), "16");

  r = roundtrip(make_request("GET", "/stats"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"stats\":{\"total_publishes\":7}}\n");

  roundtrip(make_request("GET", "/missing"));
  r = roundtrip(make_request("GET", "/metrics?x=1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.body.rfind("# HELP fake_up Fake.\n", 0), 0u);
  EXPECT_NE(r.body.find("ringcast_http_requests_total{endpoint=\"/healthz\",code=\"503\"} 1\n"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("ringcast_http_requests_total{endpoint=\"other\",code=\"404\"} 1\n"), std::string::npos);
  EXPECT_NE(r.body.find("ringcast_http_connections 1\n"), std::string::npos);
}

TEST_F(HttpServerTest, BasicAuthAndChannelPermissions) {
  backend_.with_auth = true;
  const std::string body = R"({"channel":"news.eu","message":"m"})";
  Reply r = roundtrip(make_request("POST", "/publish", body));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.header("www-authenticate"), "Basic realm=\"ringcast\", charset=\"UTF-8\"");
  EXPECT_NE(r.body.find("authentication required"), std::string::npos);

  const std::string wrong = "Authorization: Basic " + base64_encode("alice:nope") + "\r\n";
  r = roundtrip(make_request("POST", "/publish", body, wrong));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("invalid username-password pair"), std::string::npos);
  r = roundtrip(make_request("POST", "/publish", body, "Authorization: Basic %%%\r\n"));
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("malformed Authorization header"), std::string::npos);

  const std::string alice = "Authorization: Basic " + base64_encode("alice:wonder:land") + "\r\n";
  r = roundtrip(make_request("POST", "/publish", body, alice));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"receivers\":7}\n");

  // One forbidden channel refuses the whole batch.
  r = roundtrip(make_request("POST", "/publish",
                             R"([{"channel":"news.us","message":"1"},{"channel":"secret","message":"2"}])", alice));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("item 1: user 'alice' has no permission to publish to channel 'secret'"), std::string::npos)
      << r.body;
  EXPECT_EQ(backend_.taken().size(), 1u);

  const std::string bob = "Authorization: Basic " + base64_encode("bob:builder") + "\r\n";
  r = roundtrip(make_request("GET", "/stats", {}, bob));
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("user 'bob' has no permission to run INFO"), std::string::npos);
  EXPECT_EQ(roundtrip(make_request("GET", "/metrics", {}, bob)).status, 403);
  EXPECT_EQ(roundtrip(make_request("GET", "/metrics", {}, alice)).status, 200);
  EXPECT_EQ(roundtrip(make_request("GET", "/stats")).status, 401);
  EXPECT_EQ(roundtrip(make_request("GET", "/healthz")).status, 200);  // probes need no credentials
}

TEST_F(HttpServerTest, CredentialsAreCheckedEvenWhenNotRequired) {
  // Without required auth a request acts as "default", but credentials that
  // are sent must be right, and then the request acts as that user.
  const std::string body = R"({"channel":"secret","message":"m"})";
  EXPECT_EQ(roundtrip(make_request("POST", "/publish", body)).status, 200);
  const std::string wrong = "Authorization: Basic " + base64_encode("alice:nope") + "\r\n";
  EXPECT_EQ(roundtrip(make_request("POST", "/publish", body, wrong)).status, 401);
  const std::string alice = "Authorization: Basic " + base64_encode("alice:wonder:land") + "\r\n";
  EXPECT_EQ(roundtrip(make_request("POST", "/publish", body, alice)).status, 403);
}

TEST_F(HttpServerTest, ShuttingDownBackendGives503) {
  backend_.shutting_down = true;
  const Reply r = roundtrip(make_request("POST", "/publish", R"({"channel":"a","message":"b"})"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("shutting down"), std::string::npos);
}

TEST_F(HttpServerTest, KeepAliveAndPipelining) {
  TestClient c(server_->port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.send_raw(make_request("POST", "/publish", R"({"channel":"k","message":"v"})")));
    const Reply r = c.read_reply();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(lower(r.header("connection")), "keep-alive");
  }
  // Three requests in one write, three answers in order.
  ASSERT_TRUE(c.send_raw(make_request("GET", "/healthz") + make_request("GET", "/nope") + make_request("GET", "/stats")));
  EXPECT_EQ(c.read_reply().status, 200);
  EXPECT_EQ(c.read_reply().status, 404);
  EXPECT_EQ(c.read_reply().status, 200);
  // Connection: close is honoured.
  ASSERT_TRUE(c.send_raw(make_request("GET", "/healthz", {}, "Connection: close\r\n")));
  const Reply last = c.read_reply();
  EXPECT_EQ(last.status, 200);
  EXPECT_EQ(lower(last.header("connection")), "close");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(backend_.taken().size(), 5u);
}

TEST_F(HttpServerTest, HalfClosedClientStillGetsItsAnswer) {
  TestClient c(server_->port());
  ASSERT_TRUE(c.send_raw("GET /healthz HTTP/1.0\r\n\r\n"));
  shutdown(c.fd(), SHUT_WR);
  EXPECT_EQ(c.read_reply().status, 200);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, ExpectContinue) {
  TestClient c(server_->port());
  const std::string body = R"({"channel":"ab","message":"after continue"})";
  ASSERT_TRUE(c.send_raw("POST /publish HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) +
                         "\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.read_reply().status, 100);
  ASSERT_TRUE(c.send_raw(body));
  const Reply r = c.read_reply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"receivers\":2}\n");
}

TEST_F(HttpServerTest, ChunkedIsRefusedClearly) {
  TestClient c(server_->port());
  c.send_raw("POST /publish HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  const Reply r = c.read_reply();
  EXPECT_EQ(r.status, 411);
  EXPECT_NE(r.body.find("Content-Length"), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, GarbageNeverKillsTheListener) {
  using namespace std::string_literals;
  // What libmicrohttpd waits on (a body for a doubled Content-Length, the
  // rest of a request) is cut by a short timeout instead of the client's.
  server_.reset();
  HttpServerOptions o;
  o.timeout_ms = 300;
  start(o);
  const std::vector<std::string> garbage = {
      "\r\n\r\n\r\n",
      std::string("\0\0\0\0GET / HTTP/1.1\r\n\r\n", 22),
      "*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nb\r\n",
      "GET /healthz HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "POST /publish HTTP/1.1\r\nContent-Length: 8\r\n\r\n\xff\xfe\xfd\xfc\x00\x01\x02\x03"s,
      "GET /\x01 HTTP/1.1\r\n\r\n",
      std::string(100000, '\n'),
  };
  for (const std::string& g : garbage) {
    TestClient c(server_->port(), 2000);
    c.send_raw(g);
    const Reply r = c.read_reply();
    EXPECT_TRUE(r.status == -1 || (r.status >= 400 && r.status < 600)) << r.status;
  }
  std::mt19937 rng(12345);
  for (int i = 0; i < 40; ++i) {
    std::string bytes(size_t(rng() % 3000), '\0');
    for (char& ch : bytes) ch = char(rng());
    if (i % 2 == 0) bytes = "POST /publish HTTP/1.1\r\nContent-Length: " + std::to_string(bytes.size()) + "\r\n\r\n" + bytes;
    TestClient c(server_->port(), 2000);
    c.send_raw(bytes);
    shutdown(c.fd(), SHUT_WR);
    c.closed_by_peer();
  }
  EXPECT_EQ(roundtrip(make_request("GET", "/healthz")).status, 200);
  EXPECT_EQ(roundtrip(make_request("POST", "/publish", R"({"channel":"still","message":"alive"})")).status, 200);
}

TEST_F(HttpServerTest, StopClosesOpenConnections) {
  TestClient c(server_->port());
  c.send_raw(make_request("GET", "/healthz"));
  ASSERT_EQ(c.read_reply().status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServerStart, BadBindAddressIsReported) {
  FakeBackend backend;
  HttpServerOptions o;
  o.bind = "not-an-address";
  HttpServer s(backend, o);
  EXPECT_NE(s.start().find("not an IPv4 or IPv6 address"), std::string::npos);
}

TEST(HttpServerStart, PortInUseIsReported) {
  FakeBackend backend;
  HttpServerOptions o;
  o.port = 0;
  HttpServer first(backend, o);
  ASSERT_EQ(first.start(), "");
  o.port = first.port();
  HttpServer second(backend, o);
  EXPECT_NE(second.start().find("cannot bind HTTP listener to 127.0.0.1:"), std::string::npos);
}

}  // namespace
}  // namespace ringcast::http
