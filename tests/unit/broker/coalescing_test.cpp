// When a shard writes delivered messages: at once while idle, else at most
// once per window, never holding a message longer than the window; and how
// the window follows the shard's load and its rate of deliveries.
#include "output/coalescing.h"

#include <gtest/gtest.h>

#include <random>

namespace ringcast::output {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kPeriod = Coalescing::kPeriodNs;

// Feeds `periods` measuring periods in which the thread was on a CPU for
// `load` of the time; returns the clock after them.
// `close` of each period's 100 writes follow their subscriber's previous
// write closely (what a window gathers); each write carries `per_write`
// messages (several: a loop that has fallen behind its publishers).
int64_t run_loaded(Coalescing& c, int64_t now, double load, int periods, double close = 1.0,
                   double per_write = 6.0) {
  static int64_t cpu = 0;
  static uint64_t deliveries = 0;
  const auto read_cpu = [&] { return cpu; };
  c.adapt(now, deliveries, read_cpu);  // starts a period if none runs
  for (int i = 0; i < periods; ++i) {
    for (int w = 0; w < 100; ++w) c.wrote(now + 1, w < int(close * 100) ? now : now - 10 * kPeriod);
    deliveries += uint64_t(per_write * 100);
    now += kPeriod;
    cpu += int64_t(load * double(kPeriod));
    c.adapt(now, deliveries, read_cpu);
  }
  return now;
}

// A coalescing state whose window is open under load.
Coalescing busy_shard(int64_t max_delay, int64_t& now) {
  Coalescing c;
  c.set_max_delay_ns(max_delay);
  now = run_loaded(c, 1000 * kMs, 0.95, 20);
  EXPECT_EQ(c.window_ns(), max_delay);
  return c;
}

TEST(Coalescing, OffWritesEveryIterationsMessagesAtOnce) {
  Coalescing c;
  int64_t now = run_loaded(c, kMs, 1.0, 4);
  EXPECT_EQ(c.window_ns(), 0);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(c.due(now));
    c.flushed(now);
    EXPECT_EQ(c.sleep_limit_ns(now), -1);
    now += 1000;
  }
}

TEST(Coalescing, AnIdleShardWritesAtOnceEvenWithAWindow) {
  int64_t now;
  Coalescing c = busy_shard(kMs, now);
  c.flushed(now);
  now += 3 * kMs;  // nothing written for longer than the window
  EXPECT_TRUE(c.due(now));
}

TEST(Coalescing, MessagesSoonAfterAFlushWaitUntilItIsAWindowOld) {
  int64_t now;
  Coalescing c = busy_shard(kMs, now);
  c.flushed(now);
  const int64_t flush = now;
  now += kMs / 4;
  EXPECT_FALSE(c.due(now));
  EXPECT_EQ(c.sleep_limit_ns(now), 3 * kMs / 4);
  now += kMs / 2;
  EXPECT_FALSE(c.due(now));  // later messages do not move the deadline
  EXPECT_EQ(c.sleep_limit_ns(now), kMs / 4);
  EXPECT_TRUE(c.due(flush + kMs));
  EXPECT_EQ(c.sleep_limit_ns(flush + kMs + 5), 0);
  c.take_longest_wait_ns();
  c.flushed(flush + kMs + 100);
  EXPECT_EQ(c.take_longest_wait_ns(), 3 * kMs / 4 + 100) << "from the first queued message to the flush";
  EXPECT_EQ(c.take_longest_wait_ns(), 0) << "reset by reading";
}

TEST(Coalescing, NoMessageWaitsLongerThanTheWindow) {
  int64_t now;
  Coalescing c = busy_shard(kMs, now);
  std::mt19937_64 rng(7);
  int64_t oldest_queued = -1;
  int flushes = 0, messages = 0;
  for (int step = 0; step < 100000; ++step) {
    // A loop iteration every 0..400 us; messages in about half of them.
    now += int64_t(rng() % 400'000);
    const bool message = rng() % 2 == 0;
    if (message) {
      ++messages;
      if (oldest_queued < 0) oldest_queued = now;
    }
    if (oldest_queued >= 0 && c.due(now)) {
      // The loop sleeps at most sleep_limit_ns, so it looks again by the
      // deadline; here the iteration came at `now`, possibly later: what the
      // coalescing adds is bounded by the deadline, not by our random step.
      ASSERT_LE(c.sleep_limit_ns(now), 0);
      c.flushed(now);
      ++flushes;
      oldest_queued = -1;
    } else if (oldest_queued >= 0) {
      ASSERT_LE(now + c.sleep_limit_ns(now) - oldest_queued, kMs) << "step " << step;
    }
  }
  EXPECT_LT(flushes, messages) << "some messages were gathered";
}

TEST(Coalescing, AWindowOpensOnlyNearSaturation) {
  Coalescing c;
  c.set_max_delay_ns(2 * kMs);
  int64_t now = run_loaded(c, kMs, 0.7, 50);
  EXPECT_EQ(c.window_ns(), 0) << "70% busy: room to spare, so every message goes out at once";
  now = run_loaded(c, now, 0.5, 30);
  now = run_loaded(c, now, 1.0, 3);
  now = run_loaded(c, now, 0.5, 10);
  EXPECT_EQ(c.window_ns(), 0) << "30 ms at 100% in a shard at 50%: a burst, not saturation";
  int periods = 0;
  while (c.window_ns() == 0 && periods < 100) {
    now = run_loaded(c, now, periods % 2 ? 0.7 : 1.0, 1);
    ++periods;
  }
  EXPECT_EQ(c.window_ns(), 2 * kMs) << "a saturated shard, reading 70-100% a period";
  EXPECT_LE(periods, 15) << "opened within 150 ms";
}

// Periods with the window open at `load`, until it closes (at most 1,000).
int periods_open(Coalescing& c, int64_t& now, double load) {
  int open_for = 0;
  while (c.window_ns() != 0 && open_for < 1000) {
    now = run_loaded(c, now, load, 1);
    ++open_for;
  }
  return open_for;
}

TEST(Coalescing, NoWindowWhileTheLoopKeepsUpWithItsPublishers) {
  Coalescing c;
  c.set_max_delay_ns(kMs);
  int64_t now = run_loaded(c, kMs, 0.85, 50, 1.0, 1.0);
  EXPECT_EQ(c.window_ns(), 0) << "busy, but every message is written in the iteration it arrived";
  now = run_loaded(c, now, 0.85, 1, 1.0, 5.0);
  EXPECT_EQ(c.window_ns(), 0) << "a stall: one period writes five at once";
  now = run_loaded(c, now, 0.85, 10, 1.0, 1.0);
  int periods = 0;
  while (c.window_ns() == 0 && periods < 100) {
    now = run_loaded(c, now, 0.85, 1, 1.0, 3.0);
    ++periods;
  }
  EXPECT_EQ(c.window_ns(), kMs) << "three messages a write: the loop has fallen behind";
  EXPECT_LE(periods, 5);
}

TEST(Coalescing, ALoopThatNeverRestsOpensAWindowWithOneMessagePerWrite) {
  Coalescing c;
  c.set_max_delay_ns(kMs);
  int64_t now = run_loaded(c, kMs, 0.85, 50, 1.0, 1.0);
  EXPECT_EQ(c.window_ns(), 0) << "85% busy, one message a write: it keeps up";
  run_loaded(c, now, 0.97, 20, 1.0, 1.0);
  EXPECT_EQ(c.window_ns(), kMs) << "publishers that wait for each reply keep it full one publish at a time";
}

TEST(Coalescing, AnOpenWindowIsRecheckedWithoutItFourTimesASecond) {
  Coalescing c;
  c.set_max_delay_ns(kMs);
  int64_t now = kMs;
  while (c.window_ns() == 0 && now < 100 * kPeriod) now = run_loaded(c, now, 0.95, 1);
  ASSERT_EQ(c.window_ns(), kMs);
  // The window halves the load; that alone must not close it.
  EXPECT_EQ(periods_open(c, now, 0.45), 25) << "closed after 25 periods of 10 ms to look at the load without it";
  now = run_loaded(c, now, 0.8, 1);
  EXPECT_EQ(c.window_ns(), kMs) << "still behind without it (80% right after closing): open again at once";
  EXPECT_EQ(periods_open(c, now, 0.45), 25);
  now = run_loaded(c, now, 0.6, 1);
  EXPECT_EQ(c.window_ns(), 0) << "the load fell meanwhile: 60% without a window keeps it closed";
  now = run_loaded(c, now, 0.7, 20);
  EXPECT_EQ(c.window_ns(), 0) << "once closed, only saturation opens it again";
}

TEST(Coalescing, AnOpenWindowClosesAtOnceWhenTheShardGoesIdle) {
  int64_t now;
  Coalescing c = busy_shard(kMs, now);
  now = run_loaded(c, now, 0.3, 5);
  EXPECT_EQ(c.window_ns(), kMs) << "30% with the window: what the window saves, kept";
  run_loaded(c, now, 0.05, 1);
  EXPECT_EQ(c.window_ns(), 0);
}

TEST(Coalescing, NoWindowWhereSubscribersAreNotWrittenAgainSoon) {
  Coalescing c;
  c.set_max_delay_ns(kMs);
  int64_t now = run_loaded(c, kMs, 0.95, 20, 0.1);
  EXPECT_EQ(c.window_ns(), 0) << "busy, but each subscriber written seldom: a window would only delay";
  now = run_loaded(c, now, 0.95, 10, 0.6);
  EXPECT_EQ(c.window_ns(), kMs);
  now = run_loaded(c, now, 0.95, 3, 0.3);
  EXPECT_EQ(c.window_ns(), kMs) << "a quarter or more keeps it open";
  now = run_loaded(c, now, 0.95, 1, 0.2);
  EXPECT_EQ(c.window_ns(), 0);
}

TEST(Coalescing, LoweringMaxDelayShrinksTheWindowAtOnce) {
  int64_t now;
  Coalescing c = busy_shard(2 * kMs, now);
  c.set_max_delay_ns(kMs / 2);
  EXPECT_EQ(c.window_ns(), kMs / 2);
  c.set_max_delay_ns(0);
  EXPECT_EQ(c.window_ns(), 0);
  run_loaded(c, now, 1.0, 4);
  EXPECT_EQ(c.window_ns(), 0) << "off stays off under any load";
}

}  // namespace
}  // namespace ringcast::output
