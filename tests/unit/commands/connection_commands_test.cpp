// PING, ECHO, HELLO, AUTH, SELECT, RESET, QUIT and the checks every request
// passes (unknown command, arity, authentication) against a fake broker.
#include <gtest/gtest.h>

#include "fake_broker.h"

namespace ringcast::commands::testing {
namespace {

TEST(ConnectionCommands, PingAndEcho) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"PING"}), "+PONG\r\n");
  EXPECT_EQ(broker.run(c, {"ping", "hello"}), "$5\r\nhello\r\n");
  EXPECT_EQ(broker.run(c, {"PING", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(broker.run(c, {"ECHO", std::string_view("a\0b", 3)}), std::string("$3\r\na\0b\r\n", 9));
}

TEST(ConnectionCommands, UnknownCommandsQuoteTheirArguments) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"FOO", "bar", "baz"}),
            "-ERR unknown command 'FOO', with args beginning with: 'bar' 'baz' \r\n");
  // CR and LF in client input never break the protocol.
  EXPECT_EQ(broker.run(c, {"a\r\nb"}), "-ERR unknown command 'a  b', with args beginning with: \r\n");
}

TEST(ConnectionCommands, HelloSwitchesProtocolAndDescribesTheServer) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"HELLO", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(broker.run(c, {"HELLO", "x"}), "-ERR Protocol version is not an integer or out of range\r\n");
  EXPECT_EQ(broker.run(c, {"HELLO", "3", "SETNAME", "me"}),
            "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n"
            "$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
            "$7\r\nmodules\r\n*0\r\n");
  EXPECT_EQ(c.proto, 3);
  EXPECT_EQ(c.name, "me");
  EXPECT_EQ(broker.run(c, {"HELLO", "3", "BOGUS"}), "-ERR Syntax error in HELLO option 'BOGUS'\r\n");
  // Client input quoted in an error never breaks the reply into two lines.
  EXPECT_EQ(broker.run(c, {"HELLO", "3", "a\r\n+OK"}), "-ERR Syntax error in HELLO option 'a  +OK'\r\n");
}

TEST(ConnectionCommands, RequirepassGatesEverythingButAuthHelloQuitReset) {
  config::Config settings;
  settings.requirepass = "s3cret";
  FakeBroker broker(settings);
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"ECHO", "x"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_EQ(broker.run(c, {"PUBLISH", "a", "b"}), "-NOAUTH Authentication required.\r\n");
  EXPECT_TRUE(broker.published.empty());
  EXPECT_EQ(broker.run(c, {"HELLO", "3"}),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> "
            "<pass> option can be used to authenticate the client and select the RESP protocol version at "
            "the same time\r\n");
  EXPECT_EQ(broker.run(c, {"AUTH", "wrong"}), "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_FALSE(c.authenticated);
  EXPECT_EQ(broker.run(c, {"AUTH", "s3cret"}), "+OK\r\n");
  EXPECT_EQ(broker.run(c, {"ECHO", "x"}), "$1\r\nx\r\n");
}

TEST(ConnectionCommands, SelectAcceptsRedisDatabaseNumbersOnly) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"SELECT", "3"}), "+OK\r\n");
  EXPECT_EQ(c.db, 3);
  EXPECT_EQ(broker.run(c, {"SELECT", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(broker.run(c, {"SELECT", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(broker.run(c, {"SELECT", "01"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(c.db, 3);
}

TEST(ConnectionCommands, ResetEndsSubscriptionsAndRestoresTheDefaults) {
  FakeBroker broker;
  Connection& c = broker.connect();
  broker.run(c, {"HELLO", "3", "SETNAME", "n"});
  broker.run(c, {"SUBSCRIBE", "a"});
  broker.run(c, {"SELECT", "2"});
  EXPECT_EQ(broker.run(c, {"RESET"}), "+RESET\r\n");
  EXPECT_FALSE(c.subscribed());
  EXPECT_EQ(broker.directory().subscribers(pubsub::Kind::Channel, "a"), 0u);
  EXPECT_EQ(c.proto, 2);
  EXPECT_EQ(c.db, 0);
  EXPECT_EQ(c.name, "");
}

TEST(ConnectionCommands, QuitRepliesThenCloses) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"QUIT"}), "+OK\r\n");
  EXPECT_TRUE(c.close_after_reply);
}

}  // namespace
}  // namespace ringcast::commands::testing
