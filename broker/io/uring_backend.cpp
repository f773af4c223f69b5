// The io_uring backend: turns the shard's requests into SQEs and the CQEs
// that come back into typed events (io/backend.h).
#include "io/uring_backend.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "io/uring_user_data.h"

namespace ringcast::io::uring {
namespace {

constexpr unsigned kSqEntries = 4096;
constexpr unsigned kCqEntries = 65536;
constexpr uint16_t kBufferGroup = 0;  // the one provided-buffer ring of the shard

}  // namespace

UringBackend::UringBackend(Events& events, const Options& options) : events_(events), options_(options) {}

UringBackend::~UringBackend() {
  if (wake_fd_ >= 0) close(wake_fd_);
}

int UringBackend::init() {
  if (int rc = ring_.init(kSqEntries, kCqEntries); rc < 0) return rc;
  ring_fd_ = ring_.fd();
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return -errno;
  if (int rc = buffers_.init(ring_, kBufferGroup, options_.receive_buffers, options_.receive_buffer_size); rc < 0)
    return rc;
  // Queued now, submitted by the first wait(): a wake-up written before that
  // leaves the eventfd readable, and the poll fires at once.
  watch_wake_fd();
  return 0;
}

void UringBackend::wait(int64_t max_sleep_ns) {
  if (max_sleep_ns == kNoSleep) {
    ring_.submit();
  } else if (max_sleep_ns < 0) {
    ring_.submit_and_wait();
  } else {
    ring_.submit_and_wait_for(max_sleep_ns);
  }
}

void UringBackend::dispatch() {
  ring_.drain([this](const io_uring_cqe& cqe) { complete(cqe); });
  restart_receives();
}

void UringBackend::complete(const io_uring_cqe& cqe) {
  const uint32_t index = index_of(cqe.user_data);
  const bool more = cqe.flags & IORING_CQE_F_MORE;
  switch (op_of(cqe.user_data)) {
    case Op::Accept: on_accept(cqe.res, more); break;
    case Op::Recv: on_recv(index, cqe.res, cqe.flags); break;
    case Op::Write: events_.on_written(index, cqe.res); break;
    case Op::Tick:
      if (accept_paused_ && accepting_) {
        accept_paused_ = false;
        submit_accept();
      }
      events_.on_tick();
      break;
    case Op::Wake: break;  // only ends the wait: the shard looks at its inbox after every dispatch
    case Op::NewConn:
      if (cqe.res >= 0) events_.on_socket_handed(cqe.res);
      break;
    case Op::Handoff:
      // Posting the socket to its shard failed; serve it here rather than lose it.
      if (cqe.res < 0) events_.on_socket_handed(int(index));
      break;
    case Op::ExternalWake: {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof count);  // reset; the shard looks at its inbox after this dispatch
      if (!more) watch_wake_fd();
      break;
    }
    case Op::Ignored: break;
  }
}

// Accepting.

void UringBackend::start_accepting(int listen_fd) {
  listen_fd_ = listen_fd;
  accepting_ = true;
  submit_accept();
}

void UringBackend::stop_accepting() {
  if (!accepting_) return;
  accepting_ = false;
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_cancel64(sqe, pack(Op::Accept, 0), 0);
  io_uring_sqe_set_data64(sqe, pack(Op::Ignored, 0));
}

void UringBackend::submit_accept() {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, pack(Op::Accept, 0));
}

void UringBackend::on_accept(int res, bool more) {
  if (res < 0) {
    if (res == -ECANCELED) return;
    // Out of descriptors (or another failure that would repeat at once):
    // accepting again right away would spin, so wait for the next tick.
    if (!more) accept_paused_ = true;
    events_.on_accept_failed(res);
    return;
  }
  if (!more && accepting_) submit_accept();
  if (!accepting_) {
    close(res);
    return;
  }
  events_.on_accepted(res);
}

// Receiving.

void UringBackend::start_receiving(ConnId conn, int fd) {
  if (conn >= receives_.size()) receives_.resize(size_t(conn) + 1);
  receives_[conn] = Receive{.fd = fd};
  submit_recv(conn);
}

void UringBackend::submit_recv(ConnId conn) {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_recv_multishot(sqe, receives_[conn].fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = buffers_.group();
  io_uring_sqe_set_data64(sqe, pack(Op::Recv, conn));
  receives_[conn].in_kernel = true;
}

void UringBackend::on_recv(ConnId conn, int res, uint32_t flags) {
  // Events may start receiving on other connections and so grow receives_:
  // index it afresh after each call out.
  const bool more = flags & IORING_CQE_F_MORE;
  if (!more) receives_[conn].in_kernel = false;  // before on_data: a stop() there needs no cancel
  if (res > 0) {
    const auto id = uint16_t(flags >> IORING_CQE_BUFFER_SHIFT);
    events_.on_data(conn, buffers_.buffer(id), size_t(res));
    buffers_.recycle(id);
    if (more) return;
    // A multishot recv may end after data (e.g. completion queue pressure):
    // the connection is fine, receive on.
    if (!receives_[conn].stopped) {
      submit_recv(conn);
      return;
    }
    res = -ECANCELED;
  } else if (res == -ENOBUFS && !receives_[conn].stopped) {
    // Every buffer is lent out: back-pressure, not failure. Buffers come back
    // as this dispatch's completions are handled; restart after that.
    Receive& r = receives_[conn];
    if (!r.out_of_buffers) {
      r.out_of_buffers = true;
      receive_restarts_.push_back(conn);
    }
    return;
  }
  // An ending recv never carries MORE; were one to, the receive would still
  // be armed, and reporting its end now would free the connection too early.
  if (more) return;
  // A receive we ended (stop, pause) reports that, whether the kernel saw our
  // cancel or ran out of buffers first.
  if (res == -ENOBUFS && receives_[conn].stopped) res = -ECANCELED;
  events_.on_receive_ended(conn, res);
}

void UringBackend::restart_receives() {
  // on_receive_ended may stop other connections, never add restarts: only
  // completions do. Indexed, not iterated, all the same.
  for (size_t i = 0; i < receive_restarts_.size(); ++i) {
    const ConnId conn = receive_restarts_[i];
    receives_[conn].out_of_buffers = false;
    if (receives_[conn].stopped) {
      events_.on_receive_ended(conn, -ECANCELED);
    } else {
      submit_recv(conn);
    }
  }
  receive_restarts_.clear();
}

void UringBackend::stop(ConnId conn, int fd) {
  // Ends the pending recv and any write in flight; their completions come
  // back with errors (or the peer's last bytes) and end them.
  shutdown(fd, SHUT_RDWR);
  end_receive(conn);
}

void UringBackend::pause_receiving(ConnId conn) { end_receive(conn); }

void UringBackend::end_receive(ConnId conn) {
  if (conn >= receives_.size()) return;
  Receive& r = receives_[conn];
  r.stopped = true;
  if (r.in_kernel) {
    io_uring_sqe* sqe = ring_.sqe();
    io_uring_prep_cancel64(sqe, pack(Op::Recv, conn), 0);
    io_uring_sqe_set_data64(sqe, pack(Op::Ignored, 0));
  }
}

// Writing, the tick, other shards and threads.

void UringBackend::write(ConnId conn, int fd, const iovec* iov, unsigned count) {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_writev(sqe, fd, iov, count, 0);
  io_uring_sqe_set_data64(sqe, pack(Op::Write, conn));
}

void UringBackend::schedule_tick(int64_t interval_ms) {
  tick_interval_.tv_sec = interval_ms / 1000;
  tick_interval_.tv_nsec = (interval_ms % 1000) * 1000000;
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_timeout(sqe, &tick_interval_, 0, 0);
  io_uring_sqe_set_data64(sqe, pack(Op::Tick, 0));
}

void UringBackend::hand_socket(Backend& target, int fd) {
  // Every shard of a node runs the same kind of backend (make_backend).
  const auto& to = static_cast<const UringBackend&>(target);
  ring_.post_to(to.ring_fd_, pack(Op::NewConn, 0), fd, pack(Op::Handoff, uint32_t(fd)));
}

void UringBackend::wake(Backend& target) {
  const auto& to = static_cast<const UringBackend&>(target);
  ring_.post_to(to.ring_fd_, pack(Op::Wake, 0), 0, pack(Op::Ignored, 0));
}

void UringBackend::watch_wake_fd() {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_poll_multishot(sqe, wake_fd_, POLLIN);
  io_uring_sqe_set_data64(sqe, pack(Op::ExternalWake, 0));
}

void UringBackend::wake_from_outside() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

}  // namespace ringcast::io::uring
