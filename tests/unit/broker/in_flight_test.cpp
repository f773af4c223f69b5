// InFlight: the per-shard count of routed, undelivered messages that lets
// an UNSUBSCRIBE skip its fence, and the directory's cover of patterns it
// matches after releasing its lock.
#include <gtest/gtest.h>

#include <bit>
#include <string>

#include "pubsub/directory.h"
#include "pubsub/in_flight.h"
#include "pubsub/publish_routing.h"

namespace ringcast::pubsub {
namespace {

TEST(InFlight, CountsEachTargetShardUntilDelivered) {
  InFlight f;
  EXPECT_TRUE(f.none_to(0));
  f.routed(0b101);  // one message to shards 0 and 2
  f.routed(0b100);
  EXPECT_FALSE(f.none_to(0));
  EXPECT_TRUE(f.none_to(1));
  EXPECT_FALSE(f.none_to(2));
  f.delivered(0, 1);
  EXPECT_TRUE(f.none_to(0));
  f.delivered(2, 1);
  EXPECT_FALSE(f.none_to(2));  // one more is still on its way
  f.delivered(2, 1);
  EXPECT_TRUE(f.none_to(2));
}

TEST(InFlight, ACoverHoldsUntilReleased) {
  InFlight f;
  f.cover(0b11);
  f.routed(0b10);  // routed late, under the cover
  f.uncover(0b11);
  EXPECT_TRUE(f.none_to(0));
  EXPECT_FALSE(f.none_to(1));
  f.delivered(1, 1);
  EXPECT_TRUE(f.none_to(1));
}

TEST(InFlight, LastShardHasItsOwnCount) {
  InFlight f;
  f.routed(uint64_t(1) << 63);
  EXPECT_FALSE(f.none_to(63));
  EXPECT_TRUE(f.none_to(62));
  f.delivered(63, 1);
  EXPECT_TRUE(f.none_to(63));
}

// What route_publish counts: every target shard but the publisher's own,
// which it delivers to itself before it returns.
TEST(InFlight, RoutePublishCountsOtherShardsOnly) {
  Directory d;
  d.subscribed(Kind::Channel, "ch", 0, true);
  d.subscribed(Kind::Channel, "ch", 1, true);
  d.subscribed(Kind::Pattern, "c*", 2, true);
  RoutedMessages out;
  const auto encode = [](Kind k, std::string_view pattern, uint32_t refs) {
    return encode_message(k, pattern, "ch", "m", refs);
  };
  EXPECT_EQ(route_publish(d, Kind::Channel, "ch", true, uint64_t(1) << 1, [](std::string_view) { return true; },
                          encode, out),
            3);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(d.in_flight().none_to(0));
  EXPECT_TRUE(d.in_flight().none_to(1));  // the publisher's own shard
  EXPECT_FALSE(d.in_flight().none_to(2));
  for (auto& [m, shards] : out) m.frame->release(uint32_t(std::popcount(shards)));
  d.in_flight().delivered(0, 1);
  d.in_flight().delivered(2, 1);
  EXPECT_TRUE(d.in_flight().none_to(0));
  EXPECT_TRUE(d.in_flight().none_to(2));
}

// A long pattern is matched after the directory's lock is released; its
// cover is gone once route() returns, whether it matched or not.
TEST(InFlight, PatternsMatchedOutsideTheLockLeaveOnlyTheirMessages) {
  Directory d;
  const std::string matching = std::string(300, 'a') + "*";
  const std::string other = std::string(300, 'b') + "*";
  d.subscribed(Kind::Pattern, matching, 1, true);
  d.subscribed(Kind::Pattern, other, 2, true);
  const std::string channel(400, 'a');
  ASSERT_GT(matching.size() * channel.size(), Directory::kMatchWorkUnderLock);
  RoutedMessages out;
  route_publish(d, Kind::Channel, channel, true, 0, [](std::string_view) { return true; },
                [&](Kind k, std::string_view pattern, uint32_t refs) {
                  return encode_message(k, pattern, channel, "m", refs);
                },
                out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(d.in_flight().none_to(1));
  EXPECT_TRUE(d.in_flight().none_to(2));  // covered while matching, then released
  out[0].first.frame->release();
  d.in_flight().delivered(1, 1);
  EXPECT_TRUE(d.in_flight().none_to(1));
}

}  // namespace
}  // namespace ringcast::pubsub
