// HISTORY against a fake broker: argument parsing and errors, the reply's
// shape in RESP2 and RESP3, and CLIENT REPLY silencing it.
#include <gtest/gtest.h>

#include "fake_broker.h"

namespace ringcast::commands::testing {
namespace {

TEST(HistoryCommand, ReadsThePageAndRepliesEpochNextOffsetAndPairs) {
  FakeBroker broker;  // channels named h:* keep history
  Connection& c = broker.connect();
  broker.history_page = {77, 9, {{7, "seven"}, {8, "eight"}}};
  const std::string reply = "*3\r\n:77\r\n:9\r\n*2\r\n*2\r\n:7\r\n$5\r\nseven\r\n*2\r\n:8\r\n$5\r\neight\r\n";
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a", "since", "6", "COUNT", "2"}), reply);
  ASSERT_EQ(broker.history_reads.size(), 1u);
  EXPECT_EQ(broker.history_reads[0].channel, "h:a");
  EXPECT_EQ(broker.history_reads[0].after, 6u);
  EXPECT_EQ(broker.history_reads[0].count, 2u);
  broker.run(c, {"HISTORY", "h:a"});
  EXPECT_EQ(broker.history_reads[1].after, 0u);
  EXPECT_EQ(broker.history_reads[1].count, uint64_t(UINT64_MAX));
  broker.run(c, {"HELLO", "3"});
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a"}), reply);  // arrays in RESP3 too
  broker.run(c, {"CLIENT", "REPLY", "SKIP"});
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a"}), "");
}

TEST(HistoryCommand, Errors) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"HISTORY"}), "-ERR wrong number of arguments for 'history' command\r\n");
  EXPECT_EQ(broker.run(c, {"HISTORY", "plain"}),
            "-ERR channel 'plain' keeps no history (no history rule matches it)\r\n");
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a", "SINCE"}), "-ERR syntax error\r\n");
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a", "FROM", "1"}), "-ERR syntax error\r\n");
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a", "COUNT", "-1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a", "SINCE", "99999999999999999999"}),
            "-ERR value is not an integer or out of range\r\n");
  EXPECT_TRUE(broker.history_reads.empty());
  broker.run(c, {"SUBSCRIBE", "x"});
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a"}).substr(0, 27), "-ERR Can't execute 'history");
}

}  // namespace
}  // namespace ringcast::commands::testing

namespace ringcast::commands::testing {
namespace {

TEST(ResumeCommand, AsksTheBrokerAndIsASubscribeModeCommand) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"RESUME", "h:a", "77", "5"}), "");  // the confirmation comes from the sequencer
  ASSERT_EQ(broker.resumes.size(), 1u);
  EXPECT_EQ(broker.resumes[0].channel, "h:a");
  EXPECT_EQ(broker.resumes[0].after, 77u);  // epoch
  EXPECT_EQ(broker.resumes[0].count, 5u);   // offset
  // Subscribed now: RESP2 allows RESUME and the other subscribe-mode commands only.
  EXPECT_EQ(broker.run(c, {"RESUME", "h:b", "0", "0"}), "");
  EXPECT_EQ(broker.run(c, {"HISTORY", "h:a"}).substr(0, 27), "-ERR Can't execute 'history");
  // UNSUBSCRIBE without names ends RESUME subscriptions too.
  const std::string all = broker.run(c, {"UNSUBSCRIBE"});
  EXPECT_NE(all.find("$3\r\nh:a\r\n"), std::string::npos);
  EXPECT_NE(all.find("$3\r\nh:b\r\n"), std::string::npos);
  EXPECT_NE(all.find(":0\r\n"), std::string::npos);
  EXPECT_TRUE(c.resumed.empty());
}

TEST(ResumeCommand, Errors) {
  FakeBroker broker;
  Connection& c = broker.connect();
  EXPECT_EQ(broker.run(c, {"RESUME", "h:a", "1"}), "-ERR wrong number of arguments for 'resume' command\r\n");
  EXPECT_EQ(broker.run(c, {"RESUME", "h:a", "x", "1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(broker.run(c, {"RESUME", "h:a", "1", "-1"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(broker.run(c, {"RESUME", "plain", "1", "1"}),
            "-ERR channel 'plain' keeps no history (no history rule matches it)\r\n");
  EXPECT_TRUE(broker.resumes.empty());
}

}  // namespace
}  // namespace ringcast::commands::testing
