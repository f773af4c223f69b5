// RESUME through hiredis: a subscriber that reconnects with its (epoch,
// offset) while a hiredis publisher pipelines flat out gets every offset
// exactly once, in order, each message with Redis's fields first and the
// offset appended. ringcast only (RESUME is ringcast's).
//
//   RINGCAST_BIN=build/release/broker/ringcast build/release/tests/e2e/resume_hiredis_test
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>

#include "server_process.h"

namespace {

using namespace e2e;

// 50,000 in a release build; the sanitizer presets (RINGCAST_TEST_RSS_FACTOR 3
// under ASan, 8 under TSan) run the daemon 10-20 times slower, so fewer there.
long long messages_for_this_build() {
  const char* factor = std::getenv("RINGCAST_TEST_RSS_FACTOR");
  const double f = factor != nullptr ? std::max(1.0, std::atof(factor)) : 1.0;
  return static_cast<long long>(50000 / (f * f));
}
const long long kMessages = messages_for_this_build();

class ResumeHiredis : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* kind = std::getenv("RINGCAST_TEST_SERVER");
    if (kind != nullptr && std::string(kind) == "redis") GTEST_SKIP() << "ringcast only: redis has no RESUME";
    char path[] = "/tmp/ringcast-resume-hiredis-XXXXXX";
    const int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    config_path_ = path;
    const std::string yaml = "history: {rules: [{channels: [\"feed:*\"], max_messages: 1000000}]}\n";
    ASSERT_EQ(write(fd, yaml.data(), yaml.size()), ssize_t(yaml.size()));
    close(fd);
    const std::string error = server_.start(4, {"--config", config_path_});
    ASSERT_TRUE(error.empty()) << error;
  }
  void TearDown() override {
    if (!config_path_.empty()) unlink(config_path_.c_str());
  }

  ServerProcess server_;
  std::string config_path_;
};

TEST_F(ResumeHiredis, ReconnectingSubscriberMissesAndRepeatsNothing) {
  // The first message makes the stream (and its epoch) before anyone resumes.
  Context first_publish = connect_to(server_.port());
  ASSERT_TRUE(first_publish);
  Reply made(static_cast<redisReply*>(redisCommand(first_publish.get(), "PUBLISH feed:1 0")));
  ASSERT_TRUE(made && made->type == REDIS_REPLY_INTEGER);
  std::atomic<bool> published{false};
  std::thread publisher([&] {
    Context c = connect_to(server_.port());
    if (!c) return;
    for (long long start = 1; start < kMessages; start += 1000) {
      const long long end = std::min(start + 1000, kMessages);
      for (long long i = start; i < end; ++i)
        redisAppendCommand(c.get(), "PUBLISH feed:1 %s", std::to_string(i).c_str());
      for (long long i = start; i < end; ++i)
        if (!get_reply(c.get())) return;
    }
    published = true;
  });
  // Joined however the test ends (a failed ASSERT returns early).
  struct Joiner {
    std::thread& t;
    ~Joiner() {
      if (t.joinable()) t.join();
    }
  } joiner{publisher};

  long long epoch = 0, offset = 0, rounds = 0;
  bool first = true;
  const auto deadline = Clock::now() + 90s;
  while (offset < kMessages && Clock::now() < deadline) {
    Context sub = connect_to(server_.port());
    ASSERT_TRUE(sub);
    Reply confirm(static_cast<redisReply*>(redisCommand(sub.get(), "RESUME feed:1 %lld %lld", epoch, offset)));
    ASSERT_TRUE(confirm && confirm->type == REDIS_REPLY_ARRAY && confirm->elements == 6);
    // Then short reads: a subscriber that has caught up moves on to its next round.
    ASSERT_EQ(redisSetTimeout(sub.get(), to_timeval(200ms)), REDIS_OK);
    ASSERT_EQ(std::string(confirm->element[0]->str), "resume");
    if (first) {  // RESUME 0 0: not recovered, but it names the epoch; then replay from its start
      epoch = confirm->element[4]->integer;
      first = false;
      continue;
    }
    ASSERT_EQ(confirm->element[3]->integer, 1) << "round " << rounds << " not recovered";
    ++rounds;
    // Read for a few messages' worth, then drop the connection mid-stream.
    for (int n = 0; n < 1 + std::rand() % 400 && offset < kMessages; ++n) {
      Reply m = get_reply(sub.get());
      if (!m) break;  // the read timed out: the publisher may be ahead of nobody
      ASSERT_EQ(m->type, REDIS_REPLY_ARRAY);
      ASSERT_EQ(m->elements, 4u);
      ASSERT_EQ(std::string(m->element[0]->str), "message");
      ASSERT_EQ(std::string(m->element[1]->str), "feed:1");
      ASSERT_EQ(m->element[3]->type, REDIS_REPLY_INTEGER);
      const long long got = m->element[3]->integer;
      ASSERT_EQ(got, offset + 1) << "a gap or a repeat after round " << rounds;
      ASSERT_EQ(std::string(m->element[2]->str), std::to_string(got - 1));
      offset = got;
    }
  }
  publisher.join();
  EXPECT_TRUE(published.load());
  EXPECT_EQ(offset, kMessages);
  EXPECT_GT(rounds, kMessages / 1000);  // about one round per 200 messages
}

}  // namespace
