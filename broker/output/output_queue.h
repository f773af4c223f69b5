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
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "pubsub/frame.h"

namespace ringcast::output {

// Linux's IOV_MAX: a writev with more iovecs fails with EINVAL.
inline constexpr size_t kMaxIovecs = 1024;

class OutputQueue {
 public:
  OutputQueue() = default;
  OutputQueue(const OutputQueue&) = delete;
  OutputQueue& operator=(const OutputQueue&) = delete;
  ~OutputQueue() { clear(); }

  // Bytes to append a reply to; consecutive replies share one segment.
  std::string& reply_bytes();
  void append(std::string_view bytes) { reply_bytes().append(bytes); }

  // Queues a reference to a shared frame (takes one LocalFrame ref).
  void push_frame(pubsub::LocalFrame* frame);

  // Fills `iov` with up to `max_iovecs` pieces of pending output starting at
  // the exact byte where the last write stopped, and marks them in flight.
  // Returns the number of iovecs (0: nothing to write).
  size_t prepare(std::vector<iovec>& iov, size_t max_iovecs = kMaxIovecs);

  // The write of the in-flight segments finished with `written` bytes
  // (possibly fewer than offered): fully written segments are released,
  // a partly written one keeps its offset for the next prepare().
  void complete(size_t written);

  bool empty() const { return segments_.empty(); }
  bool in_flight() const { return in_flight_ != 0; }
  size_t segments() const { return segments_.size(); }
  // Bytes still to be written: what this client holds in memory.
  size_t bytes() const;

  // Drops everything: on close, once no write is in flight (or the ring is gone).
  void clear();

 private:
  struct Segment {
    pubsub::LocalFrame* frame = nullptr;  // shared bytes, or nullptr for `own`
    uint32_t offset = 0;                  // bytes of this segment already written
    std::string own;

    const char* data() const { return frame ? frame->data() : own.data(); }
    size_t size() const { return frame ? frame->size() : own.size(); }
  };

  void release(Segment& s) {
    if (s.frame) s.frame->unref();
  }
  void account_tail() const;

  std::deque<Segment> segments_;
  size_t in_flight_ = 0;
  // Bytes of every segment except growth of the open reply segment since it
  // was last accounted; `tail_accounted_` is what was counted for it.
  mutable size_t bytes_ = 0;
  mutable size_t tail_accounted_ = 0;
  bool tail_open_ = false;  // the last segment is reply bytes that may grow
};

}  // namespace ringcast::output
