// The pub/sub engine without threads or I/O: several engines joined by a
// fake mesh, each loop step run by the test. Cross-shard routing, the
// directory versions that keep PUBLISH's count exact, fences, double
// delivery to a channel and a pattern, RESP3 pushes, gather.
#include <gtest/gtest.h>

#include "fake_shards.h"

namespace ringcast::engine::testing {
namespace {

using pubsub::Kind;

TEST(Engine, PublishReachesSubscribersOnEveryShardWithOneHandOverPerShard) {
  FakeNode node(3);
  Subscriber& a = node.shard(1).add_subscriber();
  Subscriber& b = node.shard(1).add_subscriber();
  Subscriber& c = node.shard(2).add_subscriber();
  for (Subscriber* s : {&a, &b, &c}) {
    const unsigned home = s == &c ? 2 : 1;
    ASSERT_TRUE(node.shard(home).engine().subscribe(*s, Kind::Channel, "news"));
  }
  EXPECT_EQ(node.shard(0).engine().publish(Kind::Channel, "news", "hello"), 3);
  // Nothing moves before the publishing shard's loop hands its outboxes over.
  EXPECT_TRUE(a.out.empty());
  node.shard(0).step();
  EXPECT_EQ(node.shard(0).hand_overs, 2u);  // one per target shard, not per subscriber
  node.settle();
  for (Subscriber* s : {&a, &b, &c}) EXPECT_EQ(FakeShard::written(*s), message("news", "hello"));
  EXPECT_EQ(node.shard(1).counters.deliveries.get(), 2u);
  EXPECT_EQ(node.shard(2).counters.deliveries.get(), 1u);
  EXPECT_EQ(node.shard(0).counters.publishes.get(), 1u);
}

TEST(Engine, SubscribingTwiceCountsOnce) {
  FakeNode node(2);
  Subscriber& s = node.shard(0).add_subscriber();
  EXPECT_TRUE(node.shard(0).engine().subscribe(s, Kind::Channel, "x"));
  EXPECT_FALSE(node.shard(0).engine().subscribe(s, Kind::Channel, "x"));
  EXPECT_EQ(node.directory().subscribers(Kind::Channel, "x"), 1u);
  EXPECT_EQ(node.shard(1).engine().publish(Kind::Channel, "x", "m"), 1);
  node.settle();
  EXPECT_EQ(FakeShard::written(s), message("x", "m"));
}

TEST(Engine, MessageCountedBeforeAnUnsubscribeIsStillDelivered) {
  FakeNode node(2);
  Subscriber& s = node.shard(1).add_subscriber();
  node.shard(1).engine().subscribe(s, Kind::Channel, "ch");
  // Routed (and counted) while the subscription exists, still in flight...
  EXPECT_EQ(node.shard(0).engine().publish(Kind::Channel, "ch", "counted"), 1);
  node.shard(0).step();
  // ...when the subscriber leaves: the count PUBLISH gave must hold.
  EXPECT_TRUE(node.shard(1).engine().unsubscribe(s, Kind::Channel, "ch"));
  EXPECT_EQ(node.shard(0).engine().publish(Kind::Channel, "ch", "not counted"), 0);
  node.settle();
  EXPECT_EQ(FakeShard::written(s), message("ch", "counted"));
  EXPECT_EQ(s.retiring.size(), 1u);
}

TEST(Engine, MessageRoutedBeforeASubscriptionIsNotDelivered) {
  FakeNode node(2);
  Subscriber& early = node.shard(1).add_subscriber();
  Subscriber& late = node.shard(1).add_subscriber();
  node.shard(1).engine().subscribe(early, Kind::Channel, "ch");
  EXPECT_EQ(node.shard(0).engine().publish(Kind::Channel, "ch", "first"), 1);
  node.shard(0).step();
  node.shard(1).engine().subscribe(late, Kind::Channel, "ch");  // after the routing, before the delivery
  node.settle();
  EXPECT_EQ(FakeShard::written(early), message("ch", "first"));
  EXPECT_EQ(FakeShard::written(late), "");
}

TEST(Engine, FenceRunsAfterEveryShardHandedOverWhatItRouted) {
  FakeNode node(3);
  Subscriber& s = node.shard(2).add_subscriber();
  node.shard(2).engine().subscribe(s, Kind::Channel, "ch");
  node.shard(0).engine().publish(Kind::Channel, "ch", "a");
  node.shard(1).engine().publish(Kind::Channel, "ch", "b");
  node.shard(2).engine().unsubscribe(s, Kind::Channel, "ch");
  bool fenced = false;
  std::string seen_at_fence;
  node.shard(2).engine().fence([&](ShardContext& ctx) {
    fenced = true;
    seen_at_fence = FakeShard::written(s);
    ctx.engine().forget_retired(s);
  });
  node.shard(2).step();  // posts the fence's tasks; nothing is delivered yet
  EXPECT_FALSE(fenced);
  node.settle();
  ASSERT_TRUE(fenced);
  // Both messages were counted, so both arrived before the fence finished.
  EXPECT_EQ(seen_at_fence, message("ch", "a") + message("ch", "b"));
  EXPECT_TRUE(s.retiring.empty());
}

TEST(Engine, ChannelAndMatchingPatternDeliverTwiceMessageThenPmessage) {
  FakeNode node(2);
  Subscriber& s = node.shard(1).add_subscriber();
  node.shard(1).engine().subscribe(s, Kind::Channel, "news.tech");
  node.shard(1).engine().subscribe(s, Kind::Pattern, "news.*");
  node.shard(1).engine().subscribe(s, Kind::Pattern, "sport.*");
  EXPECT_EQ(node.shard(0).engine().publish(Kind::Channel, "news.tech", "x"), 2);
  node.settle();
  EXPECT_EQ(FakeShard::written(s), message("news.tech", "x") + pmessage("news.*", "news.tech", "x"));
}

TEST(Engine, ShardChannelsAreApartFromChannelsAndPatterns) {
  FakeNode node(2);
  Subscriber& plain = node.shard(0).add_subscriber();
  Subscriber& sharded = node.shard(1).add_subscriber();
  node.shard(0).engine().subscribe(plain, Kind::Pattern, "*");
  node.shard(1).engine().subscribe(sharded, Kind::ShardChannel, "s");
  EXPECT_EQ(node.shard(0).engine().publish(Kind::ShardChannel, "s", "m"), 1);
  node.settle();
  EXPECT_EQ(FakeShard::written(plain), "");
  EXPECT_EQ(FakeShard::written(sharded), "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nm\r\n");
}

TEST(Engine, Resp3SubscribersGetPushFramesAndResp2OnesArrays) {
  FakeNode node(1);
  Subscriber& v2 = node.shard(0).add_subscriber(2);
  Subscriber& v3 = node.shard(0).add_subscriber(3);
  node.shard(0).engine().subscribe(v2, Kind::Channel, "c");
  node.shard(0).engine().subscribe(v3, Kind::Channel, "c");
  EXPECT_EQ(node.shard(0).engine().publish(Kind::Channel, "c", "p"), 2);
  node.settle();
  const std::string resp2 = message("c", "p");
  EXPECT_EQ(FakeShard::written(v2), resp2);
  EXPECT_EQ(FakeShard::written(v3), ">" + resp2.substr(1));
}

TEST(Engine, DropAllSubscriptionsStopsDeliveryAtOnce) {
  FakeNode node(2);
  Subscriber& s = node.shard(1).add_subscriber();
  node.shard(1).engine().subscribe(s, Kind::Channel, "a");
  node.shard(1).engine().subscribe(s, Kind::Pattern, "b*");
  node.shard(0).engine().publish(Kind::Channel, "a", "in flight");
  node.shard(0).step();
  node.shard(1).engine().drop_all_subscriptions(s);
  EXPECT_FALSE(s.subscribed());
  EXPECT_EQ(node.directory().count(Kind::Channel), 0u);
  EXPECT_EQ(node.directory().count(Kind::Pattern), 0u);
  node.settle();
  EXPECT_EQ(FakeShard::written(s), "");  // RESET and close deliver nothing more
}

TEST(Engine, GatherAnswersInShardOrderOnTheAskingShard) {
  FakeNode node(4);
  std::vector<std::string> answers;
  unsigned finished_on = 99;
  node.shard(2).engine().gather(
      [](ShardContext& ctx) { return "shard" + std::to_string(ctx.engine().index()); },
      [&](ShardContext& ctx, std::vector<std::string>& parts) {
        finished_on = ctx.engine().index();
        answers = parts;
      });
  node.settle();
  EXPECT_EQ(finished_on, 2u);
  EXPECT_EQ(answers, (std::vector<std::string>{"shard0", "shard1", "shard2", "shard3"}));
}

TEST(Engine, RemoteMessagesPastTheBacklogBoundAreDroppedAndReleased) {
  config::Config unlimited;
  unlimited.pubsub_output = {};  // the subscriber takes all 64 MiB
  FakeNode node(1, unlimited);
  Subscriber& s = node.shard(0).add_subscriber();
  node.shard(0).engine().subscribe(s, Kind::Channel, "c");
  const std::string big(1 << 20, 'x');
  unsigned queued = 0, dropped = 0;
  for (int i = 0; i < 80; ++i) {
    pubsub::RoutedMessage m = pubsub::encode_message(Kind::Channel, {}, "c", big, 1);
    m.version = UINT64_MAX - 1;
    const auto verdict = node.shard(0).engine().accept_remote(m);
    (verdict == PubSubEngine::Accepted::dropped ? dropped : queued) += 1;
  }
  EXPECT_EQ(queued, 63u);  // 64 MiB of backlog, each message a little over 1 MiB
  EXPECT_EQ(dropped, 17u);
  node.settle();
  EXPECT_EQ(node.shard(0).counters.deliveries.get(), 63u);
}

}  // namespace
}  // namespace ringcast::engine::testing
