// The HTTP listener against hostile or careless clients: request size
// limits, connections in total and per address, deadlines that trickled
// bytes do not push back, and long pipelines answered in order.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_server_fixture.h"

namespace ringcast::http {
namespace {

using testing::FakeBackend;
using testing::HttpServerTest;
using testing::lower;
using testing::make_request;
using testing::Reply;
using testing::TestClient;

TEST_F(HttpServerTest, ManyPipelinedRequestsAreAnsweredInOrder) {
  // Each reply says which request it answers: a publish's receivers are the
  // length of its channel name, and every fifth request is a 404.
  constexpr int kRequests = 500;
  std::string batch;
  for (int i = 0; i < kRequests; ++i) {
    if (i % 5 == 4) {
      batch += make_request("GET", "/nope-" + std::to_string(i));
    } else {
      const std::string channel(size_t(i % 40 + 1), 'c');
      batch += make_request("POST", "/publish", R"({"channel":")" + channel + R"(","message":"m"})");
    }
  }
  TestClient c(server_->port());
  ASSERT_TRUE(c.send_raw(batch));  // all in as few writes as the socket takes
  for (int i = 0; i < kRequests; ++i) {
    const Reply r = c.read_reply();
    if (i % 5 == 4) {
      ASSERT_EQ(r.status, 404) << "request " << i;
    } else {
      ASSERT_EQ(r.status, 200) << "request " << i;
      ASSERT_EQ(r.body, "{\"receivers\":" + std::to_string(i % 40 + 1) + "}\n") << "request " << i;
    }
  }
  EXPECT_EQ(backend_.taken().size(), size_t(kRequests - kRequests / 5));
}

TEST_F(HttpServerTest, BodyOverTheLimitGets413AndTheConnectionCloses) {
  server_.reset();
  HttpServerOptions o;
  o.max_body_bytes = 1000;
  start(o);
  // Announced too large: answered before the body is sent.
  TestClient c(server_->port());
  c.send_raw("POST /publish HTTP/1.1\r\nContent-Length: 1001\r\n\r\n");
  Reply r = c.read_reply();
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("\"error\":\"request body is larger than the limit of 1000 bytes\""), std::string::npos);
  EXPECT_EQ(lower(r.header("connection")), "close");
  EXPECT_TRUE(c.closed_by_peer());
  // Sent anyway, 1 MiB of it: the reply still arrives, the rest is not read.
  TestClient d(server_->port());
  d.send_raw("POST /publish HTTP/1.1\r\nContent-Length: 1048576\r\n\r\n" + std::string(1 << 20, 'x'));
  EXPECT_EQ(d.read_reply().status, 413);
  EXPECT_TRUE(d.closed_by_peer());
  // At the limit is fine.
  std::string body = R"({"channel":"c","message":")";
  body += std::string(1000 - body.size() - 2, 'm') + "\"}";
  ASSERT_EQ(body.size(), 1000u);
  EXPECT_EQ(roundtrip(make_request("POST", "/publish", body)).status, 200);
  EXPECT_TRUE(backend_.taken().size() == 1u);
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  const Reply r = roundtrip("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(r.status, 431);
  // A header well within the limit is fine.
  EXPECT_EQ(roundtrip("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(8000, 'a') + "\r\n\r\n").status, 200);
}

// Sends `request` one byte every 20ms until the server cuts the connection
// (or 4s pass); returns how long that took, or nothing if it never did.
std::optional<std::chrono::milliseconds> trickle_until_cut(TestClient& c, std::string_view request) {
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; std::chrono::steady_clock::now() - t0 < std::chrono::seconds(4); ++i) {
    const char byte = request[i % request.size()];
    bool cut = ::send(c.fd(), &byte, 1, MSG_NOSIGNAL) != 1;
    pollfd p{c.fd(), POLLIN, 0};
    if (!cut && poll(&p, 1, 20) == 1) {
      char sink[256];
      cut = recv(c.fd(), sink, sizeof sink, 0) <= 0;  // the end of the stream, or a reset
    }
    if (cut)
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  }
  return std::nullopt;
}

TEST_F(HttpServerTest, TricklingClientIsCutByTheTimeout) {
  server_.reset();
  HttpServerOptions o;
  o.timeout_ms = 400;
  start(o);
  // A header that never ends, a byte at a time: every byte is activity, so
  // only a deadline that bytes do not push back can end it.
  TestClient slow(server_->port());
  const auto cut = trickle_until_cut(slow, "GET /healthz HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  ASSERT_TRUE(cut.has_value()) << "still connected after 4s";
  EXPECT_GE(cut->count(), 350);
  EXPECT_LT(cut->count(), 1500);
  // A request that arrives late in its window still gets a whole timeout
  // for its reply, though the daemon is slow...
  backend_.publish_delay_ms = 250;
  TestClient kept(server_->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  kept.send_raw(make_request("POST", "/publish", R"({"channel":"late","message":"m"})"));
  ASSERT_EQ(kept.read_reply().status, 200);
  backend_.publish_delay_ms = 0;
  // ...and the next request gets a whole timeout from the reply, and is cut
  // when it trickles too.
  const auto second = trickle_until_cut(kept, "GET /healthz HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  ASSERT_TRUE(second.has_value());
  EXPECT_GE(second->count(), 350);
  const Reply metrics = roundtrip(make_request("GET", "/metrics"));
  EXPECT_NE(metrics.body.find("ringcast_http_timeouts_total 2\n"), std::string::npos) << metrics.body;
}

TEST_F(HttpServerTest, IdleAndMuteClientsTimeOut) {
  server_.reset();
  HttpServerOptions o;
  o.timeout_ms = 300;
  start(o);
  // Well under libmicrohttpd's own timeout (a whole second past ours).
  constexpr auto kBound = std::chrono::milliseconds(1200);
  // A keep-alive connection idle after its request is closed...
  TestClient idle(server_->port());
  idle.send_raw(make_request("GET", "/healthz"));
  EXPECT_EQ(idle.read_reply().status, 200);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kBound);
  // ...and so is one that never sends a request.
  t0 = std::chrono::steady_clock::now();
  TestClient mute(server_->port());
  EXPECT_TRUE(mute.closed_by_peer());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, kBound);
}

TEST_F(HttpServerTest, ConnectionLimit) {
  server_.reset();
  HttpServerOptions o;
  o.max_connections = 2;
  start(o);
  // Two clients in the middle of a request fill the listener.
  TestClient a(server_->port()), b(server_->port());
  a.send_raw("GET /healthz HTTP/1.1\r\n");
  b.send_raw("GET /healthz HTTP/1.1\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // A third waits in the listen backlog, unanswered...
  TestClient third(server_->port(), 500);
  ASSERT_TRUE(third.connected());
  third.send_raw(make_request("GET", "/healthz"));
  EXPECT_EQ(third.read_reply().status, -1);
  // ...until one of the two leaves.
  a.send_raw("Connection: close\r\n\r\n");
  EXPECT_EQ(a.read_reply().status, 200);
  EXPECT_TRUE(a.closed_by_peer());
  Reply r;
  for (int attempt = 0; attempt < 10 && r.status == -1; ++attempt) r = third.read_reply();
  EXPECT_EQ(r.status, 200);
  b.send_raw("\r\n");
  EXPECT_EQ(b.read_reply().status, 200);
}

TEST_F(HttpServerTest, PerAddressLimitLeavesRoomForOthers) {
  server_.reset();
  HttpServerOptions o;
  o.max_connections_per_ip = 3;
  start(o);
  // One address holds its three connections, each mid-request...
  std::vector<std::unique_ptr<TestClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<TestClient>(server_->port(), 5000, "127.0.0.1"));
    held.back()->send_raw("GET /healthz HTTP/1.1\r\n");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // ...a fourth from it is closed unanswered...
  TestClient fourth(server_->port(), 2000, "127.0.0.1");
  fourth.send_raw(make_request("GET", "/healthz"));
  EXPECT_EQ(fourth.read_reply().status, -1);
  EXPECT_TRUE(fourth.closed_by_peer());
  // ...while /healthz answers another address.
  TestClient other(server_->port(), 2000, "127.0.0.2");
  ASSERT_TRUE(other.connected());
  other.send_raw(make_request("GET", "/healthz"));
  EXPECT_EQ(other.read_reply().status, 200);
  // One of the three leaves: the address may connect again.
  held[0]->send_raw("Connection: close\r\n\r\n");
  EXPECT_EQ(held[0]->read_reply().status, 200);
  EXPECT_TRUE(held[0]->closed_by_peer());
  TestClient again(server_->port(), 2000, "127.0.0.1");
  again.send_raw(make_request("GET", "/healthz"));
  EXPECT_EQ(again.read_reply().status, 200);
}

}  // namespace
}  // namespace ringcast::http
