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

TEST(PatternIndex, ErasingFromTheMiddleOfOnePrefixKeepsTheOthers) {
  // Many patterns under one literal prefix share one list; erasing swaps the
  // last one into the gap, which must stay findable and erasable.
  std::vector<std::string> storage;
  for (int i = 0; i < 1000; ++i) storage.push_back("room:*" + std::to_string(i));
  PatternIndex index;
  for (const std::string& p : storage) index.insert(p);
  for (size_t i = 0; i < storage.size(); i += 2) index.erase(storage[i]);
  index.erase(storage[0]);  // erasing twice is a no-op
  EXPECT_EQ(matches(index, "room:x777"), (std::vector<std::string>{"room:*7", "room:*77", "room:*777"}));
  EXPECT_TRUE(matches(index, "room:x888").empty());  // 8, 88, 888: all erased
  for (size_t i = 1; i < storage.size(); i += 2) index.erase(storage[i]);
  EXPECT_TRUE(matches(index, "room:x777").empty());
  index.insert(storage[4]);
  EXPECT_EQ(matches(index, "room:x4"), (std::vector<std::string>{"room:*4"}));
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
