// The history ring: offsets from 1 in append order, reads after an offset,
// eviction by count, age and from the oldest end, its memory figure, and the
// frame references it holds and gives back.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pubsub/history_ring.h"
#include "pubsub/routed_message.h"

namespace ringcast::pubsub {
namespace {

// A RESP2 message frame with one reference for the ring and one the test keeps.
SharedFrame* frame_of(const std::string& payload) {
  return encode_message(Kind::Channel, {}, "orders:1", payload, 2).frame;
}

std::vector<std::pair<uint64_t, std::string>> read(const HistoryRing& ring, uint64_t after, size_t count = 100) {
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
  std::vector<SharedFrame*> frames;
  for (int i = 1; i <= 10; ++i) {
    frames.push_back(frame_of("m" + std::to_string(i)));
    EXPECT_EQ(ring.append(frames.back(), 0, frames.back()->size(), 1000 + i), uint64_t(i));
  }
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
  for (SharedFrame* f : frames) EXPECT_EQ(f->use_count(), 2u);
  for (SharedFrame* f : frames) f->release();
}

TEST(HistoryRing, EvictsByCountAndAgeFromTheOldestEndAndReleasesFrames) {
  HistoryRing ring;
  std::vector<SharedFrame*> frames;
  for (int i = 1; i <= 8; ++i) {
    frames.push_back(frame_of("m" + std::to_string(i)));
    ring.append(frames.back(), 0, frames.back()->size(), 100 * i);
  }
  ring.trim(5, 0);  // count: 1..3 go
  EXPECT_EQ(ring.first_offset(), 4u);
  EXPECT_EQ(frames[2]->use_count(), 1u);  // the ring let go of m3
  EXPECT_EQ(frames[3]->use_count(), 2u);
  ring.trim(0, 650);  // age: published before 650 (m4..m6) go
  EXPECT_EQ(ring.first_offset(), 7u);
  EXPECT_EQ(read(ring, 0).front(), (std::pair<uint64_t, std::string>{7, "m7"}));
  // Offsets go on from where they were, after eviction.
  SharedFrame* f = frame_of("m9");
  EXPECT_EQ(ring.append(f, 0, f->size(), 900), 9u);
  frames.push_back(f);
  while (!ring.empty()) ring.evict_oldest();
  EXPECT_EQ(ring.first_offset(), 10u);
  for (SharedFrame* g : frames) EXPECT_EQ(g->use_count(), 1u);
  for (SharedFrame* g : frames) g->release();
}

TEST(HistoryRing, MemoryFigureFollowsTheFramesAndGivesSlotsBack) {
  HistoryRing ring;
  const std::string payload(100, 'x');
  for (int i = 0; i < 1000; ++i) {
    SharedFrame* f = frame_of(payload);
    ring.append(f, 0, f->size(), i);
    f->release();  // the ring's reference only
  }
  const RoutedMessage sized = encode_message(Kind::Channel, {}, "orders:1", payload, 1);
  const size_t message = sized.size;
  sized.frame->release();
  // Frames, their headers and 1024 slots.
  EXPECT_EQ(ring.bytes(), 1000 * (message + sizeof(SharedFrame)) + 1024 * HistoryRing::kEntryBytes);
  EXPECT_LT(HistoryRing::kOverheadBytes, 64u);
  ring.trim(10, 0);
  EXPECT_LE(ring.bytes(), 10 * (message + sizeof(SharedFrame)) + 64 * HistoryRing::kEntryBytes);
}

TEST(HistoryRing, PayloadOfAMessageFrame) {
  const RoutedMessage m = encode_message(Kind::Channel, {}, "a:b", std::string("x\r\ny\0z", 6), 1);
  EXPECT_EQ(message_payload(m.bytes()), std::string_view("x\r\ny\0z", 6));
  m.frame->release();
}

}  // namespace
}  // namespace ringcast::pubsub
