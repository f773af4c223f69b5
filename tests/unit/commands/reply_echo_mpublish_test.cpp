// CLIENT REPLY, CLIENT NO-ECHO and MPUBLISH against a fake broker: which
// replies CLIENT REPLY silences (the sequences compared with redis-server
// 7.0.15 in tests/e2e/test_client_reply.py), NO-ECHO's flag and errors,
// and MPUBLISH's publishes and count.
#include <gtest/gtest.h>

#include "acl/replies.h"
#include "fake_broker.h"

namespace ringcast::commands::testing {
namespace {

using pubsub::Kind;

TEST(ClientReply, OffSilencesRepliesUntilOn) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY", "OFF"}), "");
  EXPECT_EQ(broker.run(c, {"PING"}), "");
  EXPECT_EQ(broker.run(c, {"NOSUCH"}), "");             // errors too
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY", "X"}), "");  // its own syntax error as well
  EXPECT_EQ(broker.run(c, {"CLIENT", "LIST"}), "");     // and a reply written after a round trip
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY", "SKIP"}), "");  // SKIP changes nothing under OFF
  EXPECT_EQ(broker.run(c, {"client", "reply", "on"}), "+OK\r\n");
  EXPECT_EQ(broker.run(c, {"PING"}), "+PONG\r\n");
}

TEST(ClientReply, SkipSilencesExactlyTheNextCommand) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY", "SKIP"}), "");
  EXPECT_EQ(broker.run(c, {"PING"}), "");
  EXPECT_EQ(broker.run(c, {"PING"}), "+PONG\r\n");
  // A rejected command is the one skipped, too.
  broker.run(c, {"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(broker.run(c, {"PING", "a", "b"}), "");
  EXPECT_EQ(broker.run(c, {"PING"}), "+PONG\r\n");
  // SKIP SKIP: the second is skipped and skips the command after it.
  broker.run(c, {"CLIENT", "REPLY", "SKIP"});
  broker.run(c, {"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(broker.run(c, {"PING"}), "");
  EXPECT_EQ(broker.run(c, {"PING"}), "+PONG\r\n");
  // ON is answered even where it was to be skipped, as Redis clears the flags first.
  broker.run(c, {"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY", "ON"}), "+OK\r\n");
}

TEST(ClientReply, ArgumentsAreCheckedAsRedisDoes) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY"}), "-ERR wrong number of arguments for 'client|reply' command\r\n");
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY", "ON", "x"}),
            "-ERR wrong number of arguments for 'client|reply' command\r\n");
  EXPECT_EQ(broker.run(c, {"CLIENT", "REPLY", "maybe"}), "-ERR syntax error\r\n");
}

TEST(ClientReply, SubscribeConfirmationsStillGoOut) {
  FakeBroker broker;
  Connection& c = broker.connect();
  broker.run(c, {"CLIENT", "REPLY", "OFF"});
  EXPECT_EQ(broker.run(c, {"SUBSCRIBE", "a"}), "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(broker.run(c, {"PING"}), "");  // RESP2 subscribed-mode PING is a reply, not a push
  EXPECT_EQ(broker.run(c, {"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n");
  EXPECT_EQ(broker.run(c, {"UNSUBSCRIBE"}), "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
}

TEST(ClientReply, ResetEndsOffAndIsAnsweredButASkipStillCoversIt) {
  FakeBroker broker;
  Connection& c = broker.connect();
  broker.run(c, {"CLIENT", "REPLY", "OFF"});
  EXPECT_EQ(broker.run(c, {"RESET"}), "+RESET\r\n");
  EXPECT_EQ(broker.run(c, {"PING"}), "+PONG\r\n");
  broker.run(c, {"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(broker.run(c, {"RESET"}), "");
  EXPECT_EQ(broker.run(c, {"PING"}), "+PONG\r\n");
}

TEST(ClientNoEcho, SetsTheFlagRepliesOkAndResetClearsIt) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_FALSE(c.no_echo);
  EXPECT_EQ(broker.run(c, {"CLIENT", "NO-ECHO", "on"}), "+OK\r\n");
  EXPECT_TRUE(c.no_echo);
  EXPECT_EQ(broker.run(c, {"CLIENT", "NO-ECHO", "OFF"}), "+OK\r\n");
  EXPECT_FALSE(c.no_echo);
  EXPECT_EQ(broker.run(c, {"CLIENT", "NO-ECHO", "yes"}), "-ERR syntax error\r\n");
  EXPECT_EQ(broker.run(c, {"CLIENT", "NO-ECHO"}), "-ERR wrong number of arguments for 'client|no-echo' command\r\n");
  broker.run(c, {"CLIENT", "NO-ECHO", "ON"});
  broker.run(c, {"RESET"});
  EXPECT_FALSE(c.no_echo);
}

TEST(Mpublish, PublishesEachMessageInOrderAndSumsTheReceivers) {
  FakeBroker broker;
  Connection& c = broker.connect();
  broker.receivers = 2;
  EXPECT_EQ(broker.run(c, {"MPUBLISH", "news", "a", "b", "c"}), ":6\r\n");
  ASSERT_EQ(broker.published.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(broker.published[i].kind, Kind::Channel);
    EXPECT_EQ(broker.published[i].channel, "news");
    EXPECT_EQ(broker.published[i].publisher, c.id);
  }
  EXPECT_EQ(broker.published[0].payload, "a");
  EXPECT_EQ(broker.published[2].payload, "c");
  EXPECT_EQ(broker.run(c, {"MPUBLISH", "news"}), "-ERR wrong number of arguments for 'mpublish' command\r\n");
  broker.run(c, {"SUBSCRIBE", "x"});
  EXPECT_EQ(broker.run(c, {"MPUBLISH", "x", "m"}).substr(0, 27), "-ERR Can't execute 'mpublis");
}

TEST(Mpublish, ChannelPermissionsAreChecked) {
  config::Config settings;
  settings.users.push_back({"alice", {"on", "nopass", "+@pubsub", "+@connection", "&news.*"}, 1});
  FakeBroker broker(settings);
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"AUTH", "alice", "x"}), "+OK\r\n");
  EXPECT_EQ(broker.run(c, {"MPUBLISH", "news.a", "m"}), ":0\r\n");
  EXPECT_EQ(broker.run(c, {"MPUBLISH", "other", "m"}), "-" + std::string(acl::kNoPermChannelError) + "\r\n");
  EXPECT_EQ(broker.published.size(), 1u);
}

}  // namespace
}  // namespace ringcast::commands::testing
