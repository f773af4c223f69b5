// CLIENT NO-ECHO in the engine: a quiet publisher hears none of its own
// messages (channel or pattern, RESP2 or RESP3), is not in PUBLISH's
// count, and everyone else on every shard still gets the message.
#include <gtest/gtest.h>

#include "fake_shards.h"

namespace ringcast::engine::testing {
namespace {

using pubsub::Kind;

TEST(NoEcho, PublisherSkipsItselfAndIsNotCounted) {
  for (int proto : {2, 3}) {
    FakeNode node(2);
    Subscriber& me = node.shard(0).add_subscriber(proto);
    Subscriber& neighbour = node.shard(0).add_subscriber();
    Subscriber& far = node.shard(1).add_subscriber();
    PubSubEngine& home = node.shard(0).engine();
    home.subscribe(me, Kind::Channel, "c");
    home.subscribe(me, Kind::Pattern, "c*");
    home.subscribe(neighbour, Kind::Channel, "c");
    node.shard(1).engine().subscribe(far, Kind::Channel, "c");
    me.no_echo = true;
    EXPECT_EQ(home.publish(Kind::Channel, "c", "quiet", &me), 2) << proto;
    node.settle();
    EXPECT_EQ(FakeShard::written(me), "") << proto;
    EXPECT_EQ(FakeShard::written(neighbour), message("c", "quiet"));
    EXPECT_EQ(FakeShard::written(far), message("c", "quiet"));
    // Off again: its own message back, twice (channel and pattern), and counted.
    me.no_echo = false;
    EXPECT_EQ(home.publish(Kind::Channel, "c", "loud", &me), 4);
    node.settle();
    std::string expected = message("c", "loud") + pmessage("c*", "c", "loud");
    if (proto == 3) {
      expected[0] = '>';
      expected[message("c", "loud").size()] = '>';
    }
    EXPECT_EQ(FakeShard::written(me), expected) << proto;
  }
}

TEST(NoEcho, AnotherClientsMessagesStillArrive) {
  FakeNode node(2);
  Subscriber& me = node.shard(0).add_subscriber();
  Subscriber& other = node.shard(0).add_subscriber();
  me.no_echo = true;
  node.shard(0).engine().subscribe(me, Kind::ShardChannel, "s");
  EXPECT_EQ(node.shard(0).engine().publish(Kind::ShardChannel, "s", "x", &other), 1);
  EXPECT_EQ(node.shard(1).engine().publish(Kind::ShardChannel, "s", "y"), 1);
  EXPECT_EQ(node.shard(0).engine().publish(Kind::ShardChannel, "s", "mine", &me), 0);
  node.settle();
  EXPECT_EQ(FakeShard::written(me), "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nx\r\n"
                                    "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\ny\r\n");
}

}  // namespace
}  // namespace ringcast::engine::testing
