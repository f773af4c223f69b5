// The shard's event loop: completions, accepting, the housekeeping tick,
// cross-shard hand-off, and shutdown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "shard/shard.h"
#include "core/clock.h"

namespace ringcast {
namespace {

constexpr unsigned kSqEntries = 4096;
constexpr unsigned kCqEntries = 65536;
constexpr unsigned kRecvBuffers = 1024;        // per shard, a power of two
constexpr unsigned kRecvBufferSize = 16 * 1024;
constexpr int64_t kTickMs = 100;

__kernel_timespec tick_interval{0, kTickMs * 1000000};

}  // namespace

Shard::Shard(Node& node, unsigned index, const config::Config& settings, std::shared_ptr<const acl::Registry> acl)
    : node_(node), index_(index), engine_(index, node.directory, *this, node.cluster, *this, arm_queue_, counters_) {
  apply_settings(settings, std::move(acl));
}

void Shard::apply_settings(const config::Config& settings, std::shared_ptr<const acl::Registry> acl) {
  settings_ = settings;
  engine_.apply_settings(settings);
  parser_.set_limits(resp::ParseLimits{settings.max_bulk_len, 1024 * 1024, 64 * 1024});
  if (acl == acl_) return;
  acl_ = std::move(acl);
  // Nothing may point into the old users once this returns: move every
  // connection to the new user of the same name, as Redis does after ACL
  // changes, closing those whose user is gone or lost rights it relies on.
  std::vector<Connection*> orphans;
  for (auto& c : conns_) {
    if (!c || c->closing || c->user == nullptr) continue;
    const acl::User* now = acl_->find(c->user->name());
    if (now == nullptr || !now->enabled()) {
      orphans.push_back(c.get());
      c->user = &acl_->default_user();
      continue;
    }
    c->user = now;
    subscriptions_permitted(*c);
  }
  for (Connection* c : orphans) close_connection(*c, "its user was removed or disabled by a reload");
}

Shard::~Shard() {
  if (wake_fd_ >= 0) close(wake_fd_);
  // Connections before the engine: their queues hold the engine's FrameRefs.
  for (auto& c : conns_)
    if (c) {
      if (c->fd >= 0) close(c->fd);
      c->out.clear();
    }
  conns_.clear();
}

int Shard::init() {
  if (int rc = ring_.init(kSqEntries, kCqEntries); rc < 0) return rc;
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return -errno;
  if (int rc = buffers_.init(ring_, 0, kRecvBuffers, kRecvBufferSize); rc < 0) return rc;
  return 0;
}

void Shard::run() {
  now_ms_ = monotonic_ms();
  next_rate_sample_ms_ = now_ms_ + 1000;
  if (index_ == 0) {
    accepting_ = true;
    start_accepting();
  }
  schedule_tick();
  watch_external_wake();
  while (!(shutting_down_ && live_conns_ == 0)) {
    // Tasks a shard posts to itself are run next iteration, without sleeping.
    if (!engine_.has_own_work()) {
      ring_.submit_and_wait();
    } else {
      io_uring_submit(ring_.raw());
    }
    const int64_t busy_from_ns = monotonic_ns();
    now_ms_ = busy_from_ns / 1000000;
    engine_.set_now(now_ms_);
    counters_.loop_iterations.add();
    ring_.drain([this](const io_uring_cqe& cqe) { dispatch(cqe); });
    engine_.drain_inbox();
    close_doomed();
    for (Connection* c : receive_restarts_) {
      c->needs_receive_restart = false;
      if (!c->closing) {
        start_receiving(*c);
      } else {
        arm(*c);
      }
    }
    receive_restarts_.clear();
    flush_writes();
    engine_.flush_outboxes();
    counters_.loop_busy_us.add(uint64_t(monotonic_ns() - busy_from_ns) / 1000);
  }
  engine_.flush_outboxes();
}

void Shard::dispatch(const io_uring_cqe& cqe) {
  using uring::Op;
  const uint32_t index = uring::index_of(cqe.user_data);
  switch (uring::op_of(cqe.user_data)) {
    case Op::Accept: on_accept(cqe.res, cqe.flags); break;
    case Op::Recv: on_recv(*conns_[index], cqe.res, cqe.flags); break;
    case Op::Write: on_write(*conns_[index], cqe.res); break;
    case Op::Tick: on_tick(); break;
    case Op::Wake: break;  // the inbox is drained after every batch of completions
    case Op::NewConn: adopt_socket(cqe.res); break;
    case Op::Handoff:
      // Posting the socket to its shard failed; serve it here rather than lose it.
      if (cqe.res < 0) adopt_socket(int(index));
      break;
    case Op::ExternalWake: {
      uint64_t count;
      (void)!read(wake_fd_, &count, sizeof count);  // reset; the inbox is drained after this batch
      if (!(cqe.flags & IORING_CQE_F_MORE)) watch_external_wake();
      break;
    }
    case Op::Ignored: break;
  }
}

void Shard::watch_external_wake() {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_poll_multishot(sqe, wake_fd_, POLLIN);
  io_uring_sqe_set_data64(sqe, uring::pack(uring::Op::ExternalWake, 0));
}

void Shard::post_external(engine::Task task) {
  std::vector<engine::Envelope> batch;
  batch.push_back(engine::Envelope{{}, std::move(task)});
  engine_.inbox().push(batch);
  wake_from_outside();
}

void Shard::wake_from_outside() {
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
}

bool Shard::post_remote(pubsub::RoutedMessage message) {
  switch (engine_.accept_remote(message)) {
    case engine::PubSubEngine::Accepted::dropped: return false;
    case engine::PubSubEngine::Accepted::queued: return true;
    case engine::PubSubEngine::Accepted::queued_wake: break;
  }
  wake_from_outside();
  return true;
}

void Shard::hand_over(unsigned target, std::vector<engine::Envelope>& batch) {
  Shard& to = *node_.shards[target];
  if (to.engine().inbox().push(batch)) ring_.post_to(to.ring_fd(), uring::Op::Wake, 0, 0);
}

void Shard::start_accepting() {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_multishot_accept(sqe, node_.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, uring::pack(uring::Op::Accept, 0));
}

void Shard::schedule_tick() {
  io_uring_sqe* sqe = ring_.sqe();
  io_uring_prep_timeout(sqe, &tick_interval, 0, 0);
  io_uring_sqe_set_data64(sqe, uring::pack(uring::Op::Tick, 0));
}

void Shard::on_accept(int res, uint32_t flags) {
  if (res < 0) {
    if (res == -ECANCELED) return;
    // Out of descriptors (or another failure that would repeat at once):
    // accepting again right away would spin, so wait for the next tick.
    if (now_ms_ - last_accept_error_log_ms_ >= 1000) {
      last_accept_error_log_ms_ = now_ms_;
      spdlog::warn("accepting connections failed: {} (retrying every {} ms)", strerror(-res), kTickMs);
    }
    if (!(flags & IORING_CQE_F_MORE)) accept_paused_ = true;
    return;
  }
  if (!(flags & IORING_CQE_F_MORE) && accepting_) start_accepting();
  if (!accepting_) {
    close(res);
    return;
  }
  if (!node_.clients.admit()) {
    // Redis's answer to one client too many; a plain non-blocking send is
    // enough for 38 bytes into a fresh socket buffer.
    static constexpr std::string_view kFull = "-ERR max number of clients reached\r\n";
    (void)!send(res, kFull.data(), kFull.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    close(res);
    spdlog::warn("refused a connection: maxclients ({}) reached", node_.clients.maxclients());
    return;
  }
  // Round-robin keeps the spread even and predictable (INFO shows it).
  const unsigned target = next_accept_target_++ % shard_count();
  if (target == index_) {
    adopt_socket(res);
  } else {
    io_uring_sqe* sqe = ring_.sqe();
    io_uring_prep_msg_ring(sqe, node_.shards[target]->ring_fd(), uint32_t(res),
                           uring::pack(uring::Op::NewConn, 0), 0);
    io_uring_sqe_set_data64(sqe, uring::pack(uring::Op::Handoff, uint32_t(res)));
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  }
}

namespace {

std::string endpoint(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace

void Shard::adopt_socket(int fd) {
  if (fd < 0) return;
  if (shutting_down_) {
    close(fd);
    node_.clients.gone();
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (settings_.tcp_keepalive_seconds != 0) {
    // As Redis's anetKeepAlive: probe after the interval, then every third of it.
    const int idle = int(settings_.tcp_keepalive_seconds);
    const int interval = std::max(1, idle / 3);
    const int probes = 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
  }
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = uint32_t(conns_.size());
    conns_.emplace_back();
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  conns_[slot] = std::make_unique<Connection>();
  Connection& c = *conns_[slot];
  c.slot = slot;
  c.fd = fd;
  c.id = node_.clients.next_id();
  c.created_ms = c.last_active_ms = now_ms_;
  reset_user(c);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) c.addr = endpoint(ss);
  len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) c.laddr = endpoint(ss);
  ++live_conns_;
  counters_.connections.set(live_conns_);
  counters_.connections_received.add();
  spdlog::debug("shard {}: client id={} addr={} connected", index_, c.id, c.addr);
  start_receiving(c);
}

void Shard::on_tick() {
  schedule_tick();
  if (accept_paused_ && accepting_) {
    accept_paused_ = false;
    start_accepting();
  }
  if (now_ms_ >= next_rate_sample_ms_) {
    const uint64_t commands = counters_.commands_processed.get();
    const uint64_t deliveries = counters_.deliveries.get();
    counters_.ops_per_sec.set(commands - last_commands_);
    counters_.deliveries_per_sec.set(deliveries - last_deliveries_);
    last_commands_ = commands;
    last_deliveries_ = deliveries;
    next_rate_sample_ms_ = now_ms_ + 1000;
  }
  uint64_t queued = 0, largest = 0;
  for (auto& c : conns_) {
    if (!c || c->closing) continue;
    queued += c->out.bytes();
    largest = std::max<uint64_t>(largest, c->out.bytes());
    // A soft limit must trip after its seconds even if no new message comes.
    if (c->soft_limit_since_ms != 0) engine_.check_output_limits(*c);
  }
  counters_.output_bytes.set(queued);
  counters_.largest_output.set(largest);
  if (settings_.max_output_memory != 0) enforce_output_memory(queued);
  if (settings_.timeout_seconds != 0) close_idle_clients();
  if (node_.stop_requested() && !shutting_down_) begin_shutdown();
  if (shutting_down_ && now_ms_ >= shutdown_deadline_ms_) {
    // Out of time: whoever has not drained yet is cut off.
    for (auto& c : conns_)
      if (c && !c->closing) close_connection(*c, "shutdown timeout");
  }
}

void Shard::begin_shutdown() {
  shutting_down_ = true;
  shutdown_deadline_ms_ = now_ms_ + settings_.shutdown_timeout_ms;
  if (accepting_) {
    accepting_ = false;
    io_uring_sqe* sqe = ring_.sqe();
    io_uring_prep_cancel64(sqe, uring::pack(uring::Op::Accept, 0), 0);
    io_uring_sqe_set_data64(sqe, uring::pack(uring::Op::Ignored, 0));
  }
  // Stop taking requests; each connection closes once its queued output is out.
  for (auto& c : conns_) {
    if (!c || c->closing) continue;
    c->close_after_reply = true;
    if (c->out.empty() && !c->write_in_flight) close_connection(*c, "shutdown");
  }
}

}  // namespace ringcast
