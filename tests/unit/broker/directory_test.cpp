// The directory: shard masks follow first/last local subscribers, counts
// follow every subscription, and routing reports channels and patterns.
#include "pubsub/directory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

namespace ringcast::pubsub {
namespace {

struct Routed {
  Route channel;
  std::vector<std::pair<std::string, Route>> patterns;
};

Routed route(const Directory& d, Kind kind, std::string_view channel) {
  Routed r;
  d.route(
      kind, channel, [&](const Route& c) { r.channel = c; },
      [&](std::string_view p, const Route& pr) { r.patterns.emplace_back(std::string(p), pr); });
  return r;
}

TEST(Directory, MasksAndCountsFollowSubscriptions) {
  Directory d;
  d.subscribed(Kind::Channel, "c", 0, true);
  d.subscribed(Kind::Channel, "c", 0, false);
  d.subscribed(Kind::Channel, "c", 3, true);
  Routed r = route(d, Kind::Channel, "c");
  EXPECT_EQ(r.channel.shards, 0b1001u);
  EXPECT_EQ(r.channel.subscribers, 3u);
  EXPECT_EQ(d.subscribers(Kind::Channel, "c"), 3u);

  d.unsubscribed(Kind::Channel, "c", 3, true);
  r = route(d, Kind::Channel, "c");
  EXPECT_EQ(r.channel.shards, 0b1u);
  EXPECT_EQ(r.channel.subscribers, 2u);
  d.unsubscribed(Kind::Channel, "c", 0, false);
  d.unsubscribed(Kind::Channel, "c", 0, true);
  EXPECT_EQ(d.count(Kind::Channel), 0u);
  EXPECT_EQ(route(d, Kind::Channel, "c").channel.subscribers, 0u);
}

TEST(Directory, PatternsRouteOnlyPlainChannels) {
  Directory d;
  d.subscribed(Kind::Pattern, "ne*", 1, true);
  d.subscribed(Kind::Pattern, "x*", 0, true);
  Routed r = route(d, Kind::Channel, "news");
  ASSERT_EQ(r.patterns.size(), 1u);
  EXPECT_EQ(r.patterns[0].first, "ne*");
  EXPECT_EQ(r.patterns[0].second.shards, 0b10u);
  // SPUBLISH never matches patterns, as in Redis.
  EXPECT_TRUE(route(d, Kind::ShardChannel, "news").patterns.empty());
  EXPECT_EQ(d.count(Kind::Pattern), 2u);
  d.unsubscribed(Kind::Pattern, "ne*", 1, true);
  EXPECT_TRUE(route(d, Kind::Channel, "news").patterns.empty());
}

TEST(Directory, PatternsUnderOnePrefixRouteRightThroughChurn) {
  // Patterns sharing a literal prefix ("room:") share one index list, and
  // erasing one moves another into its place: the directory must keep each
  // pattern's place current, or a later erase removes the wrong one.
  Directory d;
  std::vector<std::string> patterns, channels;
  for (int i = 0; i < 64; ++i) {
    patterns.push_back("room:*" + std::to_string(i));
    channels.push_back("room:" + std::to_string(i));
  }
  std::vector<bool> live(patterns.size(), false);
  uint64_t seed = 7;
  for (int step = 0; step < 5000; ++step) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    const size_t i = size_t(seed >> 33) % patterns.size();
    if (live[i]) {
      d.unsubscribed(Kind::Pattern, patterns[i], 0, true);
    } else {
      d.subscribed(Kind::Pattern, patterns[i], 0, true);
    }
    live[i] = !live[i];
    if (step % 499 != 0) continue;
    for (const std::string& channel : channels) {
      std::vector<std::string> expected, got;
      for (size_t k = 0; k < patterns.size(); ++k)
        if (live[k] && glob_match(patterns[k], channel)) expected.push_back(patterns[k]);
      for (const auto& [p, r] : route(d, Kind::Channel, channel).patterns) got.push_back(p);
      std::sort(expected.begin(), expected.end());
      std::sort(got.begin(), got.end());
      ASSERT_EQ(got, expected) << "step " << step << ", channel " << channel;
    }
  }
}

TEST(Directory, KindsAreSeparateNamespaces) {
  Directory d;
  d.subscribed(Kind::ShardChannel, "c", 0, true);
  EXPECT_EQ(d.subscribers(Kind::Channel, "c"), 0u);
  EXPECT_EQ(d.subscribers(Kind::ShardChannel, "c"), 1u);
  EXPECT_EQ(d.names(Kind::ShardChannel, std::nullopt), (std::vector<std::string>{"c"}));
  EXPECT_TRUE(d.names(Kind::Channel, std::nullopt).empty());
}

TEST(Directory, NamesFilterByGlob) {
  Directory d;
  for (const char* name : {"news.a", "news.b", "sport"}) d.subscribed(Kind::Channel, name, 0, true);
  auto names = d.names(Kind::Channel, std::string_view("news.*"));
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"news.a", "news.b"}));
}

struct RecordingListener : InterestListener {
  std::vector<std::string> events;
  void interest_changed(Kind kind, std::string_view name, bool present) override {
    events.push_back(std::string(present ? "+" : "-") + std::to_string(int(kind)) + std::string(name));
  }
};

// The cluster bridge follows the node's interest: told once when a name gets
// its first subscriber on any shard and once when the last one leaves.
TEST(Directory, ListenerHearsFirstAndLastSubscriberOnly) {
  Directory d;
  RecordingListener l;
  d.set_listener(&l);
  d.subscribed(Kind::Channel, "c", 0, true);
  d.subscribed(Kind::Channel, "c", 1, true);
  d.subscribed(Kind::Channel, "c", 1, false);
  d.subscribed(Kind::Pattern, "p*", 0, true);
  d.unsubscribed(Kind::Channel, "c", 0, true);
  d.unsubscribed(Kind::Channel, "c", 1, false);
  EXPECT_EQ(l.events, (std::vector<std::string>{"+0c", "+1p*"}));
  d.unsubscribed(Kind::Channel, "c", 1, true);
  d.unsubscribed(Kind::Pattern, "p*", 0, true);
  d.unsubscribed(Kind::Channel, "never", 0, true);
  EXPECT_EQ(l.events, (std::vector<std::string>{"+0c", "+1p*", "-0c", "-1p*"}));
}

// A publish's expensive glob work (long pattern x long channel) runs outside
// the directory's lock: while the publisher is still inside on_pattern for
// such a pattern, another shard's subscribe and unsubscribe, even of that
// very pattern, complete.
TEST(Directory, LongMatchesDoNotHoldTheLock) {
  Directory d;
  const std::string pattern = "*" + std::string(kMaxPatternLength - 2, 'a') + "b";
  const std::string channel = std::string(100000, 'a') + "b";
  ASSERT_GT(pattern.size() * channel.size(), Directory::kMatchWorkUnderLock);
  d.subscribed(Kind::Pattern, pattern, 0, true);

  std::promise<void> other_shard_done;
  std::future<void> done = other_shard_done.get_future();
  std::thread other_shard;
  std::vector<std::string> matched;
  d.route(
      Kind::Channel, channel, [](const Route&) {},
      [&](std::string_view p, const Route& r) {
        matched.emplace_back(p);
        EXPECT_EQ(r.subscribers, 1u);
        other_shard = std::thread([&] {
          d.subscribed(Kind::Channel, "elsewhere", 1, true);
          d.unsubscribed(Kind::Pattern, pattern, 0, true);
          other_shard_done.set_value();
        });
        EXPECT_EQ(done.wait_for(std::chrono::seconds(5)), std::future_status::ready)
            << "a subscribe waited for the publisher's match";
      });
  other_shard.join();
  EXPECT_EQ(matched, std::vector<std::string>{pattern});
  EXPECT_EQ(d.count(Kind::Pattern), 0u);
  EXPECT_EQ(d.subscribers(Kind::Channel, "elsewhere"), 1u);
}

}  // namespace
}  // namespace ringcast::pubsub
