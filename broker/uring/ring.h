// Thin RAII wrapper over one liburing ring and its provided-buffer ring.
// Owned and used by exactly one shard thread (IORING_SETUP_SINGLE_ISSUER).
#pragma once

#include <liburing.h>

#include <cstdint>
#include <vector>

namespace ringcast::uring {

// What a completion belongs to: user_data = kind in the top byte, a
// connection slot (or other index) in the low 32 bits.
enum class Op : uint8_t {
  Accept = 1,   // multishot accept on the listening socket
  Recv,         // multishot recv into the provided-buffer ring
  Write,        // writev of a connection's output
  Tick,         // housekeeping timeout
  Wake,         // another shard posted work to our inbox (MSG_RING)
  NewConn,      // another shard handed us an accepted socket (MSG_RING, res = fd)
  Handoff,      // our MSG_RING of a socket (index = fd) failed: serve it ourselves
  ExternalWake, // a thread that is not a shard posted work (eventfd poll)
  Ignored,      // completions nobody waits for (cancels, failed MSG_RING)
};

constexpr uint64_t pack(Op op, uint32_t index) {
  return (uint64_t(op) << 56) | index;
}
constexpr Op op_of(uint64_t user_data) { return Op(user_data >> 56); }
constexpr uint32_t index_of(uint64_t user_data) { return uint32_t(user_data); }

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

  // Submits everything queued and waits for at least one completion.
  int submit_and_wait();

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

  // Posts a completion into another ring: (op, index) as its user_data and
  // `res` as its result. Our own completion is skipped unless it fails.
  void post_to(int target_ring_fd, Op op, uint32_t index, int32_t res);

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

}  // namespace ringcast::uring
