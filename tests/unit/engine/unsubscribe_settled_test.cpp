// When an UNSUBSCRIBE may skip its fence (PubSubEngine::nothing_owed): never
// while a message counted for its shard is on its way (from another shard,
// another node or a pattern), nor after a RESUME subscription ended; once
// everything routed there is delivered, always.
#include <gtest/gtest.h>

#include "fake_shards.h"

namespace ringcast::engine::testing {
namespace {

using pubsub::Kind;

TEST(UnsubscribeSettled, NotWhileACountedMessageIsInFlightThenAtOnce) {
  for (Kind kind : {Kind::Channel, Kind::Pattern, Kind::ShardChannel}) {
    FakeNode node(2);
    Subscriber& s = node.shard(1).add_subscriber();
    PubSubEngine& home = node.shard(1).engine();
    const char* name = kind == Kind::Pattern ? "c*" : "ch";
    ASSERT_TRUE(home.subscribe(s, kind, name));
    const Kind publish_kind = kind == Kind::ShardChannel ? Kind::ShardChannel : Kind::Channel;
    EXPECT_EQ(node.shard(0).engine().publish(publish_kind, "ch", "counted"), 1);
    ASSERT_TRUE(home.unsubscribe(s, kind, name));
    // In shard 0's outbox, then in shard 1's inbox: owed either way.
    EXPECT_FALSE(home.nothing_owed(s));
    node.shard(0).step();
    EXPECT_FALSE(home.nothing_owed(s));
    node.shard(1).step();
    EXPECT_TRUE(home.nothing_owed(s));
    home.forget_retired(s);
    EXPECT_FALSE(FakeShard::written(s).empty());  // delivered before any confirmation could go
  }
}

TEST(UnsubscribeSettled, AShardsOwnPublishesAreNeverInFlight) {
  FakeNode node(2);
  Subscriber& s = node.shard(1).add_subscriber();
  PubSubEngine& home = node.shard(1).engine();
  home.subscribe(s, Kind::Channel, "ch");
  EXPECT_EQ(home.publish(Kind::Channel, "ch", "here"), 1);  // delivered inside the call
  home.unsubscribe(s, Kind::Channel, "ch");
  EXPECT_TRUE(home.nothing_owed(s));
  EXPECT_EQ(FakeShard::written(s), message("ch", "here"));
}

TEST(UnsubscribeSettled, MessagesFromOtherNodesCountUntilDeliveredOrDropped) {
  FakeNode node(2);
  Subscriber& s = node.shard(1).add_subscriber();
  PubSubEngine& home = node.shard(1).engine();
  home.subscribe(s, Kind::Channel, "ch");
  // As the cluster's delivery thread routes one (remote_delivery.cpp): no shard delivers synchronously.
  pubsub::RoutedMessages routed;
  pubsub::route_publish(node.directory(), Kind::Channel, "ch", true, 0, [](std::string_view) { return true; },
                        [](Kind k, std::string_view p, uint32_t refs) {
                          return pubsub::encode_message(k, p, "ch", "remote", refs);
                        },
                        routed);
  ASSERT_EQ(routed.size(), 1u);
  EXPECT_EQ(home.accept_remote(routed[0].first), PubSubEngine::Accepted::queued_wake);
  home.unsubscribe(s, Kind::Channel, "ch");
  EXPECT_FALSE(home.nothing_owed(s));
  node.shard(1).step();
  EXPECT_TRUE(home.nothing_owed(s));
  EXPECT_EQ(FakeShard::written(s), message("ch", "remote"));
}

// The fence's answer from each shard travels behind what that shard routed
// before it, even when the asking shard is the last to answer.
TEST(UnsubscribeSettled, TheFenceWaitsForMessagesStillInAnotherShardsOutbox) {
  FakeNode node(2);
  Subscriber& s = node.shard(0).add_subscriber();
  PubSubEngine& home = node.shard(0).engine();
  PubSubEngine& other = node.shard(1).engine();
  home.subscribe(s, Kind::Channel, "ch");
  EXPECT_EQ(other.publish(Kind::Channel, "ch", "counted"), 1);  // in shard 1's outbox
  home.unsubscribe(s, Kind::Channel, "ch");
  bool fenced = false;
  std::string seen_at_fence;
  home.fence([&](ShardContext&) {
    fenced = true;
    seen_at_fence = FakeShard::written(s);
  });
  home.flush_outboxes();  // the fence's task reaches shard 1
  other.drain_inbox();    // shard 1 answers, behind the message: neither handed over yet
  for (int i = 0; i < 4; ++i) node.shard(0).step();  // the asking shard answers, last
  EXPECT_FALSE(fenced) << "done before shard 1 handed over what it routed before its answer";
  other.flush_outboxes();
  node.settle();
  ASSERT_TRUE(fenced);
  EXPECT_EQ(seen_at_fence, message("ch", "counted"));
}

TEST(UnsubscribeSettled, AnEndedResumeAlwaysWaitsForTheFence) {
  config::Config settings;
  settings.history.rules.push_back({{"h:*"}, 100, 0});
  FakeNode node(2, settings);
  Subscriber& s = node.shard(0).add_subscriber();
  PubSubEngine& home = node.shard(0).engine();
  home.resume(s, "h:a", 0, 0, [](ShardContext&) {});
  node.settle();
  ASSERT_TRUE(home.end_resume(s, "h:a"));
  node.settle();
  EXPECT_FALSE(home.nothing_owed(s));  // its owner's messages travel as tasks, outside the count
  home.forget_retired(s);
  EXPECT_TRUE(home.nothing_owed(s));
}

}  // namespace
}  // namespace ringcast::engine::testing
