// Can the io_uring backend run here? Sets up a small ring and tries, for real,
// every kernel feature the backend relies on; the first one missing is named
// with the Linux version that brought it (the newest, multishot recv, is 6.0).
#include <liburing.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "io/backend.h"

namespace ringcast::io {
namespace {

std::string missing(const char* feature, const char* since) {
  return std::string("the kernel lacks ") + feature + " (Linux " + since + "+)";
}

std::string errno_text(int error) { return std::string(strerrordesc_np(error)) + " (" + strerrorname_np(error) + ")"; }

std::string first_line_of(const char* path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// "Seccomp: 2" in /proc/self/status: a seccomp filter is installed.
bool seccomp_filtered() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("Seccomp:", 0) == 0) return line.find('2') != std::string::npos;
  return false;
}

// io_uring_setup itself failed with `error`: say who refused.
std::string setup_refusal(int error) {
  const std::string call = "io_uring_setup: " + errno_text(error);
  if (error == EPERM) {
    const std::string disabled = first_line_of("/proc/sys/kernel/io_uring_disabled");
    if (disabled == "2") return call + ": io_uring is switched off (kernel.io_uring_disabled=2)";
    if (disabled == "1") return call + ": kernel.io_uring_disabled=1 and this user is not in kernel.io_uring_group";
    if (seccomp_filtered()) return call + ": refused by this process's seccomp filter (e.g. a container's default profile)";
    return call + ": refused by a security policy";
  }
  if (error == ENOSYS) {
    if (seccomp_filtered()) return call + ": refused by this process's seccomp filter, or a kernel without io_uring";
    return call + ": the kernel has no io_uring (before Linux 5.1, or built without CONFIG_IO_URING)";
  }
  return call;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Each check tags its request; the multishot requests of earlier checks
// stay armed and may still post, so completions are told apart by tag.
enum Tag : uint64_t { kPollTag = 1, kAcceptTag, kRecvTag };

// The next completion tagged `tag`, waiting at most a second for it.
bool next_completion(io_uring& ring, uint64_t tag, io_uring_cqe& out) {
  if (io_uring_submit(&ring) < 0) return false;
  for (;;) {
    __kernel_timespec timeout{.tv_sec = 1, .tv_nsec = 0};
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe_timeout(&ring, &cqe, &timeout) < 0) return false;
    out = *cqe;
    io_uring_cqe_seen(&ring, cqe);
    if (out.user_data == tag) return true;
  }
}

bool still_armed(const io_uring_cqe& cqe) { return cqe.res >= 0 && (cqe.flags & IORING_CQE_F_MORE); }

std::string check_opcodes(io_uring& ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  if (probe == nullptr) return missing("the operation probe IORING_REGISTER_PROBE", "5.6");
  struct Op {
    int op;
    const char* name;
    const char* since;
  };
  static constexpr Op kUsed[] = {
      {IORING_OP_WRITEV, "IORING_OP_WRITEV", "5.1"},         {IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD", "5.1"},
      {IORING_OP_TIMEOUT, "IORING_OP_TIMEOUT", "5.4"},       {IORING_OP_ACCEPT, "IORING_OP_ACCEPT", "5.5"},
      {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL", "5.5"}, {IORING_OP_RECV, "IORING_OP_RECV", "5.6"},
      {IORING_OP_MSG_RING, "IORING_OP_MSG_RING", "5.18"},
  };
  std::string lacking;
  for (const Op& op : kUsed)
    if (!io_uring_opcode_supported(probe, op.op)) {
      lacking = missing(op.name, op.since);
      break;
    }
  io_uring_free_probe(probe);
  return lacking;
}

// A provided-buffer ring, then a multishot recv into it from a socketpair.
std::string check_multishot_recv(io_uring& ring) {
  constexpr unsigned kCount = 2, kSize = 64;
  const size_t ring_bytes = sizeof(io_uring_buf) * kCount;
  void* mem = mmap(nullptr, ring_bytes + kCount * kSize, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (mem == MAP_FAILED) return "mmap: " + errno_text(errno);
  struct Unmap {
    void* mem;
    size_t bytes;
    ~Unmap() { munmap(mem, bytes); }
  } unmap{mem, ring_bytes + kCount * kSize};
  auto* br = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(br);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(br);
  reg.ring_entries = kCount;
  reg.bgid = 0;
  if (io_uring_register_buf_ring(&ring, &reg, 0) < 0) return missing("provided buffer rings (IORING_REGISTER_PBUF_RING)", "5.19");
  char* storage = static_cast<char*>(mem) + ring_bytes;
  for (unsigned i = 0; i < kCount; ++i)
    io_uring_buf_ring_add(br, storage + i * kSize, kSize, uint16_t(i), io_uring_buf_ring_mask(kCount), int(i));
  io_uring_buf_ring_advance(br, int(kCount));

  Fd pair[2];
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) return "socketpair: " + errno_text(errno);
  pair[0].fd = fds[0];
  pair[1].fd = fds[1];
  if (::write(fds[1], "ok", 2) != 2) return "socketpair write: " + errno_text(errno);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_recv_multishot(sqe, fds[0], nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 0;
  io_uring_sqe_set_data64(sqe, kRecvTag);
  io_uring_cqe cqe{};
  const bool done = next_completion(ring, kRecvTag, cqe);
  io_uring_unregister_buf_ring(&ring, 0);
  if (!done || cqe.res != 2 || !still_armed(cqe) || !(cqe.flags & IORING_CQE_F_BUFFER))
    return missing("multishot recv with provided buffers (IORING_RECV_MULTISHOT)", "6.0");
  return {};
}

// A multishot accept on a Unix listener (abstract address, nothing on disk).
std::string check_multishot_accept(io_uring& ring) {
  Fd listener{socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  socklen_t len = sizeof(sa_family_t);  // autobind: the kernel picks a free abstract name
  if (listener.fd < 0 || bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), len) < 0 || listen(listener.fd, 4) < 0)
    return "unix listener: " + errno_text(errno);
  len = sizeof addr;
  getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_multishot_accept(sqe, listener.fd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, kAcceptTag);
  io_uring_submit(&ring);
  Fd client{socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (client.fd < 0 || connect(client.fd, reinterpret_cast<sockaddr*>(&addr), len) < 0)
    return "unix connect: " + errno_text(errno);
  io_uring_cqe cqe{};
  const bool done = next_completion(ring, kAcceptTag, cqe);
  if (done && cqe.res >= 0) close(cqe.res);  // the socket accepted
  if (!done || !still_armed(cqe)) return missing("multishot accept (IORING_ACCEPT_MULTISHOT)", "5.19");
  return {};
}

// A multishot poll (the backend's watch on its eventfd).
std::string check_multishot_poll(io_uring& ring) {
  Fd efd{eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)};
  if (efd.fd < 0) return "eventfd: " + errno_text(errno);
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_poll_multishot(sqe, efd.fd, POLLIN);
  io_uring_sqe_set_data64(sqe, kPollTag);
  const uint64_t one = 1;
  if (::write(efd.fd, &one, sizeof one) != sizeof one) return "eventfd write: " + errno_text(errno);
  io_uring_cqe cqe{};
  if (!next_completion(ring, kPollTag, cqe) || !still_armed(cqe) || !(cqe.res & POLLIN))
    return missing("multishot poll (IORING_POLL_ADD_MULTI)", "5.13");
  return {};
}

// The probe proper, on the thread that runs it (see below).
std::string probe_here() {
  io_uring ring{};
  io_uring_params params{};
  params.flags = IORING_SETUP_CQSIZE;
  params.cq_entries = 64;
  if (int rc = io_uring_queue_init_params(16, &ring, &params); rc < 0) return setup_refusal(-rc);
  std::string lacking;
  if (!(params.features & IORING_FEAT_CQE_SKIP)) lacking = missing("IOSQE_CQE_SKIP_SUCCESS", "5.17");
  // Waits bounded by the coalescing window: a timeout passed to io_uring_enter.
  if (lacking.empty() && !(params.features & IORING_FEAT_EXT_ARG))
    lacking = missing("IORING_FEAT_EXT_ARG (timed waits)", "5.11");
  // Each check leaves multishot requests armed; tearing the ring down ends them.
  if (lacking.empty()) lacking = check_opcodes(ring);
  if (lacking.empty()) lacking = check_multishot_poll(ring);
  if (lacking.empty()) lacking = check_multishot_accept(ring);
  if (lacking.empty()) lacking = check_multishot_recv(ring);
  io_uring_queue_exit(&ring);
  return lacking;
}

}  // namespace

std::string uring_unavailable_reason() {
  // On a thread of its own: the requests the checks leave armed end after
  // the ring is torn down, and the kernel runs that clean-up as task work of
  // the thread that submitted them, interrupting whatever it blocks in then
  // (a recv with a timeout fails with EINTR). A thread that ends has it all
  // done before join() returns, and the caller's thread never sees any.
  std::string reason;
  std::thread prober([&reason] { reason = probe_here(); });
  prober.join();
  return reason;
}

}  // namespace ringcast::io
