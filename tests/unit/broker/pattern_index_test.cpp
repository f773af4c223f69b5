// The pattern index finds exactly the patterns glob_match accepts, through
// their literal prefixes, and keeps the places it hands out right as
// patterns come and go.
#include "pubsub/pattern_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace ringcast::pubsub {
namespace {

// The index with the places kept beside each pattern, as the directory keeps
// them in its routes.
struct Indexed {
  PatternIndex index;
  std::map<std::string_view, uint32_t> places;

  void insert(std::string_view p) {
    if (!places.contains(p)) places[p] = index.insert(p);
  }
  void erase(std::string_view p) {
    auto it = places.find(p);
    if (it == places.end()) return;
    const uint32_t place = it->second;
    places.erase(it);
    if (const std::string_view* moved = index.erase(p, place)) places.at(*moved) = place;
  }
};

std::vector<std::string> matches(const Indexed& indexed, std::string_view channel) {
  std::vector<std::string> out;
  indexed.index.match(channel, [&](std::string_view p) { out.emplace_back(p); });
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
  Indexed index;
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
  Indexed index;
  std::string a = "user:1:*", b = "user:1*";
  index.insert(a);
  index.insert(b);
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
  Indexed index;
  for (const std::string& p : storage) index.insert(p);
  for (size_t i = 0; i < storage.size(); i += 2) index.erase(storage[i]);
  EXPECT_EQ(matches(index, "room:x777"), (std::vector<std::string>{"room:*7", "room:*77", "room:*777"}));
  EXPECT_TRUE(matches(index, "room:x888").empty());  // 8, 88, 888: all erased
  for (size_t i = 1; i < storage.size(); i += 2) index.erase(storage[i]);
  EXPECT_TRUE(matches(index, "room:x777").empty());
  index.insert(storage[4]);
  EXPECT_EQ(matches(index, "room:x4"), (std::vector<std::string>{"room:*4"}));
}

TEST(PatternIndex, PlacesStayRightThroughRandomChurnUnderSharedPrefixes) {
  // Erasing with a stale place would remove another pattern or leave this
  // one behind: after every step the index holds exactly the live patterns.
  std::vector<std::string> storage;
  for (int i = 0; i < 300; ++i) storage.push_back("p" + std::to_string(i % 7) + ":*" + std::to_string(i));
  Indexed index;
  std::vector<bool> live(storage.size(), false);
  uint64_t seed = 42;
  for (int step = 0; step < 20000; ++step) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    const size_t i = size_t(seed >> 33) % storage.size();
    if (live[i]) {
      index.erase(storage[i]);
    } else {
      index.insert(storage[i]);
    }
    live[i] = !live[i];
    if (step % 997 != 0) continue;
    for (int prefix = 0; prefix < 7; ++prefix) {
      std::vector<std::string> expected;
      for (size_t k = 0; k < storage.size(); ++k)
        if (live[k] && k % 7 == size_t(prefix)) expected.push_back(storage[k]);
      std::sort(expected.begin(), expected.end());
      std::vector<std::string> all;
      index.index.for_each_candidate("p" + std::to_string(prefix) + ":", [&](std::string_view p) { all.emplace_back(p); });
      std::sort(all.begin(), all.end());
      EXPECT_EQ(all, expected) << "step " << step << " prefix " << prefix;
    }
  }
}

TEST(PatternIndex, ManyDistinctPrefixesOnlyVisitCandidates) {
  std::vector<std::string> storage;
  for (int i = 0; i < 10000; ++i) storage.push_back("prefix:" + std::to_string(i) + ":*");
  Indexed index;
  for (const std::string& p : storage) index.insert(p);
  EXPECT_EQ(matches(index, "prefix:4242:event"), (std::vector<std::string>{"prefix:4242:*"}));
  EXPECT_TRUE(matches(index, "other:4242:event").empty());
}

}  // namespace
}  // namespace ringcast::pubsub
