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

#include "pubsub/frame.h"

namespace ringcast::output {

// Linux's IOV_MAX: a writev with more iovecs fails with EINVAL.
inline constexpr size_t kMaxIovecs = 1024;

// Frames up to this size are copied into the connection's byte run instead of
// referenced: for small messages a memcpy is cheaper than the 16-byte segment,
// the refcount traffic and the kernel's per-iovec work it replaces.
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

  // Queues a shared frame: by reference (one LocalFrame ref), or copied when
  // `may_copy` and it is no larger than the copy threshold. A copied message
  // merges into a byte run and can no longer be dropped on its own.
  void push_frame(pubsub::LocalFrame* frame, bool may_copy = true);

  // Fills `iov` with up to `max_iovecs` pieces of pending output (and about
  // `max_bytes`) starting at the exact byte where the last write stopped, and
  // marks them in flight. Returns the number of iovecs (0: nothing to write).
  size_t prepare(std::vector<iovec>& iov, size_t max_iovecs = kMaxIovecs, size_t max_bytes = SIZE_MAX);

  // The write of the in-flight segments finished with `written` bytes
  // (possibly fewer than offered): fully written segments are released,
  // a partly written one keeps its offset for the next prepare().
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
  // 16 bytes: either a shared frame or a reply buffer this queue owns.
  struct Segment {
    void* ptr;
    uint32_t offset;  // bytes of this segment already written
    bool is_frame;

    pubsub::LocalFrame* frame() const { return static_cast<pubsub::LocalFrame*>(ptr); }
    std::string* reply() const { return static_cast<std::string*>(ptr); }
    const char* data() const { return is_frame ? frame()->data() : reply()->data(); }
    size_t size() const { return is_frame ? frame()->size() : reply()->size(); }
  };

  Segment& at(size_t i) { return ring_[(head_ + i) & (capacity_ - 1)]; }
  const Segment& at(size_t i) const { return ring_[(head_ + i) & (capacity_ - 1)]; }
  Segment& push_back();
  void pop_front();
  void account_tail() const;

  // A ring of segments that grows by doubling: pushing a message allocates
  // nothing once the queue has reached its working size.
  size_t copy_frame_max_;
  std::unique_ptr<Segment[]> ring_;
  size_t capacity_ = 0;  // a power of two
  size_t head_ = 0;
  size_t size_ = 0;
  size_t in_flight_ = 0;
  std::unique_ptr<std::string> spare_reply_;  // recycled reply buffer

  // Bytes of every segment except growth of the open reply segment since it
  // was last accounted; `tail_accounted_` is what was counted for it.
  mutable size_t bytes_ = 0;
  mutable size_t tail_accounted_ = 0;
  bool tail_open_ = false;  // the last segment is reply bytes that may grow
};

}  // namespace ringcast::output
