// Message frames: the exact bytes Redis sends for message, pmessage and
// smessage, and where the routing key sits inside them.
#include "pubsub/routed_message.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ringcast::pubsub {
namespace {

std::string bytes(const SharedFrame& f) { return std::string(f.view()); }

TEST(RoutedMessage, ChannelMessage) {
  RoutedMessage m = encode_message(Kind::Channel, {}, "news", "hello", 1);
  EXPECT_EQ(bytes(*m.frame), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
  EXPECT_EQ(m.key(), "news");
  m.frame->release();
}

TEST(RoutedMessage, PatternMessageIsKeyedByPattern) {
  RoutedMessage m = encode_message(Kind::Pattern, "n*", "news", "", 1);
  EXPECT_EQ(bytes(*m.frame), "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$0\r\n\r\n");
  EXPECT_EQ(m.key(), "n*");
  m.frame->release();
}

TEST(RoutedMessage, ShardMessage) {
  RoutedMessage m = encode_message(Kind::ShardChannel, {}, "s", "x", 1);
  EXPECT_EQ(bytes(*m.frame), "*3\r\n$8\r\nsmessage\r\n$1\r\ns\r\n$1\r\nx\r\n");
  EXPECT_EQ(m.key(), "s");
  m.frame->release();
}

TEST(RoutedMessage, BinarySafeAndLongLengths) {
  const std::string channel("a\0b\r\n", 5);
  const std::string payload(123456, '\0');
  RoutedMessage m = encode_message(Kind::Channel, {}, channel, payload, 1);
  const std::string expected = "*3\r\n$7\r\nmessage\r\n$5\r\n" + channel + "\r\n$123456\r\n" + payload + "\r\n";
  EXPECT_EQ(bytes(*m.frame), expected);
  EXPECT_EQ(m.key(), channel);
  m.frame->release();
}

TEST(RoutedMessage, PushVariantDiffersOnlyInTheFirstByte) {
  RoutedMessage m = encode_message(Kind::Channel, {}, "c", "p", 1);
  SharedFrame* push = push_variant(m.bytes());
  EXPECT_EQ(bytes(*push), ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n");
  push->release();
  m.frame->release();
}

TEST(RoutedMessage, ReferencesFreeOnLastRelease) {
  RoutedMessage m = encode_message(Kind::Channel, {}, "c", "p", 3);
  EXPECT_EQ(m.frame->use_count(), 3u);
  m.frame->release(2);
  EXPECT_EQ(m.frame->use_count(), 1u);
  m.frame->release();  // frees; ASan would flag a leak or double free
}

// Small messages of one shard go back to back into shared blocks; each holds
// its references on the block, which is freed after the last release.
TEST(MessageArena, SmallMessagesShareABlockBackToBack) {
  std::vector<RoutedMessage> ms;
  {
    MessageArena arena;
    ms.push_back(arena.encode(Kind::Channel, {}, "news", "hello", 2));
    ms.push_back(arena.encode(Kind::Pattern, "n*", "news", "x", 1));
    EXPECT_EQ(ms[0].frame, ms[1].frame);
    EXPECT_TRUE(ms[0].in_block);
    EXPECT_EQ(ms[0].begin, 0u);
    EXPECT_EQ(ms[1].begin, ms[0].size);
    EXPECT_EQ(ms[0].bytes(), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n");
    EXPECT_EQ(ms[1].bytes(), "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$1\r\nx\r\n");
    EXPECT_EQ(ms[0].key(), "news");
    EXPECT_EQ(ms[1].key(), "n*");
    EXPECT_EQ(ms[0].frame->use_count(), 4u);  // 2 + 1 + the arena's own
  }
  EXPECT_EQ(ms[0].frame->use_count(), 3u);  // the arena let go of its block
  ms[0].frame->release(2);
  ms[1].frame->release();  // frees; ASan would flag a leak or double free
}

TEST(MessageArena, FullBlockAndLargeMessagesGetNewFrames) {
  MessageArena arena;
  const std::string payload(400, 'p');
  RoutedMessage first = arena.encode(Kind::Channel, {}, "c", payload, 1);
  std::vector<RoutedMessage> ms{first};
  while (ms.back().frame == first.frame) ms.push_back(arena.encode(Kind::Channel, {}, "c", payload, 1));
  EXPECT_EQ(ms.back().begin, 0u);  // the next block starts afresh
  EXPECT_LE(ms[ms.size() - 2].begin + ms[ms.size() - 2].size, MessageArena::kBlockSize);
  const RoutedMessage large = arena.encode(Kind::Channel, {}, "c", std::string(600, 'L'), 1);
  EXPECT_FALSE(large.in_block);
  EXPECT_EQ(large.begin, 0u);
  EXPECT_EQ(large.size, large.frame->size());
  large.frame->release();
  for (RoutedMessage& m : ms) m.frame->release();
}

}  // namespace
}  // namespace ringcast::pubsub
