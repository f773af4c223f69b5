// Socket plumbing for Conn: connect, epoll interest, buffered write, read+parse.
#include "conn.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "worker.h"

namespace ringcast::loadgen {
namespace {
constexpr size_t kDirectReadThreshold = 16 * 1024;
}  // namespace

Conn::~Conn() {
  if (fd_ >= 0) ::close(fd_);
}

bool Conn::start_connect() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    w_.counters()[kConnectErrors]++;
    dead_ = true;
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const sockaddr_in& a = w_.context().addrs[node];
  int rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  if (rc < 0 && errno != EINPROGRESS) {
    w_.counters()[kConnectErrors]++;
    ::close(fd_);
    fd_ = -1;
    dead_ = true;
    return false;
  }
  connecting_ = true;
  update_events();
  return true;
}

void Conn::update_events() {
  if (fd_ < 0) return;
  uint32_t want = EPOLLRDHUP;
  if (connecting_ || out_off_ < out_.size()) want |= EPOLLOUT;
  if (!connecting_ && want_read_) want |= EPOLLIN;
  if (want == registered_) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.ptr = this;
  int op = registered_ == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
  ::epoll_ctl(w_.epoll_fd(), op, fd_, &ev);
  registered_ = want;
}

void Conn::set_reading(bool on) {
  want_read_ = on;
  update_events();
}

void Conn::close_now() {
  if (dead_) return;
  dead_ = true;
  if (connecting_) w_.connect_finished();
  connecting_ = false;
  if (fd_ >= 0) {
    ::epoll_ctl(w_.epoll_fd(), EPOLL_CTL_DEL, fd_, nullptr);
    ::close(fd_);
    fd_ = -1;
  }
  w_.reap_later(this);
}

void Conn::send(std::string_view bytes) {
  out_.append(bytes);
  flush();
}

bool Conn::flush() {
  if (dead_ || connecting_) return !dead_;
  while (out_off_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    if (n > 0) {
      out_off_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    on_lost(false);
    close_now();
    return false;
  }
  if (out_off_ == out_.size()) {
    out_.clear();
    out_off_ = 0;
  } else if (out_off_ > (1u << 20) && out_off_ * 2 > out_.size()) {
    out_.erase(0, out_off_);  // keep the buffer from growing with sent bytes
    out_off_ = 0;
  }
  update_events();
  return true;
}

void Conn::handle_events(uint32_t events, uint64_t now) {
  if (dead_) return;
  if (connecting_) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 || (events & EPOLLERR)) {
      w_.counters()[kConnectErrors]++;
      on_lost(true);
      close_now();
      return;
    }
    if (!(events & EPOLLOUT)) return;
    connecting_ = false;
    w_.connect_finished();
    update_events();
    on_connected(now);
    if (!dead_) flush();
    return;
  }
  if (events & EPOLLOUT) {
    if (!flush()) return;
  }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && want_read_) {
    read_ready(now);
  } else if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    // Peer closed while we are not reading (a stopped slow subscriber).
    on_lost(false);
    close_now();
  }
}

bool Conn::parse_buffer(const char* data, size_t len, size_t& consumed, uint64_t now) {
  consumed = 0;
  Reply r;
  while (consumed < len) {
    ParseResult pr = parse_reply(data + consumed, len - consumed, r);
    if (pr.status == ParseStatus::kNeedMore) break;
    if (pr.status == ParseStatus::kProtocolError) {
      w_.counters()[kProtocolErrors]++;
      on_lost(false);
      close_now();
      return false;
    }
    consumed += pr.consumed;
    if (!on_reply(r, now)) {
      close_now();
      return false;
    }
  }
  return true;
}

void Conn::read_ready(uint64_t now) {
  // A few reads per wake-up keep one busy connection from starving the others.
  for (int round = 0; round < 4 && !dead_ && want_read_; ++round) {
    size_t cap = std::min(w_.scratch_size(), read_budget());
    if (cap == 0) return;
    // A big partial reply (a large payload) is completed in place: receive
    // straight behind it, 64 KiB at a time. Otherwise receive into the shared
    // scratch behind a copy of the (small) leftover, so idle connections hold
    // only their leftover bytes.
    bool into_carry = carry_.size() >= kDirectReadThreshold;
    size_t pre = into_carry ? 0 : carry_.size();
    if (into_carry) cap = std::min<size_t>(cap, 64 * 1024);
    else cap = std::min(cap, w_.scratch_size() - pre);
    char* buf = into_carry ? carry_.prepare(cap) : w_.scratch() + pre;
    ssize_t n = ::recv(fd_, buf, cap, 0);
    if (n == 0) {
      on_lost(false);
      close_now();
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      on_lost(false);
      close_now();
      return;
    }
    on_bytes_read(static_cast<size_t>(n));
    size_t consumed = 0;
    if (!into_carry) {
      char* start = w_.scratch();
      if (pre > 0) {
        std::memcpy(start, carry_.data(), pre);
        carry_.consume(pre);
      }
      size_t total = pre + static_cast<size_t>(n);
      if (!parse_buffer(start, total, consumed, now)) return;
      if (consumed < total) carry_.append(start + consumed, total - consumed);
    } else {
      carry_.commit(static_cast<size_t>(n));
      if (!parse_buffer(carry_.data(), carry_.size(), consumed, now)) return;
      carry_.consume(consumed);
    }
    if (static_cast<size_t>(n) < cap) return;  // socket drained
  }
}

}  // namespace ringcast::loadgen
