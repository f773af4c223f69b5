// hiredis (0.14) fan-out against the real server: 4 subscribers over both shards, 3 pipelining
// publishers; every message reaches every subscriber, per publisher in order, counts add up.
// Server: RINGCAST_BIN=/path/to/ringcast, or RINGCAST_TEST_SERVER=redis for /usr/bin/redis-server.

#include "server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace e2e;

constexpr int kShards = 2;
constexpr int kSubscribers = 4;
constexpr int kPublishers = 3;
constexpr int kMessagesPerPublisher = 2000;
constexpr int kPipelineBatch = 100;
constexpr const char* kChannel = "fanout";

// Payload: "<publisher>:<seq>:" then bytes that hiredis must pass through untouched.
std::string payload(int publisher, int seq) {
  std::string p = std::to_string(publisher) + ":" + std::to_string(seq) + ":";
  p.append("\0\r\n$-1\r\n", 8);
  p.append(static_cast<size_t>(seq % 97), static_cast<char>('a' + publisher));
  return p;
}

struct SubscriberResult {
  int received = 0;
  std::string error;  // first problem seen, empty if none
};

void run_subscriber(redisContext* c, int expected, SubscriberResult& out) {
  std::array<int, kPublishers> next_seq{};
  while (out.received < expected) {
    Reply r = get_reply(c);
    if (!r) {
      out.error = "read failed after " + std::to_string(out.received) + " messages: " + c->errstr;
      return;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || std::string(r->element[0]->str) != "message" ||
        std::string(r->element[1]->str, r->element[1]->len) != kChannel) {
      out.error = "unexpected frame after " + std::to_string(out.received) + " messages";
      return;
    }
    std::string data(r->element[2]->str, r->element[2]->len);
    int publisher = -1, seq = -1;
    if (std::sscanf(data.c_str(), "%d:%d:", &publisher, &seq) != 2 || publisher < 0 || publisher >= kPublishers) {
      out.error = "bad payload: " + data.substr(0, 40);
      return;
    }
    if (seq != next_seq[publisher]) {
      out.error = "publisher " + std::to_string(publisher) + ": expected seq " +
                  std::to_string(next_seq[publisher]) + ", got " + std::to_string(seq);
      return;
    }
    if (data != payload(publisher, seq)) {
      out.error = "payload bytes differ for " + std::to_string(publisher) + ":" + std::to_string(seq);
      return;
    }
    ++next_seq[publisher];
    ++out.received;
  }
}

struct PublisherResult {
  long long receivers = 0;  // sum of PUBLISH replies
  std::string error;
};

void run_publisher(redisContext* c, int id, PublisherResult& out) {
  for (int base = 0; base < kMessagesPerPublisher; base += kPipelineBatch) {
    int n = std::min(kPipelineBatch, kMessagesPerPublisher - base);
    for (int i = 0; i < n; ++i) {
      std::string p = payload(id, base + i);
      if (redisAppendCommand(c, "PUBLISH %s %b", kChannel, p.data(), p.size()) != REDIS_OK) {
        out.error = "append failed";
        return;
      }
    }
    for (int i = 0; i < n; ++i) {
      Reply r = get_reply(c);
      if (!r || r->type != REDIS_REPLY_INTEGER) {
        out.error = std::string("bad PUBLISH reply: ") + (r ? "wrong type" : c->errstr);
        return;
      }
      out.receivers += r->integer;
    }
  }
}

class HiredisFanout : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string err = server_.start(kShards);
    ASSERT_EQ(err, "") << err;
  }
  void TearDown() override {
    std::string status = server_.stop();
    if (!server_.is_redis() && status != "not running") {
      EXPECT_EQ(status, "exit 0") << "ringcast on SIGTERM\n" << server_.log();
    }
    if (HasFailure()) std::fprintf(stderr, "%s\n", server_.log().c_str());
  }
  ServerProcess server_;
};

TEST_F(HiredisFanout, EveryMessageReachesEverySubscriberInPublisherOrder) {
  // Consecutive connections alternate shards: the subscribers cover both.
  std::vector<Context> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    Context c = connect_to(server_.port());
    ASSERT_TRUE(c) << "subscriber " << i << " could not connect";
    Reply r(static_cast<redisReply*>(redisCommand(c.get(), "SUBSCRIBE %s", kChannel)));
    ASSERT_TRUE(r) << c->errstr;
    ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
    ASSERT_EQ(r->elements, 3u);
    EXPECT_EQ(std::string(r->element[0]->str), "subscribe");
    EXPECT_EQ(std::string(r->element[1]->str), kChannel);
    EXPECT_EQ(r->element[2]->integer, 1);
    subs.push_back(std::move(c));
  }
  std::vector<Context> pubs;
  for (int i = 0; i < kPublishers; ++i) {
    pubs.push_back(connect_to(server_.port()));
    ASSERT_TRUE(pubs.back()) << "publisher " << i << " could not connect";
  }
  if (!server_.is_redis()) {
    const std::vector<std::string> shards = pubsub_client_shards(pubs[0].get());
    ASSERT_EQ(shards.size(), size_t(kSubscribers));
    EXPECT_EQ(std::set<std::string>(shards.begin(), shards.end()), (std::set<std::string>{"0", "1"}))
        << "the subscribers do not cover both shards";
  }
  {
    Reply r(static_cast<redisReply*>(redisCommand(pubs[0].get(), "PUBSUB NUMSUB %s", kChannel)));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->type, REDIS_REPLY_ARRAY);
    ASSERT_EQ(r->elements, 2u);
    EXPECT_EQ(r->element[1]->integer, kSubscribers);
  }

  const int per_subscriber = kPublishers * kMessagesPerPublisher;
  std::vector<SubscriberResult> sub_results(kSubscribers);
  std::vector<PublisherResult> pub_results(kPublishers);
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (int i = 0; i < kSubscribers; ++i) {
    threads.emplace_back(run_subscriber, subs[i].get(), per_subscriber, std::ref(sub_results[i]));
  }
  for (int i = 0; i < kPublishers; ++i) {
    threads.emplace_back(run_publisher, pubs[i].get(), i, std::ref(pub_results[i]));
  }
  for (auto& t : threads) t.join();  // every blocking read is bounded by redisSetTimeout
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  std::fprintf(stderr, "fan-out of %d x %d messages to %d subscribers took %lld ms\n", kPublishers,
               kMessagesPerPublisher, kSubscribers, static_cast<long long>(took.count()));

  long long receivers = 0;
  for (int i = 0; i < kPublishers; ++i) {
    EXPECT_EQ(pub_results[i].error, "") << "publisher " << i;
    EXPECT_EQ(pub_results[i].receivers, static_cast<long long>(kSubscribers) * kMessagesPerPublisher)
        << "publisher " << i << ": every PUBLISH should count all " << kSubscribers << " subscribers";
    receivers += pub_results[i].receivers;
  }
  long long delivered = 0;
  for (int i = 0; i < kSubscribers; ++i) {
    EXPECT_EQ(sub_results[i].error, "") << "subscriber " << i;
    EXPECT_EQ(sub_results[i].received, per_subscriber) << "subscriber " << i;
    delivered += sub_results[i].received;
  }
  EXPECT_EQ(receivers, delivered) << "sum of PUBLISH replies must equal deliveries";

  // Nothing extra arrives: a PING in subscribed mode is answered next, with no message before it.
  for (int i = 0; i < kSubscribers; ++i) {
    Reply r(static_cast<redisReply*>(redisCommand(subs[i].get(), "PING")));
    ASSERT_TRUE(r) << subs[i]->errstr;
    ASSERT_EQ(r->type, REDIS_REPLY_ARRAY) << "subscriber " << i;
    ASSERT_EQ(r->elements, 2u);
    EXPECT_EQ(std::string(r->element[0]->str), "pong") << "subscriber " << i << " got an extra frame";
  }
}

TEST_F(HiredisFanout, PatternAndChannelSubscriberCountsTwice) {
  Context sub = connect_to(server_.port());
  Context pub = connect_to(server_.port());
  ASSERT_TRUE(sub && pub);
  Reply r(static_cast<redisReply*>(redisCommand(sub.get(), "SUBSCRIBE fan.x")));
  ASSERT_TRUE(r);
  r.reset(static_cast<redisReply*>(redisCommand(sub.get(), "PSUBSCRIBE fan.*")));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->element[2]->integer, 2);
  const std::string bin("b\0n\r\n", 5);
  r.reset(static_cast<redisReply*>(redisCommand(pub.get(), "PUBLISH fan.x %b", bin.data(), bin.size())));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(r->integer, 2);
  Reply m = get_reply(sub.get());
  ASSERT_TRUE(m) << sub->errstr;
  ASSERT_EQ(m->elements, 3u);
  EXPECT_EQ(std::string(m->element[0]->str), "message");
  EXPECT_EQ(std::string(m->element[2]->str, m->element[2]->len), bin);
  Reply pm = get_reply(sub.get());
  ASSERT_TRUE(pm) << sub->errstr;
  ASSERT_EQ(pm->elements, 4u);
  EXPECT_EQ(std::string(pm->element[0]->str), "pmessage");
  EXPECT_EQ(std::string(pm->element[1]->str), "fan.*");
  EXPECT_EQ(std::string(pm->element[2]->str), "fan.x");
  EXPECT_EQ(std::string(pm->element[3]->str, pm->element[3]->len), bin);
}

}  // namespace
