// One connection's pending output: shared frames by reference and the
// connection's own reply bytes, in order, drained by writev in capped batches.
//
// The first in_flight() segments belong to the write the kernel is doing now:
// they are frozen (nothing appended to them, nothing freed) until complete()
// says how many bytes went out.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pubsub/shared_frame.h"

namespace ringcast::output {

// Linux's IOV_MAX: a writev with more iovecs fails with EINVAL.
inline constexpr size_t kMaxIovecs = 1024;

// Messages up to this size are copied into the connection's byte run instead
// of referenced when they cannot extend a slice already queued: for small
// messages a memcpy is cheaper than the segment, the refcount traffic and the
// kernel's per-iovec work it replaces.
inline constexpr size_t kCopyFrameMax = 512;

// One write takes at most about this many bytes (after its first segment).
// What a write holds cannot be dropped until the kernel lets go of it, so
// under the drop-oldest policy a stalled reader must not pin its backlog in
// one writev: 64 KiB then, Redis's own per-client write size. Otherwise bigger
// writes cost the receiver less (measured: 64 KiB messages to 50 subscribers,
// 47k/s at 64 KiB per write, 59-66k/s at 1 MiB).
inline constexpr size_t kMaxWriteBytes = 1024 * 1024;
inline constexpr size_t kMaxWriteBytesDroppable = 64 * 1024;

class OutputQueue {
 public:
  explicit OutputQueue(size_t copy_frame_max = kCopyFrameMax) : copy_frame_max_(copy_frame_max) {}
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;
  ~OutputQueue();

  // Bytes to append a reply to; consecutive replies share one segment.
  std::string& reply_bytes();
  void append(std::string_view bytes) { reply_bytes().append(bytes); }

  // Queues `size` bytes at `begin` of a shared frame, in the first way that applies:
  //  - extending the last slice, when it ends where these bytes start in the
  //    same frame (consecutive messages of an arena block): no copy, no new iovec;
  //  - copied, when small enough, a segment not in flight is queued, and it
  //    does not open an arena block;
  //  - as a new slice (one FrameRef ref).
  // Without `may_copy` (the drop-oldest policy) every message is a slice of
  // its own, so that it can be dropped whole.
  void push_message(pubsub::FrameRef* frame, uint32_t begin, uint32_t size, bool may_copy = true);
  // The whole frame.
  void push_frame(pubsub::FrameRef* frame, bool may_copy = true) {
    push_message(frame, 0, frame->size(), may_copy);
  }

  // Fills `iov` with up to `max_iovecs` pieces of pending output (and about
  // `max_bytes`) starting at the exact byte where the last write stopped, and
  // marks them in flight. Returns the number of iovecs (0: nothing to write).
  size_t prepare(std::vector<iovec>& iov, size_t max_iovecs = kMaxIovecs, size_t max_bytes = SIZE_MAX);

  // The write of the in-flight segments finished with `written` bytes
  // (possibly fewer than offered): fully written segments are released,
  // a partly written one keeps its offset for the next prepare(). A short
  // write means a slow reader: its slices that use less than a quarter of
  // their arena block are copied out then, so it never keeps much of other
  // messages' memory alive.
  void complete(size_t written);

  bool empty() const { return size_ == 0; }
  bool in_flight() const { return in_flight_ != 0; }
  size_t segments() const { return size_; }
  // Bytes still to be written: what this client holds in memory.
  size_t bytes() const;
  // The same without reply bytes appended through reply_bytes() since the
  // last push or prepare (frames, copied or not, always count): cheap enough
  // to test on every delivery.
  size_t bytes_lower_bound() const { return bytes_; }

  // Frees at least `bytes` (if it can) by dropping the oldest whole frames
  // that no write has started on: never a partly written frame, never the
  // connection's own replies. Returns the number of frames dropped.
  size_t drop_oldest_frames(size_t bytes);

  // Drops everything: on close, once no write is in flight (or the ring is gone).
  void clear();

 private:
  static constexpr uint32_t kReply = UINT32_MAX;

  // 16 bytes: a slice of a shared frame, or a reply buffer this queue owns.
  struct Segment {
    void* ptr;
    uint32_t begin;  // frame: first byte still to write; reply: bytes already written
    uint32_t end;    // frame: one past the slice's last byte; kReply for a reply buffer

    bool is_frame() const { return end != kReply; }
    pubsub::FrameRef* frame() const { return static_cast<pubsub::FrameRef*>(ptr); }
    std::string* reply() const { return static_cast<std::string*>(ptr); }
    const char* data() const { return (is_frame() ? frame()->data() : reply()->data()) + begin; }
    size_t remaining() const { return (is_frame() ? end : reply()->size()) - begin; }
  };

  Segment& at(size_t i) { return ring_[(head_ + i) & (capacity_ - 1)]; }
  const Segment& at(size_t i) const { return ring_[(head_ + i) & (capacity_ - 1)]; }
  Segment& push_back();
  void pop_front();
  void account_tail() const;
  void copy_out_block_slices();

  // A ring of segments that grows by doubling: pushing a message allocates
  // nothing once the queue has reached its working size.
  size_t copy_frame_max_;
  std::unique_ptr<Segment[]> ring_;
  size_t capacity_ = 0;  // a power of two
  size_t head_ = 0;
  size_t size_ = 0;
  size_t in_flight_ = 0;
  std::unique_ptr<std::string> spare_reply_;  // recycled reply buffer

  // Bytes still to write in every segment, except growth of the open reply
  // segment since it was last accounted; `tail_accounted_` is what was counted for it.
  mutable size_t bytes_ = 0;
  mutable size_t tail_accounted_ = 0;
  bool tail_open_ = false;      // the last segment is reply bytes that may grow
  bool front_started_ = false;  // the first segment is partly written
};

}  // namespace ringcast::output
