// liburing set-up for a shard: the ring itself and the provided-buffer ring.
#include "io/uring_ring.h"

#include <sys/mman.h>

#include <cerrno>

namespace ringcast::io::uring {

Ring::~Ring() {
  if (ready_) io_uring_queue_exit(&ring_);
}

int Ring::init(unsigned sq_entries, unsigned cq_entries) {
  io_uring_params params{};
  // One thread submits and reaps; task work runs when we enter the kernel,
  // which the loop does once per iteration anyway.
  params.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN |
                 IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_CQSIZE;
  params.cq_entries = cq_entries;
  int rc = io_uring_queue_init_params(sq_entries, &ring_, &params);
  if (rc < 0) {
    // Older kernels lack SINGLE_ISSUER / COOP_TASKRUN; the plain ring works the same.
    params = io_uring_params{};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = cq_entries;
    rc = io_uring_queue_init_params(sq_entries, &ring_, &params);
  }
  if (rc < 0) return rc;
  ready_ = true;
  return 0;
}

io_uring_sqe* Ring::sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

int Ring::submit() { return io_uring_submit(&ring_); }

int Ring::submit_and_wait() { return io_uring_submit_and_wait(&ring_, 1); }

int Ring::submit_and_wait_for(int64_t timeout_ns) {
  __kernel_timespec timeout{.tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000};
  io_uring_cqe* cqe = nullptr;
  return io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &timeout, nullptr);
}

void Ring::post_to(int target_ring_fd, uint64_t their_tag, int32_t res, uint64_t our_tag) {
  io_uring_sqe* s = sqe();
  io_uring_prep_msg_ring(s, target_ring_fd, uint32_t(res), their_tag, 0);
  io_uring_sqe_set_data64(s, our_tag);
  s->flags |= IOSQE_CQE_SKIP_SUCCESS;
}

ProvidedBuffers::~ProvidedBuffers() {
  if (br_ != nullptr) {
    io_uring_unregister_buf_ring(ring_->raw(), group_);
    munmap(br_, br_bytes_);
  }
  if (storage_ != nullptr) munmap(storage_, storage_bytes_);
}

int ProvidedBuffers::init(Ring& ring, uint16_t group, unsigned count, unsigned size) {
  ring_ = &ring;
  group_ = group;
  count_ = count;
  size_ = size;
  // liburing 2.3 has no io_uring_setup_buf_ring: map, init and register by hand.
  br_bytes_ = sizeof(io_uring_buf) * count;
  void* mem = mmap(nullptr, br_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  br_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(br_);

  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(br_);
  reg.ring_entries = count;
  reg.bgid = group;
  int rc = io_uring_register_buf_ring(ring.raw(), &reg, 0);
  if (rc < 0) {
    munmap(br_, br_bytes_);
    br_ = nullptr;
    return rc;
  }

  // Untouched pages of this mapping cost no resident memory.
  storage_bytes_ = size_t(count) * size;
  mem = mmap(nullptr, storage_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) return -errno;
  storage_ = static_cast<char*>(mem);
  const int mask = io_uring_buf_ring_mask(count);
  for (unsigned i = 0; i < count; ++i) io_uring_buf_ring_add(br_, buffer(uint16_t(i)), size, uint16_t(i), mask, int(i));
  io_uring_buf_ring_advance(br_, int(count));
  return 0;
}

void ProvidedBuffers::recycle(uint16_t id) {
  io_uring_buf_ring_add(br_, buffer(id), size_, id, io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(br_, 1);
}

}  // namespace ringcast::io::uring
