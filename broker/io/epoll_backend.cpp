// The epoll backend: readiness from an edge-triggered epoll set turned into
// the same typed events the io_uring backend delivers (io/backend.h).
#include "io/epoll_backend.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace ringcast::io::epoll {
namespace {

// What an epoll event belongs to, in its 64-bit data: the kind in the top
// byte, a connection id in the low 32 bits.
enum class Source : uint8_t { connection = 1, listener, wake };
constexpr uint64_t tag(Source source, uint32_t index = 0) { return (uint64_t(source) << 56) | index; }
constexpr Source source_of(uint64_t data) { return Source(data >> 56); }

constexpr int kMaxEvents = 1024;
// Reads of one connection per dispatch before the others get their turn; it
// is read again next dispatch if it still has bytes. 16 reads of 16 KiB let
// a pipelining publisher in as far as one multishot recv would.
constexpr int kReadsPerTurn = 16;
// Connections accepted per dispatch before the loop serves the others.
constexpr int kAcceptsPerTurn = 64;

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

EpollBackend::EpollBackend(Events& events, const Options& options)
    : events_(events), options_(options), receive_buffer_(options.receive_buffer_size), ready_(kMaxEvents) {}

EpollBackend::~EpollBackend() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

int EpollBackend::init() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return -errno;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return -errno;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = tag(Source::wake);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) < 0) return -errno;
  return 0;
}

// The loop.

bool EpollBackend::has_work_now() const {
  return !completions_.empty() || !read_queue_.empty() || (accept_pending_ && accepting_ && !accept_paused_);
}

int64_t EpollBackend::sleep_limit_ns(int64_t max_sleep_ns) const {
  if (!tick_pending_) return max_sleep_ns;
  const int64_t to_tick = std::max<int64_t>(0, tick_deadline_ns_ - monotonic_ns());
  return max_sleep_ns < 0 ? to_tick : std::min(to_tick, max_sleep_ns);
}

void EpollBackend::wait(int64_t max_sleep_ns) {
  // Work found outside dispatch() (a write that finished at once, a receive
  // to start reading) is as ready as anything the kernel could report.
  const int64_t limit_ns = has_work_now() ? kNoSleep : sleep_limit_ns(max_sleep_ns);
  int n;
  if (limit_ns <= 0 || !pwait2_works_) {
    // Rounded up: waking a little early would only spin until the deadline.
    const int64_t ms = limit_ns < 0 ? -1 : (limit_ns + 999999) / 1000000;
    n = epoll_wait(epoll_fd_, ready_.data(), int(ready_.size()), int(std::min<int64_t>(ms, INT_MAX)));
  } else {
    // Sub-millisecond sleeps (the coalescing window) need epoll_pwait2's timespec.
    const timespec timeout{.tv_sec = limit_ns / 1000000000, .tv_nsec = limit_ns % 1000000000};
    n = epoll_pwait2(epoll_fd_, ready_.data(), int(ready_.size()), &timeout, nullptr);
    if (n < 0 && (errno == ENOSYS || errno == EPERM)) {
      // Before Linux 5.11, or refused by a seccomp profile: milliseconds will do.
      pwait2_works_ = false;
      n = 0;
    }
  }
  ready_count_ = n < 0 ? 0 : n;  // EINTR: nothing ready, the loop comes back
}

void EpollBackend::dispatch() {
  const int count = ready_count_;
  ready_count_ = 0;
  for (int i = 0; i < count; ++i) {
    const epoll_event& ev = ready_[size_t(i)];
    switch (source_of(ev.data.u64)) {
      case Source::connection: on_socket_event(ConnId(uint32_t(ev.data.u64)), ev.events); break;
      case Source::listener: accept_pending_ = true; break;
      case Source::wake: take_wake_ups(); break;
    }
  }
  if (accept_pending_ && accepting_ && !accept_paused_) accept_ready();
  read_ready();
  if (tick_pending_ && monotonic_ns() >= tick_deadline_ns_) {
    tick_pending_ = false;
    if (accept_paused_) {
      // The edge that announced the waiting connections is long gone: look again.
      accept_paused_ = false;
      accept_pending_ = true;
    }
    events_.on_tick();
  }
  deliver_completions();
}

void EpollBackend::deliver_completions() {
  // Handlers may queue more (a write's handler stopping another connection):
  // those are delivered in this same round.
  while (!completions_.empty()) {
    delivering_.swap(completions_);
    for (const Completion& done : delivering_) {
      if (done.kind == Completion::Kind::written) {
        events_.on_written(done.conn, done.result);
      } else {
        conns_[done.conn].receive = Receive::idle;
        events_.on_receive_ended(done.conn, done.result);
      }
    }
    delivering_.clear();
  }
}

// Connections.

EpollBackend::Conn& EpollBackend::conn_state(ConnId conn) {
  if (conn >= conns_.size()) conns_.resize(size_t(conn) + 1);
  return conns_[conn];
}

int EpollBackend::register_socket(ConnId conn, int fd) {
  Conn& c = conn_state(conn);
  if (c.registered && c.fd == fd) return 0;
  // A new socket under this id (the last one was stopped): nothing carries over.
  c = Conn{.fd = fd};
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = tag(Source::connection, conn);
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) < 0) return -errno;  // ENOMEM, ENOSPC (max_user_watches)
  c.registered = true;
  return 0;
}

void EpollBackend::on_socket_event(ConnId conn, uint32_t events) {
  // A connection stopped earlier in this dispatch is out of the set, and its
  // id is not reused before the next wait(): its events are dropped here.
  if (conn >= conns_.size() || !conns_[conn].registered) return;
  Conn& c = conns_[conn];
  // Remembered also while no receive runs: a receive started later must not
  // stop at a short read before the end that is already there.
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) c.hung_up = true;
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && c.receive == Receive::running && !c.to_read) {
    c.to_read = true;
    read_queue_.push_back(conn);
  }
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
    c.writable = true;
    if (c.write_parked) retry_parked_write(conn);
  }
}

void EpollBackend::start_receiving(ConnId conn, int fd) {
  const int error = register_socket(conn, fd);
  Conn& c = conns_[conn];
  if (error < 0) {
    // Unwatched, the receive would wait for an edge that never comes: end it.
    c.receive = Receive::ending;
    completions_.push_back({Completion::Kind::receive_ended, conn, error});
    return;
  }
  c.receive = Receive::running;
  // Bytes may have arrived before (their edge was ignored): read at once.
  if (!c.to_read) {
    c.to_read = true;
    read_queue_.push_back(conn);
  }
}

void EpollBackend::read_ready() {
  // Handlers may queue connections (a receive restarted after a pause):
  // those wait for the next dispatch, which wait() then does not delay.
  reading_.swap(read_queue_);
  for (size_t i = 0; i < reading_.size(); ++i) {
    const ConnId conn = reading_[i];
    if (conns_[conn].receive != Receive::running) {
      conns_[conn].to_read = false;
      continue;
    }
    if (read_some(conn)) {
      read_queue_.push_back(conn);  // still flagged to_read
    } else {
      conns_[conn].to_read = false;
    }
  }
  reading_.clear();
}

bool EpollBackend::read_some(ConnId conn) {
  for (int turn = 0; turn < kReadsPerTurn; ++turn) {
    const int fd = conns_[conn].fd;
    const ssize_t n = recv(fd, receive_buffer_.data(), receive_buffer_.size(), MSG_DONTWAIT);
    if (n > 0) {
      events_.on_data(conn, receive_buffer_.data(), size_t(n));
      // on_data may have paused or stopped this receive (or started others,
      // growing conns_): look afresh.
      if (conns_[conn].receive != Receive::running) return false;
      // Less than a full buffer: the kernel had no more, and the next bytes
      // to arrive bring a new edge. Not so the end of a peer that hung up:
      // it came with the edge of these bytes, so recv on until it says 0.
      if (size_t(n) < receive_buffer_.size() && !conns_[conn].hung_up) return false;
      continue;
    }
    if (n == 0) {
      end_receive_now(conn, 0);  // the peer closed
      return false;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
    if (errno == EINTR) continue;
    end_receive_now(conn, -errno);
    return false;
  }
  return true;
}

void EpollBackend::end_receive_now(ConnId conn, int result) {
  conns_[conn].receive = Receive::idle;
  events_.on_receive_ended(conn, result);
}

void EpollBackend::pause_receiving(ConnId conn) {
  if (conn >= conns_.size() || conns_[conn].receive != Receive::running) return;
  // Nothing more is read: what the peer sends stays in the kernel.
  conns_[conn].receive = Receive::ending;
  completions_.push_back({Completion::Kind::receive_ended, conn, -ECANCELED});
}

void EpollBackend::stop(ConnId conn, int fd) {
  shutdown(fd, SHUT_RDWR);
  if (conn >= conns_.size()) return;
  Conn& c = conns_[conn];
  if (c.registered && c.fd == fd) {
    // Out of the set now: the caller closes the fd later, maybe after its
    // number and this id went to a new connection.
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    c.registered = false;
  }
  if (c.receive == Receive::running) {
    c.receive = Receive::ending;
    completions_.push_back({Completion::Kind::receive_ended, conn, -ECANCELED});
  }
  if (c.write_parked) {
    // After the shutdown the send fails at once (EPIPE), as the io_uring
    // write in flight does.
    c.write_parked = false;
    const int result = send_now(c);
    completions_.push_back({Completion::Kind::written, conn, result == -EAGAIN ? -ECANCELED : result});
  }
}

// Writing.

int EpollBackend::send_now(Conn& c) {
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(c.iov);
  msg.msg_iovlen = c.iov_count;
  for (;;) {
    // MSG_NOSIGNAL: a peer that vanished is an EPIPE, never a signal.
    const ssize_t n = sendmsg(c.fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return int(n);
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return -EAGAIN;
    return -errno;
  }
}

void EpollBackend::write(ConnId conn, int fd, const iovec* iov, unsigned count) {
  if (const int error = register_socket(conn, fd); error < 0) {
    completions_.push_back({Completion::Kind::written, conn, error});
    return;
  }
  Conn& c = conns_[conn];
  c.iov = iov;
  c.iov_count = count;
  if (c.writable) {
    size_t asked = 0;
    for (unsigned i = 0; i < count; ++i) asked += iov[i].iov_len;
    const int result = send_now(c);
    if (result != -EAGAIN) {
      // A short write means the socket buffer is full: wait for EPOLLOUT
      // before the next one rather than meet EAGAIN.
      if (result >= 0 && size_t(result) < asked) c.writable = false;
      completions_.push_back({Completion::Kind::written, conn, result});
      return;
    }
    c.writable = false;
  }
  c.write_parked = true;
}

void EpollBackend::retry_parked_write(ConnId conn) {
  Conn& c = conns_[conn];
  const int result = send_now(c);
  if (result == -EAGAIN) {
    c.writable = false;  // the edge came before the room: wait for the next one
    return;
  }
  c.write_parked = false;
  completions_.push_back({Completion::Kind::written, conn, result});
}

// Accepting.

void EpollBackend::start_accepting(int listen_fd) {
  listen_fd_ = listen_fd;
  // accept4 must never block the shard: only the flag on the listener says so.
  const int flags = fcntl(listen_fd, F_GETFL);
  if (flags >= 0) fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = tag(Source::listener);
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd, &ev);
  accepting_ = true;
  accept_paused_ = false;
  accept_pending_ = true;  // connections may be waiting already; their edge came before
}

void EpollBackend::stop_accepting() {
  if (!accepting_) return;
  accepting_ = false;
  accept_pending_ = false;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
}

void EpollBackend::accept_ready() {
  for (int turn = 0; turn < kAcceptsPerTurn; ++turn) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) {
      events_.on_accepted(fd);
      if (!accepting_) return;  // the handler stopped accepting
      continue;
    }
    switch (errno) {
      case EAGAIN:
#if EAGAIN != EWOULDBLOCK
      case EWOULDBLOCK:
#endif
        accept_pending_ = false;
        return;
      case EINTR:
      case ECONNABORTED:  // that client gave up; the next may be there
        continue;
      default:
        // Out of descriptors (or another failure that would repeat at once):
        // accepting again right away would spin, so wait for the next tick.
        accept_paused_ = true;
        events_.on_accept_failed(-errno);
        return;
    }
  }
  // The share is used up; accept_pending_ stays set, so wait() does not sleep.
}

// Ticks, other shards and threads.

void EpollBackend::schedule_tick(int64_t interval_ms) {
  tick_pending_ = true;
  tick_deadline_ns_ = monotonic_ns() + interval_ms * 1000000;
}

void EpollBackend::hand_socket(Backend& target, int fd) {
  // Every shard of a node runs the same kind of backend (make_backend).
  auto& to = static_cast<EpollBackend&>(target);
  to.handed_.push(fd);
  to.wake_from_outside();
}

void EpollBackend::wake(Backend& target) { static_cast<EpollBackend&>(target).wake_from_outside(); }

void EpollBackend::wake_from_outside() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void EpollBackend::take_wake_ups() {
  uint64_t count;
  (void)!read(wake_fd_, &count, sizeof count);  // reset; the shard looks at its inbox after this dispatch
  handed_.take(handed_sockets_);
  for (int fd : handed_sockets_) events_.on_socket_handed(fd);
}

}  // namespace ringcast::io::epoll
