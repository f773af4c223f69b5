// POST /publish reaches hiredis subscribers exactly as PUBLISH does: the same
// frame bytes (binary payloads via JSON escapes), pattern subscribers too,
// and the receiver count in the JSON reply. ringcast only (redis has no HTTP).

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "server_process.h"

namespace {

using namespace e2e;

// One HTTP/1.1 request on a fresh connection; returns the whole response.
std::string http_post(int port, const std::string& path, const std::string& body) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv = to_timeval(5s);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(uint16_t(port));
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                                "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                                "\r\n\r\n" + body;
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) == ssize_t(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, size_t(n));
    }
  }
  close(fd);
  return response;
}

std::string element(const redisReply* r, size_t i) { return std::string(r->element[i]->str, r->element[i]->len); }

class HttpPublishToHiredis : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* kind = std::getenv("RINGCAST_TEST_SERVER");
    if (kind != nullptr && std::string(kind) == "redis") GTEST_SKIP() << "ringcast only: redis has no HTTP API";
    http_port_ = free_port();
    char path[] = "/tmp/ringcast-http-hiredis-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    config_path_ = path;
    const std::string yaml = "metrics: {enabled: true, bind: 127.0.0.1, port: " + std::to_string(http_port_) + "}\n";
    ASSERT_EQ(write(fd, yaml.data(), yaml.size()), ssize_t(yaml.size()));
    close(fd);
    const std::string error = server_.start(2, {"--config", config_path_});
    ASSERT_TRUE(error.empty()) << error;
  }
  void TearDown() override {
    if (!config_path_.empty()) unlink(config_path_.c_str());
  }

  ServerProcess server_;
  int http_port_ = 0;
  std::string config_path_;
};

TEST_F(HttpPublishToHiredis, SubscribersReceiveTheExactBytes) {
  // Two subscribers on different shards (connections alternate), one by pattern.
  Context channel_sub = connect_to(server_.port());
  Context pattern_sub = connect_to(server_.port());
  ASSERT_TRUE(channel_sub && pattern_sub);
  Reply confirm(static_cast<redisReply*>(redisCommand(channel_sub.get(), "SUBSCRIBE %s", "news")));
  ASSERT_TRUE(confirm);
  Reply pconfirm(static_cast<redisReply*>(redisCommand(pattern_sub.get(), "PSUBSCRIBE %s", "ne*")));
  ASSERT_TRUE(pconfirm);

  if (!server_.is_redis()) {
    Context asker = connect_to(server_.port());
    ASSERT_TRUE(asker);
    const std::vector<std::string> shards = pubsub_client_shards(asker.get());
    ASSERT_EQ(shards.size(), 2u);
    EXPECT_NE(shards[0], shards[1]) << "both subscribers are on shard " << shards[0];
  }

  // JSON escapes carry any byte: NUL, CR/LF, quotes, non-ASCII.
  const std::string payload("a\0b\r\n\"q\" \xc3\xa9", 11);
  const std::string response =
      http_post(http_port_, "/publish", R"({"channel": "news", "message": "a\u0000b\r\n\"q\" \u00e9"})");
  ASSERT_NE(response.find("200"), std::string::npos) << response;
  EXPECT_NE(response.find(R"({"receivers":2})"), std::string::npos) << response;

  Reply message = get_reply(channel_sub.get());
  ASSERT_TRUE(message);
  ASSERT_EQ(message->type, REDIS_REPLY_ARRAY);
  ASSERT_EQ(message->elements, 3u);
  EXPECT_EQ(element(message.get(), 0), "message");
  EXPECT_EQ(element(message.get(), 1), "news");
  EXPECT_EQ(element(message.get(), 2), payload);

  Reply pmessage = get_reply(pattern_sub.get());
  ASSERT_TRUE(pmessage);
  ASSERT_EQ(pmessage->elements, 4u);
  EXPECT_EQ(element(pmessage.get(), 0), "pmessage");
  EXPECT_EQ(element(pmessage.get(), 1), "ne*");
  EXPECT_EQ(element(pmessage.get(), 2), "news");
  EXPECT_EQ(element(pmessage.get(), 3), payload);

  // A batch keeps its order, interleaved with a RESP publisher's message after it.
  const std::string batch = http_post(http_port_, "/publish",
                                      R"([{"channel": "news", "message": "1"}, {"channel": "news", "message": "2"}])");
  EXPECT_NE(batch.find(R"([{"receivers":2},{"receivers":2}])"), std::string::npos) << batch;
  for (const char* expected : {"1", "2"}) {
    Reply m = get_reply(channel_sub.get());
    ASSERT_TRUE(m);
    EXPECT_EQ(element(m.get(), 2), expected);
  }
  EXPECT_EQ(server_.stop(), "exit 0");
}

}  // namespace
