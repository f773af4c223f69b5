// Output limits as the engine applies them on delivery: the disconnect
// policy dooms a subscriber past its hard limit (or its soft limit for its
// seconds); drop-oldest sheds whole old messages and keeps it connected.
#include <gtest/gtest.h>

#include "fake_shards.h"

namespace ringcast::engine::testing {
namespace {

using pubsub::Kind;

config::Config limits(uint64_t hard, uint64_t soft, uint32_t soft_seconds, config::OutputPolicy policy) {
  config::Config c;
  c.pubsub_output = {hard, soft, soft_seconds};
  c.output_policy = policy;
  return c;
}

TEST(OutputLimits, HardLimitDoomsTheSubscriberAtTheConfiguredSize) {
  FakeNode node(1, limits(10000, 0, 0, config::OutputPolicy::disconnect));
  PubSubEngine& engine = node.shard(0).engine();
  Subscriber& slow = node.shard(0).add_subscriber();
  engine.subscribe(slow, Kind::Channel, "c");
  const std::string payload(1000, 'p');
  int published = 0;
  while (!slow.doomed && published < 100) {
    engine.publish(Kind::Channel, "c", payload);
    ++published;
  }
  ASSERT_TRUE(slow.doomed);
  // Each message is 1,025 bytes: the tenth crosses 10,000, not earlier, not later.
  EXPECT_EQ(published, 10);
  EXPECT_GE(slow.out.bytes(), 10000u);
  EXPECT_EQ(node.shard(0).counters.client_output_buffer_limit_disconnections.get(), 1u);
  const auto doomed = engine.take_doomed();
  ASSERT_EQ(doomed.size(), 1u);
  EXPECT_EQ(doomed[0], &slow);
  // Nothing more is queued to a doomed subscriber.
  const size_t held = slow.out.bytes();
  engine.publish(Kind::Channel, "c", payload);
  EXPECT_EQ(slow.out.bytes(), held);
}

TEST(OutputLimits, SoftLimitTripsOnlyAfterItsSeconds) {
  FakeNode node(1, limits(0, 5000, 2, config::OutputPolicy::disconnect));
  PubSubEngine& engine = node.shard(0).engine();
  Subscriber& slow = node.shard(0).add_subscriber();
  engine.subscribe(slow, Kind::Channel, "c");
  engine.set_now(1000);
  const std::string payload(1000, 'p');
  for (int i = 0; i < 8; ++i) engine.publish(Kind::Channel, "c", payload);
  EXPECT_FALSE(slow.doomed);
  EXPECT_EQ(slow.soft_limit_since_ms, 1000);
  engine.set_now(2999);
  engine.check_output_limits(slow);
  EXPECT_FALSE(slow.doomed);
  engine.set_now(3000);
  engine.check_output_limits(slow);
  EXPECT_TRUE(slow.doomed);
}

TEST(OutputLimits, DropOldestShedsWholeOldMessagesAndKeepsTheSubscriber) {
  FakeNode node(1, limits(10000, 0, 0, config::OutputPolicy::drop_oldest));
  PubSubEngine& engine = node.shard(0).engine();
  Subscriber& slow = node.shard(0).add_subscriber();
  engine.subscribe(slow, Kind::Channel, "c");
  for (int i = 0; i < 50; ++i) engine.publish(Kind::Channel, "c", std::string(999, 'a' + i % 26) + "!");
  EXPECT_FALSE(slow.doomed);
  EXPECT_LT(slow.out.bytes(), 10000u);
  EXPECT_GT(slow.dropped_messages, 0u);
  EXPECT_EQ(node.shard(0).counters.dropped_messages.get(), slow.dropped_messages);
  // What is left is the newest messages, each whole, in order.
  const std::string wire = FakeShard::written(slow);
  const size_t kept = 50 - slow.dropped_messages;
  std::string expected;
  for (size_t i = 50 - kept; i < 50; ++i) expected += message("c", std::string(999, char('a' + i % 26)) + "!");
  EXPECT_EQ(wire, expected);
}

TEST(OutputLimits, NonSubscribersAreHeldToTheNormalLimit) {
  config::Config c = limits(0, 0, 0, config::OutputPolicy::disconnect);
  c.normal_output = {4096, 0, 0};
  FakeNode node(1, c);
  Subscriber& client = node.shard(0).add_subscriber();
  client.out.append(std::string(4000, 'r'));
  node.shard(0).engine().check_output_limits(client);
  EXPECT_FALSE(client.doomed);
  client.out.append(std::string(200, 'r'));
  node.shard(0).engine().check_output_limits(client);
  EXPECT_TRUE(client.doomed);
}

}  // namespace
}  // namespace ringcast::engine::testing
