// CLIENT subcommands and INFO against a fake broker.
#include <gtest/gtest.h>

#include "commands/command_docs.h"
#include "fake_broker.h"
#include "stats/snapshot.h"

namespace ringcast::commands::testing {
namespace {

TEST(ClientCommand, IdNameAndNameRules) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"CLIENT", "ID"}), ":1\r\n");
  EXPECT_EQ(broker.run(c, {"CLIENT", "GETNAME"}), "$-1\r\n");
  EXPECT_EQ(broker.run(c, {"CLIENT", "SETNAME", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(broker.run(c, {"CLIENT", "SETNAME", "worker-1"}), "+OK\r\n");
  EXPECT_EQ(broker.run(c, {"client", "getname"}), "$8\r\nworker-1\r\n");
  EXPECT_EQ(broker.run(c, {"CLIENT", "NOPE"}), "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n");
}

TEST(ClientCommand, ListDescribesEveryClientWithItsShard) {
  FakeBroker broker;
  Connection& me = broker.connect();
  Connection& sub = broker.connect();
  broker.run(sub, {"SUBSCRIBE", "a", "b"});
  broker.run(sub, {"PSUBSCRIBE", "p*"});
  const std::string reply = broker.run(me, {"CLIENT", "LIST"});
  ASSERT_EQ(reply.substr(0, 1), "$");
  EXPECT_NE(reply.find("id=1 addr=127.0.0.1:40001 laddr=127.0.0.1:6379 fd=-1 name= age=5 idle=5 flags=N db=0 "
                       "sub=0 psub=0 ssub=0 multi=-1"),
            std::string::npos);
  EXPECT_NE(reply.find("id=2 addr=127.0.0.1:40002 laddr=127.0.0.1:6379 fd=-1 name= age=5 idle=5 flags=P db=0 "
                       "sub=2 psub=1 ssub=0"),
            std::string::npos);
  EXPECT_NE(reply.find("cmd=client|list user=default redir=-1 resp=2 shard=0\n"), std::string::npos);
  const std::string pubsub_only = broker.run(me, {"CLIENT", "LIST", "TYPE", "pubsub"});
  EXPECT_EQ(pubsub_only.find("id=1 "), std::string::npos);
  EXPECT_NE(pubsub_only.find("id=2 "), std::string::npos);
  EXPECT_EQ(broker.run(me, {"CLIENT", "LIST", "TYPE", "bogus"}), "-ERR Unknown client type 'bogus'\r\n");
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "TYPE", "x\ny"}), "-ERR Unknown client type 'x y'\r\n");
  EXPECT_EQ(broker.run(me, {"CLIENT", "LIST", "ID", "0"}), "-ERR Invalid client ID\r\n");
}

TEST(ClientCommand, KillByIdByAddressAndByType) {
  FakeBroker broker;
  Connection& me = broker.connect();
  Connection& a = broker.connect();
  Connection& b = broker.connect();
  broker.run(b, {"SUBSCRIBE", "x"});
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "ID", "0"}), "-ERR client-id should be greater than 0\r\n");
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "ID", "2"}), ":1\r\n");
  EXPECT_TRUE(a.closing);
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "127.0.0.1:9"}), "-ERR No such client\r\n");
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "TYPE", "pubsub"}), ":1\r\n");
  EXPECT_TRUE(b.closing);
  // SKIPME yes (the default) spares the asker.
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "TYPE", "normal"}), ":0\r\n");
  EXPECT_FALSE(me.closing);
  // Killing itself, a client still gets its reply, then is closed.
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "ADDR", me.addr, "SKIPME", "no"}), ":1\r\n");
  EXPECT_TRUE(me.close_after_reply);
  EXPECT_EQ(broker.killed, 2);
}

TEST(ClientCommand, KillByUser) {
  config::Config settings;
  settings.users.push_back({"alice", {"on", ">pw", "+@all", "allchannels"}, 1});
  FakeBroker broker(settings);
  Connection& me = broker.connect();
  Connection& alice = broker.connect();
  Connection& other = broker.connect();
  EXPECT_EQ(broker.run(alice, {"AUTH", "alice", "pw"}), "+OK\r\n");
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "USER", "nobody"}), "-ERR No such user 'nobody'\r\n");
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "USER", "alice"}), ":1\r\n");
  EXPECT_TRUE(alice.closing);
  EXPECT_FALSE(other.closing);
  EXPECT_EQ(broker.run(me, {"CLIENT", "KILL", "USER", "default"}), ":1\r\n");  // not the caller (SKIPME yes)
  EXPECT_TRUE(other.closing);
}

TEST(InfoCommand, RendersTheBrokersSnapshot) {
  FakeBroker broker;
  broker.snapshot_value.redis_version = "7.0.15";
  broker.snapshot_value.connected_clients = 42;
  broker.snapshot_value.shards.resize(2);
  broker.snapshot_value.shards[1].publishes = 9;
  Connection& c = broker.connect();
  const std::string clients = broker.run(c, {"INFO", "clients"});
  EXPECT_NE(clients.find("# Clients\r\nconnected_clients:42\r\n"), std::string::npos);
  EXPECT_EQ(clients.find("# Server"), std::string::npos);
  const std::string all = broker.run(c, {"INFO"});
  EXPECT_NE(all.find("redis_version:7.0.15\r\n"), std::string::npos);
  EXPECT_NE(all.find("total_publishes:9\r\n"), std::string::npos);
  EXPECT_NE(all.find("shard1:connections=0,connections_received=0,commands=0,publishes=9,"), std::string::npos);
}

}  // namespace
}  // namespace ringcast::commands::testing

namespace ringcast::commands {
namespace {

TEST(CommandDocs, Resp3ValuesBecomeResp2AsRedisWritesThem) {
  const std::string_view resp3 =
      "*1\r\n%2\r\n$4\r\nname\r\n$2\r\nab\r\n$5\r\nflags\r\n~2\r\n+optional\r\n+multiple\r\n";
  std::string v3, v2;
  EXPECT_EQ(append_value(v3, resp3, 3), resp3.size());
  EXPECT_EQ(v3, resp3);
  EXPECT_EQ(append_value(v2, resp3, 2), resp3.size());
  EXPECT_EQ(v2, "*1\r\n*4\r\n$4\r\nname\r\n$2\r\nab\r\n$5\r\nflags\r\n*2\r\n+optional\r\n+multiple\r\n");
}

TEST(CommandDocs, GeneratedExtrasAreFoundByNameAndAreWholeResp3Values) {
  ASSERT_NE(docs_extra("subscribe"), nullptr);
  EXPECT_FALSE(docs_extra("subscribe")->arguments.empty());
  ASSERT_NE(docs_extra("hello"), nullptr);
  EXPECT_FALSE(docs_extra("hello")->history.empty());
  EXPECT_EQ(docs_extra("nosuchcommand"), nullptr);
  // Each generated value is one whole RESP3 value.
  for (size_t i = 0; i < kDocsExtrasCount; ++i) {
    std::string out;
    for (std::string_view v : {kDocsExtras[i].history, kDocsExtras[i].arguments}) {
      if (!v.empty()) {
        EXPECT_EQ(append_value(out, v, 3), v.size()) << kDocsExtras[i].name;
      }
    }
  }
}

}  // namespace
}  // namespace ringcast::commands
