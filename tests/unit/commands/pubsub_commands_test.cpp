// SUBSCRIBE and friends, PUBLISH and PUBSUB against a fake broker: Redis 7's
// reply bytes, the subscribed-mode rule, and what the handlers ask for.
#include <gtest/gtest.h>

#include "fake_broker.h"

namespace ringcast::commands::testing {
namespace {

using pubsub::Kind;

TEST(PubsubCommands, SubscribeConfirmsEachChannelWithTheRunningCount) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"SUBSCRIBE", "a", "b", "a"}),
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n"
            "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  EXPECT_EQ(broker.subscribe_confirmations, 1);  // one confirmation batch, sent once visible
  EXPECT_EQ(broker.run(c, {"psubscribe", "p*"}), "*3\r\n$10\r\npsubscribe\r\n$2\r\np*\r\n:3\r\n");
  // Shard channels count apart, as in Redis.
  EXPECT_EQ(broker.run(c, {"SSUBSCRIBE", "s"}), "*3\r\n$10\r\nssubscribe\r\n$1\r\ns\r\n:1\r\n");
}

TEST(PubsubCommands, UnsubscribeWaitsForAFenceOnlyWhenSomethingEnded) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
  EXPECT_EQ(broker.run(c, {"UNSUBSCRIBE", "never"}), "*3\r\n$11\r\nunsubscribe\r\n$5\r\nnever\r\n:0\r\n");
  EXPECT_EQ(broker.fences, 0);
  broker.run(c, {"SUBSCRIBE", "a", "b"});
  EXPECT_EQ(broker.run(c, {"UNSUBSCRIBE", "a"}), "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(broker.fences, 1);
  EXPECT_EQ(broker.run(c, {"PUNSUBSCRIBE"}), "*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:1\r\n");
}

TEST(PubsubCommands, PublishRepliesTheBrokersReceiverCount) {
  FakeBroker broker;
  Connection& c = broker.connect();
  broker.receivers = 7;
  EXPECT_EQ(broker.run(c, {"PUBLISH", "news", "hello"}), ":7\r\n");
  EXPECT_EQ(broker.run(c, {"SPUBLISH", "s", "x"}), ":7\r\n");
  ASSERT_EQ(broker.published.size(), 2u);
  EXPECT_EQ(broker.published[0].kind, Kind::Channel);
  EXPECT_EQ(broker.published[0].channel, "news");
  EXPECT_EQ(broker.published[0].payload, "hello");
  EXPECT_EQ(broker.published[1].kind, Kind::ShardChannel);
  EXPECT_EQ(broker.run(c, {"PUBLISH", "news"}), "-ERR wrong number of arguments for 'publish' command\r\n");
}

TEST(PubsubCommands, Resp2SubscribersMayOnlyRunSubscribeCommandsPingQuitReset) {
  FakeBroker broker;
  Connection& c = broker.connect();
  broker.run(c, {"SUBSCRIBE", "a"});
  EXPECT_EQ(broker.run(c, {"ECHO", "x"}),
            "-ERR Can't execute 'echo': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed "
            "in this context\r\n");
  EXPECT_EQ(broker.run(c, {"PUBLISH", "a", "x"}).substr(0, 25), "-ERR Can't execute 'publi");
  EXPECT_TRUE(broker.published.empty());
  EXPECT_EQ(broker.run(c, {"PING"}), "*2\r\n$4\r\npong\r\n$0\r\n\r\n");
  EXPECT_EQ(broker.run(c, {"PING", "hi"}), "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n");
}

TEST(PubsubCommands, Resp3SubscribersGetPushConfirmationsAndMayRunAnything) {
  FakeBroker broker;
  Connection& c = broker.connect();
  broker.run(c, {"HELLO", "3"});
  EXPECT_EQ(broker.run(c, {"SUBSCRIBE", "a"}), ">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(broker.run(c, {"ECHO", "x"}), "$1\r\nx\r\n");
  EXPECT_EQ(broker.run(c, {"UNSUBSCRIBE"}), ">3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
}

TEST(PubsubCommands, MaxSubscriptionsRefusesTheWholeCommand) {
  config::Config settings;
  settings.max_subscriptions = 2;
  FakeBroker broker(settings);
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"SUBSCRIBE", "a", "b", "c"}),
            "-ERR max number of subscriptions per client reached (2)\r\n");
  EXPECT_FALSE(c.subscribed());
  broker.run(c, {"SUBSCRIBE", "a", "b"});
  // Already held names do not count again.
  EXPECT_EQ(broker.run(c, {"SUBSCRIBE", "a"}), "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:2\r\n");
  EXPECT_EQ(broker.run(c, {"PSUBSCRIBE", "x*"}), "-ERR max number of subscriptions per client reached (2)\r\n");
}

TEST(PubsubCommands, OverlongPatternsAreRefusedBeforeAnythingIsSubscribed) {
  FakeBroker broker;
  Connection& c = broker.connect();
  const std::string longest(pubsub::kMaxPatternLength, '*');
  const std::string refusal = "-ERR pattern too long: over 1024 bytes\r\n";
  EXPECT_EQ(broker.run(c, {"PSUBSCRIBE", "a*", longest + "x"}), refusal);
  EXPECT_FALSE(c.subscribed());
  EXPECT_EQ(broker.run(c, {"PUBSUB", "CHANNELS", longest + "x"}), refusal);
  EXPECT_EQ(broker.run(c, {"PUBSUB", "SHARDCHANNELS", longest + "x"}), refusal);
  EXPECT_EQ(broker.run(c, {"PUBSUB", "CHANNELS", longest}), "*0\r\n");
  EXPECT_EQ(broker.run(c, {"PSUBSCRIBE", longest}).substr(0, 19), "*3\r\n$10\r\npsubscribe");
}

TEST(PubsubCommands, PubsubQueriesReadTheDirectory) {
  FakeBroker broker;
  Connection& sub = broker.connect();
  Connection& asker = broker.connect();
  broker.run(sub, {"SUBSCRIBE", "news"});
  broker.run(sub, {"PSUBSCRIBE", "n*", "m*"});
  EXPECT_EQ(broker.run(asker, {"PUBSUB", "NUMSUB", "news", "other"}),
            "*4\r\n$4\r\nnews\r\n:1\r\n$5\r\nother\r\n:0\r\n");
  EXPECT_EQ(broker.run(asker, {"PUBSUB", "numpat"}), ":2\r\n");
  EXPECT_EQ(broker.run(asker, {"PUBSUB", "CHANNELS"}), "*1\r\n$4\r\nnews\r\n");
  EXPECT_EQ(broker.run(asker, {"PUBSUB", "CHANNELS", "x*"}), "*0\r\n");
  EXPECT_EQ(broker.run(asker, {"PUBSUB", "CHANNELS", "a", "b"}),
            "-ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.\r\n");
  EXPECT_EQ(broker.run(asker, {"PUBSUB", "NOPE"}), "-ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.\r\n");
}

}  // namespace
}  // namespace ringcast::commands::testing
