// The sequencers of one shard's history streams: offsets per channel, an
// epoch per stream life unique on the node, the count limit, expiry by age
// (a stream emptied by it starts a new epoch), the node-wide memory cap
// (oldest messages first), streams held by their RESUME subscribers, and the
// owner shard of a channel.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "pubsub/history_streams.h"
#include "pubsub/routed_message.h"

namespace ringcast::pubsub {
namespace {

struct Node : HistoryNode {
  Node() : HistoryNode(1000) {}
};

HistoryStreams::Appended add(HistoryStreams& s, std::string_view channel, const std::string& payload,
                             int64_t now_ms, HistoryLimits limits = {}) {
  return s.append(channel, limits, payload, 0, now_ms);
}

TEST(HistoryStreams, OffsetsCountPerChannelWithinAnEpochPerStream) {
  Node node;
  HistoryStreams shard0(node), shard1(node);
  const auto a1 = add(shard0, "a", "1", 0), a2 = add(shard0, "a", "2", 0);
  const auto b1 = add(shard0, "b", "1", 0), c1 = add(shard1, "c", "1", 0);
  EXPECT_EQ(a1.offset, 1u);
  EXPECT_EQ(a2.offset, 2u);
  EXPECT_EQ(b1.offset, 1u);
  EXPECT_EQ(a1.epoch, a2.epoch);
  EXPECT_EQ((std::set<uint64_t>{a1.epoch, b1.epoch, c1.epoch}).size(), 3u);  // unique on the node
  EXPECT_EQ(shard0.streams(), 2u);
  EXPECT_EQ(shard0.messages(), 3u);
  EXPECT_EQ(node.retained.load(), shard0.bytes() + shard1.bytes());
  EXPECT_EQ(shard0.find("a")->ring.next_offset(), 3u);
  EXPECT_EQ(shard0.find("zzz"), nullptr);
}

TEST(HistoryStreams, CountLimitKeepsTheNewest) {
  Node node;
  HistoryStreams s(node);
  for (int i = 1; i <= 10; ++i) add(s, "a", std::to_string(i), 0, {3, 0});
  EXPECT_EQ(s.find("a")->ring.first_offset(), 8u);
  EXPECT_EQ(s.messages(), 3u);
  EXPECT_EQ(s.evicted(), 7u);
}

TEST(HistoryStreams, ExpiryByAgeAndANewEpochOnceAStreamIsGone) {
  Node node;
  HistoryStreams s(node);
  const HistoryLimits ten_seconds{0, 10000};
  const auto first = add(s, "a", "old", 1000, ten_seconds);
  add(s, "a", "newer", 8000, ten_seconds);
  s.expire(12000);  // "old" is 11 s old
  EXPECT_EQ(s.find("a")->ring.first_offset(), 2u);
  s.expire(20000);
  EXPECT_EQ(s.find("a"), nullptr);
  EXPECT_EQ(node.retained.load(), 0);
  const auto again = add(s, "a", "fresh", 20000, ten_seconds);
  EXPECT_EQ(again.offset, 1u);
  EXPECT_NE(again.epoch, first.epoch);
}

TEST(HistoryStreams, MemoryCapDropsTheOldestMessagesAcrossStreams) {
  Node node;
  HistoryStreams s(node);
  const std::string kb(1024, 'x');
  add(s, "a", kb, 1);
  add(s, "b", kb, 2);
  add(s, "a", kb, 3);
  add(s, "b", kb, 4);
  const int64_t four = node.retained.load();
  EXPECT_EQ(s.shrink_to(four), 0u);
  EXPECT_EQ(s.shrink_to(four - 1), 1u);  // a's first
  EXPECT_EQ(s.find("a")->ring.first_offset(), 2u);
  EXPECT_EQ(s.find("b")->ring.first_offset(), 1u);
  EXPECT_EQ(s.shrink_to(node.retained.load() - 1), 1u);  // then b's first
  EXPECT_EQ(s.find("b")->ring.first_offset(), 2u);
  EXPECT_EQ(s.shrink_to(node.retained.load() - 1), 1u);  // then a's second: a is gone
  EXPECT_EQ(s.find("a"), nullptr);
  EXPECT_EQ(s.find("b")->ring.first_offset(), 2u);
  EXPECT_EQ(node.retained.load(), s.bytes());
  EXPECT_EQ(s.evicted(), 3u);
  EXPECT_EQ(s.shrink_to(0), 1u);
  EXPECT_EQ(s.streams(), 0u);
  EXPECT_EQ(node.retained.load(), 0);
}

TEST(HistoryStreams, OpenMakesAnEmptyStreamWhoseEpochTheFirstMessageCarries) {
  Node node;
  HistoryStreams s(node);
  const uint64_t epoch = s.open("a", {}).epoch;
  EXPECT_NE(epoch, 0u);
  EXPECT_EQ(s.find("a")->ring.next_offset(), 1u);
  EXPECT_EQ(s.open("a", {}).epoch, epoch) << "open finds the stream it made";
  const auto first = add(s, "a", "1", 0);
  EXPECT_EQ(first.epoch, epoch);
  EXPECT_EQ(first.offset, 1u);
}

TEST(HistoryStreams, ResumersKeepAStreamAndItsEpochThroughAgeAndMemory) {
  Node node;
  HistoryStreams s(node);
  const HistoryLimits ten_seconds{0, 10000};
  const auto first = add(s, "a", "old", 1000, ten_seconds);
  s.count_resumer("a", +1);
  s.count_resumer("a", +1);
  s.expire(20000);
  ASSERT_NE(s.find("a"), nullptr) << "held by its resumers though empty";
  EXPECT_EQ(s.find("a")->epoch, first.epoch);
  EXPECT_EQ(s.messages(), 0u);
  EXPECT_EQ(s.shrink_to(0), 0u) << "nothing to drop, and no endless loop over an empty stream";
  const auto next = add(s, "a", "new", 21000, ten_seconds);
  EXPECT_EQ(next.epoch, first.epoch);
  EXPECT_EQ(next.offset, 2u);
  EXPECT_EQ(s.shrink_to(0), 1u);
  s.count_resumer("a", -1);
  EXPECT_NE(s.find("a"), nullptr) << "one resumer left";
  s.count_resumer("a", -1);
  EXPECT_EQ(s.find("a"), nullptr) << "empty and no resumer: gone at once";
  s.count_resumer("a", -1);  // a stream that is gone: nothing happens
  EXPECT_EQ(node.retained.load(), 0);
}

TEST(HistoryStreams, OwnerIsAFactOfTheNameAndSpreads) {
  EXPECT_EQ(history_owner("orders:1", 4), history_owner("orders:1", 4));
  std::set<unsigned> owners;
  for (int i = 0; i < 64; ++i) owners.insert(history_owner("orders:" + std::to_string(i), 4));
  EXPECT_EQ(owners.size(), 4u);
}

}  // namespace
}  // namespace ringcast::pubsub
