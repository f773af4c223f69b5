// The writev batcher: IOV_MAX cap, exact resume after partial writes, and
// shared-frame references released exactly once.
#include "output/output_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pubsub/routed_message.h"

namespace ringcast::output {
namespace {

using pubsub::SharedFrame;
using pubsub::FrameRef;
using pubsub::FrameRefPool;

// A frame whose bytes are `text`, with one extra reference kept by the test
// so it can watch the count after the queue lets go.
SharedFrame* make_frame(const std::string& text) {
  SharedFrame* f = SharedFrame::create(text.size(), 2);
  std::copy(text.begin(), text.end(), f->data());
  return f;
}

std::string gather(const std::vector<iovec>& iov) {
  std::string out;
  for (const iovec& v : iov) out.append(static_cast<const char*>(v.iov_base), v.iov_len);
  return out;
}

// Drains the queue with writes of at most `chunk` bytes, returning the bytes
// in the order a socket would have received them.
std::string drain(OutputQueue& q, size_t chunk) {
  std::string wire;
  std::vector<iovec> iov;
  for (int guard = 0; !q.empty() && guard < 100000; ++guard) {
    q.prepare(iov);
    const std::string offered = gather(iov);
    const size_t n = std::min(chunk, offered.size());
    wire += offered.substr(0, n);
    q.complete(n);
  }
  return wire;
}

TEST(OutputQueue, RepliesCoalesceIntoOneSegment) {
  OutputQueue q(0);
  q.append("+OK\r\n");
  q.append(":1\r\n");
  EXPECT_EQ(q.segments(), 1u);
  EXPECT_EQ(q.bytes(), 9u);
  std::vector<iovec> iov;
  ASSERT_EQ(q.prepare(iov), 1u);
  EXPECT_EQ(gather(iov), "+OK\r\n:1\r\n");
  q.complete(9);
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OutputQueue, InFlightReplyBytesAreFrozen) {
  OutputQueue q(0);
  q.append("first");
  std::vector<iovec> iov;
  q.prepare(iov);
  const char* kernel_view = static_cast<const char*>(iov[0].iov_base);
  // A reply queued while the write runs must not touch the bytes in flight.
  q.append(std::string(4096, 'x'));
  EXPECT_EQ(std::string(kernel_view, 5), "first");
  EXPECT_EQ(q.segments(), 2u);
  q.complete(5);
  EXPECT_EQ(drain(q, 1 << 20), std::string(4096, 'x'));
}

TEST(OutputQueue, CapsEachBatchAtIovMax) {
  FrameRefPool pool;
  SharedFrame* f = make_frame("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n");
  FrameRef* lf = pool.adopt(f);
  OutputQueue q(0);
  for (int i = 0; i < 2500; ++i) q.push_frame(lf);
  std::vector<iovec> iov;
  EXPECT_EQ(q.prepare(iov), kMaxIovecs);
  EXPECT_EQ(iov.size(), kMaxIovecs);
  size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  q.complete(total);
  EXPECT_EQ(q.prepare(iov), kMaxIovecs);
  q.complete(total);
  EXPECT_EQ(q.prepare(iov), 2500u - 2 * kMaxIovecs);
  q.complete(iov.size() * f->size());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(f->use_count(), 1u);  // only the test's own reference is left
  EXPECT_EQ(pool.live(), 0u);
  f->release();
}

TEST(OutputQueue, ResumesAtEveryPartialWriteOffset) {
  const std::string a = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n";
  const std::string b = "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nbye\r\n";
  const std::string expected = "+OK\r\n" + a + ":7\r\n" + b + a;
  for (size_t chunk = 1; chunk <= expected.size(); ++chunk) {
    FrameRefPool pool;
    SharedFrame* fa = make_frame(a);
    SharedFrame* fb = make_frame(b);
    OutputQueue q(0);
    q.append("+OK\r\n");
    FrameRef* la = pool.adopt(fa);
    q.push_frame(la);
    q.append(":7\r\n");
    FrameRef* lb = pool.adopt(fb);
    q.push_frame(lb);
    q.push_frame(la);
    EXPECT_EQ(q.bytes(), expected.size());
    EXPECT_EQ(drain(q, chunk), expected) << "chunk " << chunk;
    EXPECT_EQ(q.bytes(), 0u);
    EXPECT_EQ(fa->use_count(), 1u) << "chunk " << chunk;
    EXPECT_EQ(fb->use_count(), 1u) << "chunk " << chunk;
    EXPECT_EQ(pool.live(), 0u);
    fa->release();
    fb->release();
  }
}

TEST(OutputQueue, BytesCountReferencedFramesAndShrinkWithPartialWrites) {
  FrameRefPool pool;
  SharedFrame* f = make_frame(std::string(1000, 'p'));
  FrameRef* lf = pool.adopt(f);
  OutputQueue q(0);
  q.push_frame(lf);
  q.push_frame(lf);
  q.append("+PONG\r\n");
  EXPECT_EQ(q.bytes(), 2007u);
  std::vector<iovec> iov;
  q.prepare(iov);
  q.complete(1500);
  EXPECT_EQ(q.bytes(), 507u);
  EXPECT_EQ(lf->refs, 1u);  // the first copy is fully written and released
  q.clear();
  EXPECT_EQ(f->use_count(), 1u);
  f->release();
}

TEST(OutputQueue, ClearReleasesEveryReferenceOnce) {
  FrameRefPool pool;
  SharedFrame* f = make_frame("payload");
  FrameRef* lf = pool.adopt(f);
  {
    OutputQueue q(0);
    for (int i = 0; i < 10; ++i) q.push_frame(lf);
    EXPECT_EQ(lf->refs, 10u);
  }  // destroyed with frames queued
  EXPECT_EQ(f->use_count(), 1u);
  EXPECT_EQ(pool.live(), 0u);
  f->release();
}

TEST(OutputQueue, SmallFramesAreCopiedLargeOnesReferenced) {
  FrameRefPool pool;
  SharedFrame* small = make_frame("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\np\r\n");
  SharedFrame* large = make_frame(std::string(kCopyFrameMax + 1, 'L'));
  FrameRef* ls = pool.adopt(small);
  FrameRef* ll = pool.adopt(large);
  OutputQueue q;  // the default threshold
  for (int i = 0; i < 3; ++i) q.push_frame(ls);
  q.push_frame(ll);
  q.push_frame(ls);
  EXPECT_EQ(ls->refs, 0u);  // copied: the queue holds no reference
  EXPECT_EQ(ll->refs, 1u);
  EXPECT_EQ(q.segments(), 3u);  // three copies in one run, the large frame, one more copy
  std::vector<iovec> iov;
  EXPECT_EQ(q.prepare(iov), 3u);
  EXPECT_EQ(iov[1].iov_base, large->data());  // referenced, not copied
  const std::string s(small->view());
  EXPECT_EQ(gather(iov), s + s + s + std::string(large->view()) + s);
  q.complete(q.bytes());
  EXPECT_TRUE(q.empty());
  pool.drop_if_unused(ls);
  EXPECT_EQ(pool.live(), 0u);
  EXPECT_EQ(small->use_count(), 1u);
  EXPECT_EQ(large->use_count(), 1u);
  small->release();
  large->release();
}

TEST(OutputQueue, EmptyReplySegmentsProduceNoIovecs) {
  OutputQueue q(0);
  q.reply_bytes();  // opened but nothing written
  std::vector<iovec> iov;
  EXPECT_EQ(q.prepare(iov), 0u);
  q.complete(0);
  EXPECT_TRUE(q.empty());
}

}  // namespace
}  // namespace ringcast::output

namespace ringcast::output {
namespace {

TEST(OutputQueueDropOldest, DropsWholeUnstartedFramesOnlyAndKeepsReplies) {
  pubsub::FrameRefPool pool;
  std::vector<pubsub::SharedFrame*> frames;
  OutputQueue q(0);
  q.append("+OK\r\n");
  for (int i = 0; i < 6; ++i) {
    frames.push_back(make_frame("frame" + std::to_string(i) + "|"));
    q.push_frame(pool.adopt(frames.back()));
    if (i == 2) q.append(":1\r\n");
  }
  // Put the reply and frame0 in flight, then write 3 bytes of them.
  std::vector<iovec> iov;
  q.prepare(iov, 2);
  q.complete(3);
  // "+OK" partly written (not droppable), frame0 not in flight but untouched.
  const size_t before = q.bytes();
  EXPECT_EQ(q.drop_oldest_frames(8), 2u);  // 7-byte frames: two go to free 8
  EXPECT_EQ(q.bytes(), before - 14);
  EXPECT_EQ(drain(q, 1 << 20), "\r\nframe2|:1\r\nframe3|frame4|frame5|");
  for (pubsub::SharedFrame* f : frames) {
    EXPECT_EQ(f->use_count(), 1u);
    f->release();
  }
  EXPECT_EQ(pool.live(), 0u);
}

TEST(OutputQueueDropOldest, NeverTouchesInFlightFramesAndThenAcceptsReplies) {
  pubsub::FrameRefPool pool;
  pubsub::SharedFrame* a = make_frame("aaaa");
  pubsub::SharedFrame* b = make_frame("bbbb");
  OutputQueue q(0);
  q.push_frame(pool.adopt(a));
  q.push_frame(pool.adopt(b));
  std::vector<iovec> iov;
  q.prepare(iov, 1);  // `a` in flight
  EXPECT_EQ(q.drop_oldest_frames(100), 1u);  // only `b` can go
  q.append("+PONG\r\n");
  q.complete(4);
  EXPECT_EQ(drain(q, 1 << 20), "+PONG\r\n");
  EXPECT_EQ(pool.live(), 0u);
  a->release();
  b->release();
}

}  // namespace
}  // namespace ringcast::output

namespace ringcast::output {
namespace {

TEST(OutputQueueAccounting, CopiedFramesCountAtOnce) {
  FrameRefPool pool;
  SharedFrame* f = make_frame(std::string(100, 'm'));
  FrameRef* lf = pool.adopt(f);
  OutputQueue q;
  for (int i = 0; i < 50; ++i) q.push_frame(lf);
  // The limit check on every delivery reads the cheap bound: it must see copies.
  EXPECT_EQ(q.bytes_lower_bound(), 5000u);
  EXPECT_EQ(q.bytes(), 5000u);
  q.append("+OK\r\n");
  EXPECT_EQ(q.bytes(), 5005u);
  pool.drop_if_unused(lf);
  f->release();
}

TEST(OutputQueueAccounting, FramesThatMustStayDroppableAreNotCopied) {
  FrameRefPool pool;
  SharedFrame* f = make_frame(std::string(100, 'm'));
  FrameRef* lf = pool.adopt(f);
  OutputQueue q;
  q.push_frame(lf, false);
  q.push_frame(lf, false);
  EXPECT_EQ(q.segments(), 2u);
  EXPECT_EQ(q.drop_oldest_frames(1), 1u);
  EXPECT_EQ(q.bytes(), 100u);
  q.clear();
  EXPECT_EQ(pool.live(), 0u);
  f->release();
}

TEST(OutputQueueAccounting, AWriteTakesAboutMaxBytesButAlwaysOneSegment) {
  FrameRefPool pool;
  SharedFrame* big = make_frame(std::string(3000, 'b'));
  FrameRef* lf = pool.adopt(big);
  OutputQueue q(0);
  for (int i = 0; i < 10; ++i) q.push_frame(lf);
  std::vector<iovec> iov;
  EXPECT_EQ(q.prepare(iov, kMaxIovecs, 1000), 1u);  // one segment even when larger than the cap
  q.complete(3000);
  EXPECT_EQ(q.prepare(iov, kMaxIovecs, 7000), 3u);  // stops once 7000 bytes are offered
  q.complete(9000);
  EXPECT_EQ(q.segments(), 6u);
  q.clear();
  big->release();
}

// Consecutive messages of one arena block reach a subscriber as one slice:
// one segment, one iovec, nothing copied; the block is referenced once.
TEST(OutputQueueSlice, ConsecutiveBlockMessagesExtendOneSlice) {
  FrameRefPool pool;
  const std::string a = "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\na\r\n";
  const std::string b = "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nb\r\n";
  SharedFrame* block = make_frame(a + b + a);
  FrameRef* lf = pool.adopt_block(block);
  OutputQueue q;
  q.push_message(lf, 0, uint32_t(a.size()), true);
  q.push_message(lf, uint32_t(a.size()), uint32_t(b.size()), true);
  q.push_message(lf, uint32_t(a.size() + b.size()), uint32_t(a.size()), true);
  EXPECT_EQ(q.segments(), 1u);
  EXPECT_EQ(lf->refs, 1u);
  EXPECT_EQ(q.bytes(), 2 * a.size() + b.size());
  std::vector<iovec> iov;
  ASSERT_EQ(q.prepare(iov), 1u);
  EXPECT_EQ(iov[0].iov_base, block->data());  // the block itself: nothing was copied
  EXPECT_EQ(gather(iov), a + b + a);
  q.complete(2 * a.size() + b.size());
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(pool.live(), 0u);
  EXPECT_EQ(block->use_count(), 1u);
  block->release();
}

// One small message, `copies` times back to back at the start of an arena
// block (the rest unused) that the shard adopted, as under fan-out.
class OutputQueueSlices : public ::testing::Test {
 protected:
  void use_block(int copies, size_t capacity = pubsub::MessageArena::kBlockSize) {
    block = SharedFrame::create(capacity, 2);  // one reference stays with the test
    for (int i = 0; i < copies; ++i) std::copy(m.begin(), m.end(), block->data() + i * n);
    lf = pool.adopt_block(block);
  }
  void TearDown() override {
    EXPECT_EQ(pool.live(), 0u);  // every slice and copy let go of its frame
    EXPECT_EQ(block->use_count(), 1u);
    block->release();
  }

  const std::string m = "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n";
  const uint32_t n = uint32_t(m.size());
  FrameRefPool pool;
  SharedFrame* block = nullptr;
  FrameRef* lf = nullptr;
  OutputQueue q;
  std::vector<iovec> iov;
};

// A message that does not follow the slice is copied after it; a new slice
// starts only when nothing else is queued (or all of it is in flight).
TEST_F(OutputQueueSlices, GapsAreCopiedAndSlicesRestartAfterAWrite) {
  use_block(4);
  q.push_message(lf, 0, n, true);
  q.push_message(lf, 2 * n, n, true);  // skips one: copied
  q.push_message(lf, 3 * n, n, true);  // follows the copy, not the slice: copied
  EXPECT_EQ(q.segments(), 2u);
  q.prepare(iov);
  q.push_message(lf, n, n, true);  // everything queued is in flight: a new slice
  EXPECT_EQ(q.segments(), 3u);
  EXPECT_EQ(lf->refs, 2u);
  q.complete(3 * n);
  EXPECT_EQ(drain(q, 1 << 20), m);
}

// A short write means a slow reader: its sparse slices are copied out, so it
// cannot keep a whole block (other subscribers' messages) alive while it lags.
TEST_F(OutputQueueSlices, ShortWriteCopiesSlicesOut) {
  use_block(3);
  q.push_message(lf, 0, n, true);
  q.push_message(lf, n, n, true);
  q.prepare(iov);
  q.push_message(lf, 2 * n, n, true);  // a second slice, behind the write
  q.complete(5);
  EXPECT_EQ(block->use_count(), 1u);  // no slice holds the block any more
  EXPECT_EQ(pool.live(), 2u);             // two frames of their own instead
  EXPECT_EQ(q.bytes(), 3 * m.size() - 5);
  EXPECT_EQ(drain(q, 7), (m + m + m).substr(5));
}

// A slice that fills a good part of its block is the reader's own data
// mostly: a short write leaves it shared, not copied.
TEST_F(OutputQueueSlices, ShortWriteKeepsDenseSlices) {
  use_block(3, 3 * m.size());
  q.push_message(lf, 0, n, true);
  q.push_message(lf, n, n, true);
  q.push_message(lf, 2 * n, n, true);
  q.prepare(iov);
  q.complete(5);
  EXPECT_EQ(pool.live(), 1u);  // still the block's FrameRef, no copy
  EXPECT_EQ(lf->refs, 1u);
  EXPECT_EQ(drain(q, 7), (m + m + m).substr(5));
}

// Under drop-oldest (no copies) every message stays its own segment, so the
// oldest can be dropped whole; a partly written one never is.
TEST_F(OutputQueueSlices, WithoutCopiesEachMessageIsDroppable) {
  use_block(3);
  for (uint32_t i = 0; i < 3; ++i) q.push_message(lf, i * n, n, false);
  EXPECT_EQ(q.segments(), 3u);
  q.prepare(iov, 1);
  q.complete(3);  // the first message is partly written
  EXPECT_EQ(q.drop_oldest_frames(1), 1u);
  EXPECT_EQ(q.bytes(), 2 * m.size() - 3);
  EXPECT_EQ(drain(q, 1 << 20), m.substr(3) + m);
}

}  // namespace
}  // namespace ringcast::output
