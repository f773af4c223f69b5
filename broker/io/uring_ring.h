// Thin RAII wrappers over one liburing ring and its provided-buffer ring,
// for the io_uring backend. Owned and used by exactly one shard thread
// (IORING_SETUP_SINGLE_ISSUER).
#pragma once

#include <liburing.h>

#include <cstdint>

namespace ringcast::io::uring {

class Ring {
 public:
  Ring() = default;
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;
  ~Ring();

  // Returns 0 or -errno. Must run on the thread that will use the ring.
  int init(unsigned sq_entries, unsigned cq_entries);

  // Never null: a full submission queue is flushed to the kernel first, so a
  // request is never silently left unsubmitted.
  io_uring_sqe* sqe();

  // Submits everything queued; the others also wait for one completion, the
  // last for at most `timeout_ns` (one io_uring_enter: IORING_FEAT_EXT_ARG).
  int submit();
  int submit_and_wait();
  int submit_and_wait_for(int64_t timeout_ns);

  // Visits every ready completion, then marks them seen.
  template <class Visit>
  unsigned drain(Visit&& visit) {
    unsigned head, seen = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      visit(*cqe);
      ++seen;
    }
    io_uring_cq_advance(&ring_, seen);
    return seen;
  }

  // Posts a completion into another ring (MSG_RING) with `their_tag` as its
  // user_data and `res` as its result. Our own completion is skipped unless
  // it fails; then it comes back tagged `our_tag`.
  void post_to(int target_ring_fd, uint64_t their_tag, int32_t res, uint64_t our_tag);

  int fd() const { return ring_.ring_fd; }
  io_uring* raw() { return &ring_; }

 private:
  io_uring ring_{};
  bool ready_ = false;
};

// A ring of equally sized receive buffers the kernel picks from (buffer
// select). A buffer is lent to us by a recv completion and must be recycled
// once its bytes are consumed or copied.
class ProvidedBuffers {
 public:
  ProvidedBuffers() = default;
  ProvidedBuffers(const ProvidedBuffers&) = delete;
  ProvidedBuffers& operator=(const ProvidedBuffers&) = delete;
  ~ProvidedBuffers();

  // count must be a power of two. Returns 0 or -errno.
  int init(Ring& ring, uint16_t group, unsigned count, unsigned size);

  char* buffer(uint16_t id) { return storage_ + size_t(id) * size_; }
  unsigned buffer_size() const { return size_; }
  uint16_t group() const { return group_; }
  void recycle(uint16_t id);

 private:
  Ring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  size_t br_bytes_ = 0;
  char* storage_ = nullptr;
  size_t storage_bytes_ = 0;
  unsigned count_ = 0;
  unsigned size_ = 0;
  uint16_t group_ = 0;
};

}  // namespace ringcast::io::uring
