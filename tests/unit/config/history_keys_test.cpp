// history: off by default, a full section, and the mistakes an operator can
// make, each named by file, line and key.
#include <gtest/gtest.h>

#include <string>

#include "config.h"
#include "load_helpers.h"

namespace ringcast::config {
namespace {

using test_support::error_from;
using test_support::load;

TEST(HistoryKeys, NoChannelKeepsHistoryByDefault) {
  const Config c = load("");
  EXPECT_TRUE(c.history.rules.empty());
  EXPECT_EQ(c.history.max_memory, 64ull << 20);
}

TEST(HistoryKeys, FullSection) {
  const Config c = load(
      "history:\n"
      "  rules:\n"
      "    - {channels: [\"orders:*\", \"chat:*\"], max_messages: 1000, max_age: 10m}\n"
      "    - channels: audit\n"
      "      max_age: 2h\n"
      "  max_memory: 256mb\n");
  ASSERT_EQ(c.history.rules.size(), 2u);
  EXPECT_EQ(c.history.rules[0].channels, (std::vector<std::string>{"orders:*", "chat:*"}));
  EXPECT_EQ(c.history.rules[0].max_messages, 1000u);
  EXPECT_EQ(c.history.rules[0].max_age_ms, 600000u);
  EXPECT_EQ(c.history.rules[1].channels, (std::vector<std::string>{"audit"}));
  EXPECT_EQ(c.history.rules[1].max_messages, 1000u);  // the default
  EXPECT_EQ(c.history.rules[1].max_age_ms, 7200000u);
  EXPECT_EQ(c.history.max_memory, 256ull << 20);
  EXPECT_EQ(load("history:\n  rules:\n    - {channels: [a], max_age: 90}\n").history.rules[0].max_age_ms, 90000u);
}

TEST(HistoryKeys, MistakesNameTheKey) {
  EXPECT_EQ(error_from("history:\n  rules:\n    - {max_messages: 5}\n"),
            "test.yaml:3: history.rules[0]: a rule needs channels");
  EXPECT_NE(error_from("history:\n  rules:\n    - {channels: [a], max_age: 10w}\n").find("history.rules[0].max_age"),
            std::string::npos);
  EXPECT_NE(error_from("history:\n  rules:\n    - {channels: [a], max_messages: 0}\n")
                .find("history.rules[0].max_messages"),
            std::string::npos);
  EXPECT_NE(error_from("history:\n  rules:\n    - {channels: [\"\"]}\n").find("may not be empty"), std::string::npos);
  EXPECT_NE(error_from("history:\n  max_memory: lots\n").find("history.max_memory"), std::string::npos);
  EXPECT_NE(error_from("history:\n  rulez: []\n").find("history.rulez"), std::string::npos);
}

}  // namespace
}  // namespace ringcast::config
