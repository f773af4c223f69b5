// Channel history in the engine: only channels a rule names keep history;
// the owner shard sequences a channel's publishes from every shard, retains
// the very frame its subscribers get, and answers the publishing shard with
// the receiver count after the messages it routed there.
#include <gtest/gtest.h>

#include "fake_shards.h"

namespace ringcast::engine::testing {
namespace {

using pubsub::Kind;

config::Config with_history() {
  config::Config settings;
  settings.history.rules.push_back({{"orders:*"}, 3, 0});
  return settings;
}

TEST(HistoryEngine, OnlyChannelsARuleNamesKeepHistory) {
  FakeNode node(2, with_history());
  PubSubEngine& e = node.shard(0).engine();
  EXPECT_NE(e.history_limits(Kind::Channel, "orders:1"), nullptr);
  EXPECT_EQ(e.history_limits(Kind::Channel, "other"), nullptr);
  EXPECT_EQ(e.history_limits(Kind::ShardChannel, "orders:1"), nullptr);
  FakeNode plain(2);
  EXPECT_EQ(plain.shard(0).engine().history_limits(Kind::Channel, "orders:1"), nullptr);
}

TEST(HistoryEngine, TheOwnerSequencesPublishesFromEveryShard) {
  FakeNode node(3, with_history());
  const std::string channel = "orders:1";
  const unsigned owner = node.shard(0).engine().history_owner(channel);
  const unsigned away = (owner + 1) % 3;
  Subscriber& sub = node.shard(away).add_subscriber();
  node.shard(away).engine().subscribe(sub, Kind::Channel, channel);
  EXPECT_TRUE(node.shard(away).engine().history_elsewhere(Kind::Channel, channel));
  EXPECT_FALSE(node.shard(owner).engine().history_elsewhere(Kind::Channel, channel));

  int64_t answered = -1;
  node.shard(away).engine().publish_at_owner(channel, {"a", "b"}, 0, [&](ShardContext& at, int64_t n) {
    EXPECT_EQ(&at, &node.shard(away));
    // The messages the owner routed here came before the answer (its own
    // publish "c" reached it first).
    EXPECT_EQ(FakeShard::written(sub), message(channel, "c") + message(channel, "a") + message(channel, "b"));
    answered = n;
  });
  EXPECT_EQ(node.shard(owner).engine().publish(Kind::Channel, channel, "c"), 1);
  node.settle();
  EXPECT_EQ(answered, 2);

  const pubsub::HistoryPage page = node.shard(owner).engine().history_page(channel, 0, 100);
  EXPECT_GT(page.epoch, 0u);
  EXPECT_EQ(page.next_offset, 4u);
  ASSERT_EQ(page.messages.size(), 3u);
  // The owner got the local publish first: offsets follow arrival at the owner.
  EXPECT_EQ(page.messages[0], (std::pair<uint64_t, std::string>{1, "c"}));
  EXPECT_EQ(page.messages[2], (std::pair<uint64_t, std::string>{3, "b"}));
  EXPECT_EQ(node.shard(owner).engine().history_page(channel, 2, 1).messages,
            (std::vector<std::pair<uint64_t, std::string>>{{3, "b"}}));
  EXPECT_EQ(node.shard(owner).engine().history_page("orders:none", 0, 10).epoch, 0u);
}

TEST(HistoryEngine, ChannelsWithoutHistoryRetainNothing) {
  FakeNode node(2, with_history());
  node.shard(0).engine().publish(Kind::Channel, "other", "x");
  for (unsigned i = 0; i < 2; ++i) EXPECT_EQ(node.shard(i).engine().history().streams(), 0u);
  EXPECT_EQ(node.history().retained.load(), 0);
}

}  // namespace
}  // namespace ringcast::engine::testing
