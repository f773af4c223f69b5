// The pattern index finds exactly the patterns glob_match accepts, through
// their literal prefixes.
#include "pubsub/pattern_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ringcast::pubsub {
namespace {

std::vector<std::string> matches(const PatternIndex& index, std::string_view channel) {
  std::vector<std::string> out;
  index.match(channel, [&](std::string_view p) { out.emplace_back(p); });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PatternIndex, AgreesWithGlobMatchOnEveryPair) {
  const std::vector<std::string> patterns = {"*",      "news.*", "news.sp?rt", "n[ae]ws.*", "news.\\*",
                                             "exact",  "h?llo",  "[^a]bc",     "a*b*c",     "news.sport",
                                             "",       "\\",     "ab\\"};
  const std::vector<std::string> channels = {"",       "news.sport", "news.spart", "naws.x", "news.*", "exact",
                                             "exactly", "hello",     "xbc",        "abc",    "aXbYc",  "\\",
                                             "ab\\"};
  PatternIndex index;
  for (const std::string& p : patterns) index.insert(p);
  for (const std::string& ch : channels) {
    std::vector<std::string> expected;
    for (const std::string& p : patterns)
      if (glob_match(p, ch)) expected.push_back(p);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(matches(index, ch), expected) << "channel '" << ch << "'";
  }
}

TEST(PatternIndex, EraseRemovesOnlyThatPattern) {
  PatternIndex index;
  std::string a = "user:1:*", b = "user:1*";
  index.insert(a);
  index.insert(b);
  index.insert(a);  // inserting twice keeps one entry
  EXPECT_EQ(matches(index, "user:1:x"), (std::vector<std::string>{"user:1*", "user:1:*"}));
  index.erase(a);
  EXPECT_EQ(matches(index, "user:1:x"), (std::vector<std::string>{"user:1*"}));
  index.erase(b);
  EXPECT_TRUE(matches(index, "user:1:x").empty());
}

TEST(PatternIndex, ManyDistinctPrefixesOnlyVisitCandidates) {
  std::vector<std::string> storage;
  for (int i = 0; i < 10000; ++i) storage.push_back("prefix:" + std::to_string(i) + ":*");
  PatternIndex index;
  for (const std::string& p : storage) index.insert(p);
  EXPECT_EQ(matches(index, "prefix:4242:event"), (std::vector<std::string>{"prefix:4242:*"}));
  EXPECT_TRUE(matches(index, "other:4242:event").empty());
}

}  // namespace
}  // namespace ringcast::pubsub
