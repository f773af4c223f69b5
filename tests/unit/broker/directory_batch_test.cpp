// Directory::Batch: a shard's run of changes keeps one stripe's exclusive
// lock, never two; a publisher on another thread waits for the run to end
// and then sees every change of it; the run ends after kBatchChanges.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "pubsub/directory.h"

namespace ringcast::pubsub {
namespace {

using namespace std::chrono_literals;

uint32_t routed_subscribers(const Directory& d, Kind kind, const std::string& channel) {
  uint32_t n = 0;
  d.route(
      kind, channel, [&](const Route& r) { n += r.subscribers; },
      [&](std::string_view, const Route& r) { n += r.subscribers; });
  return n;
}

TEST(DirectoryBatch, HoldsTheStripeUntilReleasedAndPublishersThenSeeEveryChange) {
  Directory d;
  Directory::Batch batch;
  EXPECT_EQ(d.subscribed(Kind::Pattern, "a*", 0, true, &batch), 2u);
  EXPECT_EQ(d.subscribed(Kind::Pattern, "ab*", 0, true, &batch), 3u);  // the same stripe, still held
  EXPECT_TRUE(batch.holding());
  std::atomic<bool> routed{false};
  uint32_t seen = 0;
  std::thread publisher([&] {
    seen = routed_subscribers(d, Kind::Channel, "abc");
    routed = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(routed) << "a publisher read the stripe while a run held it";
  batch.release();
  publisher.join();
  EXPECT_EQ(seen, 2u);
  EXPECT_FALSE(batch.holding());
}

TEST(DirectoryBatch, HoldsOneStripeAtMostAndEndsAfterItsLimit) {
  Directory d;
  Directory::Batch batch;
  d.subscribed(Kind::Pattern, "p*", 0, true, &batch);
  // A channel lives in another stripe: the pattern stripe is let go first,
  // so another shard can change patterns while this run holds the channel's.
  d.subscribed(Kind::Channel, "c", 0, true, &batch);
  std::thread other_shard([&] { d.subscribed(Kind::Pattern, "z*", 1, true); });
  other_shard.join();  // would hang if the run still held the pattern stripe
  batch.release();
  EXPECT_EQ(routed_subscribers(d, Kind::Channel, "p1"), 1u);
  // Past kBatchChanges the lock is taken anew: a waiting publisher gets in between.
  for (unsigned i = 0; i < Directory::kBatchChanges; ++i)
    d.subscribed(Kind::Pattern, "q" + std::to_string(i) + "*", 0, true, &batch);
  std::atomic<bool> routed{false};
  std::thread waiting([&] {
    routed_subscribers(d, Kind::Channel, "q1");
    routed = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(routed);
  d.subscribed(Kind::Pattern, "r*", 0, true, &batch);  // change kBatchChanges + 1: unlock, then lock again
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!routed && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  batch.release();
  waiting.join();
  EXPECT_TRUE(routed);
}

TEST(DirectoryBatch, VersionsCountPerStripe) {
  Directory d;
  // Each stripe's version starts at 1 and counts its own changes only.
  EXPECT_EQ(d.subscribed(Kind::Pattern, "p*", 0, true), 2u);
  EXPECT_EQ(d.unsubscribed(Kind::Pattern, "p*", 0, true), 3u);
  EXPECT_EQ(d.subscribed(Kind::Channel, "c", 0, true), 2u);
  EXPECT_EQ(d.subscribed(Kind::ShardChannel, "c", 0, true), 2u);
}

}  // namespace
}  // namespace ringcast::pubsub
