// The history ring: offsets from 1 in append order, reads after an offset,
// eviction by count, age and from the oldest end, messages packed into
// blocks it owns and hands out as slices, the blocks it gives back, and its
// memory figure.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pubsub/history_ring.h"
#include "pubsub/routed_message.h"

namespace ringcast::pubsub {
namespace {

std::vector<std::pair<uint64_t, std::string>> read(const HistoryRing& ring, uint64_t after, size_t count = SIZE_MAX) {
  std::vector<std::pair<uint64_t, std::string>> out;
  ring.since(after, count, [&](uint64_t offset, std::string_view bytes) {
    out.emplace_back(offset, std::string(message_payload(bytes)));
  });
  return out;
}

TEST(HistoryRing, NumbersFromOneAndReadsAfterAnOffset) {
  HistoryRing ring;
  EXPECT_EQ(ring.next_offset(), 1u);
  EXPECT_EQ(ring.first_offset(), 1u);
  for (int i = 1; i <= 10; ++i) EXPECT_EQ(ring.append("orders:1", "m" + std::to_string(i), 0, 1000 + i).offset, uint64_t(i));
  EXPECT_EQ(ring.size(), 10u);
  EXPECT_EQ(ring.next_offset(), 11u);
  const auto after7 = read(ring, 7);
  ASSERT_EQ(after7.size(), 3u);
  EXPECT_EQ(after7[0], (std::pair<uint64_t, std::string>{8, "m8"}));
  EXPECT_EQ(after7[2], (std::pair<uint64_t, std::string>{10, "m10"}));
  EXPECT_EQ(read(ring, 0).size(), 10u);
  EXPECT_EQ(read(ring, 0, 2).back().first, 2u);  // COUNT
  EXPECT_TRUE(read(ring, 10).empty());
  EXPECT_TRUE(read(ring, 99).empty());
}

TEST(HistoryRing, AppendedMessageIsRedisBytesInASliceOfTheBlockWithTheCallersReferences) {
  HistoryRing ring;
  const HistoryRing::Appended a = ring.append("orders:1", "hello", 3, 0);
  const RoutedMessage plain = encode_message(Kind::Channel, {}, "orders:1", "hello", 1);
  EXPECT_EQ(a.message.bytes(), plain.bytes());
  EXPECT_EQ(a.message.key(), "orders:1");
  EXPECT_TRUE(a.message.in_block);
  EXPECT_EQ(a.message.frame->use_count(), 4u) << "the ring's and the three asked for";
  const HistoryRing::Appended b = ring.append("orders:1", "world", 0, 0);
  a.message.frame->release(3);
  plain.frame->release();
  // Reads see the same bytes the fan-out was given.
  ring.since(0, SIZE_MAX, [&](uint64_t offset, std::string_view bytes) {
    EXPECT_EQ(bytes, offset == 1 ? a.message.bytes() : b.message.bytes());
  });
}

TEST(HistoryRing, PacksMessagesIntoDoublingBlocksAndReleasesEachWithItsLastMessage) {
  HistoryRing ring;
  const std::string payload(40, 'p');
  std::vector<SharedFrame*> blocks;  // each distinct block, with a reference the test holds
  for (int i = 0; i < 2000; ++i) {
    const HistoryRing::Appended a = ring.append("orders:1", payload, 1, i);
    if (blocks.empty() || blocks.back() != a.message.frame) {
      blocks.push_back(a.message.frame);
    } else {
      a.message.frame->release();  // one held per block is enough
    }
  }
  ASSERT_GE(blocks.size(), 8u);
  const size_t message = channel_message_size("orders:1", payload);
  EXPECT_EQ(blocks[0]->size(), message) << "a stream's first block fits its first message";
  for (size_t i = 1; i + 1 < blocks.size(); ++i)
    EXPECT_EQ(blocks[i]->size(), std::min<size_t>(blocks[i - 1]->size() * 2, HistoryRing::kMaxBlockBytes));
  EXPECT_EQ(blocks.back()->size(), HistoryRing::kMaxBlockBytes);
  for (SharedFrame* b : blocks) EXPECT_EQ(b->use_count(), 2u);
  ring.trim(2000 - 3, INT64_MIN);  // the first block's message and the second's two go
  EXPECT_EQ(blocks[0]->use_count(), 1u);
  EXPECT_EQ(blocks[1]->use_count(), 1u);
  EXPECT_EQ(blocks[2]->use_count(), 2u);
  EXPECT_EQ(read(ring, 0).front().first, 4u);
  ring.trim(0, 1995);  // by age: all but the last five, block by block
  EXPECT_EQ(ring.size(), 5u);
  for (size_t i = 0; i + 1 < blocks.size(); ++i) EXPECT_EQ(blocks[i]->use_count(), 1u) << i;
  EXPECT_EQ(read(ring, 1990).front(), (std::pair<uint64_t, std::string>{1996, payload}));
  while (!ring.empty()) ring.evict_oldest();
  EXPECT_EQ(blocks.back()->use_count(), 1u) << "the last block goes with the last message";
  EXPECT_EQ(ring.first_offset(), 2001u) << "offsets go on after eviction";
  EXPECT_EQ(ring.append("orders:1", "again", 0, 0).offset, 2001u);
  for (SharedFrame* b : blocks) b->release();
}

TEST(HistoryRing, ReadsFromAnyOffsetFindTheRightBlock) {
  HistoryRing ring;
  for (int i = 1; i <= 3000; ++i) ring.append("c", "m" + std::to_string(i), 0, 0);
  ring.trim(2500, INT64_MIN);
  for (uint64_t after : {0u, 499u, 500u, 501u, 1234u, 2999u}) {
    const auto got = read(ring, after, 3);
    ASSERT_FALSE(got.empty()) << after;
    const uint64_t first = std::max<uint64_t>(after + 1, 501);
    for (size_t k = 0; k < got.size(); ++k) EXPECT_EQ(got[k], (std::pair<uint64_t, std::string>{first + k, "m" + std::to_string(first + k)}));
  }
}

TEST(HistoryRing, MessagesLargerThanABlockAndEmptyOnesKeepTheirBytes) {
  HistoryRing ring;
  std::vector<std::string> payloads;
  for (int i = 0; i < 300; ++i) {
    if (i % 50 == 7) {
      payloads.push_back(std::string(100000 + i, char('a' + i % 26)));  // a block of its own
    } else if (i % 10 == 3) {
      payloads.emplace_back();
    } else {
      payloads.push_back("m" + std::to_string(i));
    }
    const HistoryRing::Appended a = ring.append("c", payloads.back(), 0, i);
    EXPECT_EQ(message_payload(a.message.bytes()), payloads.back());
    EXPECT_LE(a.message.begin + a.message.size, a.message.frame->size());
  }
  const auto all = read(ring, 0);
  ASSERT_EQ(all.size(), payloads.size());
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].second, payloads[i]) << i;
  ring.trim(0, 150);
  const auto rest = read(ring, 0);
  ASSERT_EQ(rest.size(), 150u);
  EXPECT_EQ(rest.front(), (std::pair<uint64_t, std::string>{151, payloads[150]}));
}

TEST(HistoryRing, RetainedMessageCostsItsFrameAndUnder64BytesMore) {
  HistoryRing ring;
  const std::string payload(100, 'x');
  const int n = 100000;
  for (int i = 0; i < n; ++i) ring.append("orders:12345", payload, 0, i);
  // What one message adds to its payload: the RESP framing and channel name in its frame, the slot,
  // block headers and unused block tails, the slots the doubling array holds spare.
  const double per_message = double(ring.bytes()) / n - double(payload.size());
  EXPECT_LT(per_message, 64.0);
  EXPECT_GT(per_message, double(channel_message_size("orders:12345", payload) - payload.size()));
  ring.trim(10, INT64_MIN);
  EXPECT_LT(ring.bytes(), 2 * HistoryRing::kMaxBlockBytes + 1024) << "evicted blocks and slots are given back";
}

TEST(HistoryRing, PayloadOfAMessageFrame) {
  const RoutedMessage m = encode_message(Kind::Channel, {}, "a:b", std::string("x\r\ny\0z", 6), 1);
  EXPECT_EQ(message_payload(m.bytes()), std::string_view("x\r\ny\0z", 6));
  m.frame->release();
}

}  // namespace
}  // namespace ringcast::pubsub
