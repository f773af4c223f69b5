// The shard's event loop: the backend's completions, accepting, the
// housekeeping tick, cross-shard hand-off, and shutdown.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "shard/shard.h"
#include "core/clock.h"
#include "core/thread_demand.h"

namespace ringcast {
namespace {

constexpr int64_t kTickMs = 100;

}  // namespace

Shard::Shard(Node& node, unsigned index, const config::Config& settings, std::shared_ptr<const acl::Registry> acl)
    : node_(node),
      index_(index),
      engine_(index, node.directory, node.history, *this, node.cluster, *this, arm_queue_, counters_),
      io_(io::make_backend(node.io_kind, *this)) {
  apply_settings(settings, std::move(acl));
}

void Shard::apply_settings(const config::Config& settings, std::shared_ptr<const acl::Registry> acl) {
  settings_ = settings;
  engine_.apply_settings(settings);
  coalescing_.set_max_delay_ns(int64_t(settings.delivery_max_delay_us) * 1000);
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
  // Connections before the engine: their queues hold the engine's FrameRefs.
  for (auto& c : conns_)
    if (c) {
      if (c->fd >= 0) close(c->fd);
      c->out.clear();
    }
  conns_.clear();
}

int Shard::init() { return io_->init(); }

void Shard::run() {
  now_ms_ = monotonic_ms();
  next_rate_sample_ms_ = now_ms_ + 1000;
  if (index_ == 0) io_->start_accepting(node_.listen_fd);
  io_->schedule_tick(kTickMs);
  ThreadDemand demand;  // of this thread: the window follows it
  while (!(shutting_down_ && live_conns_ == 0)) {
    // Tasks a shard posts to itself are run next iteration, without sleeping;
    // messages held back for coalescing bound the sleep.
    io_->wait(engine_.has_own_work() ? io::Backend::kNoSleep : coalescing_.sleep_limit_ns(monotonic_ns()));
    const int64_t busy_from_ns = monotonic_ns();
    loop_now_ns_ = busy_from_ns;
    now_ms_ = busy_from_ns / 1000000;
    engine_.set_now(now_ms_);
    counters_.loop_iterations.add();
    io_->dispatch();
    // Wake-ups from other shards and threads carry no work themselves: the
    // inbox is drained after every batch of completions.
    engine_.drain_inbox();
    close_doomed();
    flush_writes();
    engine_.flush_outboxes();
    const int64_t busy_until_ns = monotonic_ns();
    counters_.loop_busy_us.add(uint64_t(busy_until_ns - busy_from_ns) / 1000);
    coalescing_.adapt(busy_until_ns, counters_.deliveries.get(), [&demand] { return demand.ns(); });
  }
  engine_.flush_outboxes();
}

void Shard::post_external(engine::Task task) {
  std::vector<engine::Envelope> batch;
  batch.push_back(engine::Envelope{{}, std::move(task)});
  engine_.inbox().push(batch);
  io_->wake_from_outside();
}

bool Shard::post_remote(pubsub::RoutedMessage message) {
  switch (engine_.accept_remote(message)) {
    case engine::PubSubEngine::Accepted::dropped: return false;
    case engine::PubSubEngine::Accepted::queued: return true;
    case engine::PubSubEngine::Accepted::queued_wake: break;
  }
  io_->wake_from_outside();
  return true;
}

void Shard::hand_over(unsigned target, std::vector<engine::Envelope>& batch) {
  Shard& to = *node_.shards[target];
  if (to.engine().inbox().push(batch)) io_->wake(to.io());
}

void Shard::on_accept_failed(int error) {
  // The backend pauses accepting until the next tick: say so, once a second at most.
  if (auto held = accept_error_log_.allow(now_ms_))
    spdlog::warn("accepting connections failed: {} (retrying every {} ms; {} more since the last line)",
                 strerror(-error), kTickMs, *held);
}

void Shard::on_accepted(int fd) {
  if (!node_.clients.admit()) {
    // Redis's answer to one client too many; a plain non-blocking send is
    // enough for 38 bytes into a fresh socket buffer.
    static constexpr std::string_view kFull = "-ERR max number of clients reached\r\n";
    (void)!send(fd, kFull.data(), kFull.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    close(fd);
    if (auto held = maxclients_log_.allow(now_ms_))
      spdlog::warn("refused a connection: maxclients ({}) reached ({} more refused since the last line)",
                   node_.clients.maxclients(), *held);
    return;
  }
  // Round-robin keeps the spread even and predictable (INFO shows it).
  const unsigned target = next_accept_target_++ % shard_count();
  if (target == index_) {
    adopt_socket(fd);
  } else {
    // Should the hand-off fail, the socket comes back through on_socket_handed.
    io_->hand_socket(node_.shards[target]->io(), fd);
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
  io_->schedule_tick(kTickMs);
  if (now_ms_ >= next_rate_sample_ms_) {
    const uint64_t commands = counters_.commands_processed.get();
    const uint64_t deliveries = counters_.deliveries.get();
    counters_.ops_per_sec.set(commands - last_commands_);
    counters_.deliveries_per_sec.set(deliveries - last_deliveries_);
    counters_.coalescing_max_wait_us.set(uint64_t(coalescing_.take_longest_wait_ns() / 1000));
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
  counters_.coalescing_window_us.set(uint64_t(coalescing_.window_ns() / 1000));
  counters_.largest_output.set(largest);
  if (settings_.max_output_memory != 0) enforce_output_memory(queued);
  if (settings_.timeout_seconds != 0) close_idle_clients();
  engine_.expire_history();
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
  io_->stop_accepting();
  // Stop taking requests; each connection closes once its queued output is out.
  for (auto& c : conns_) {
    if (!c || c->closing) continue;
    c->close_after_reply = true;
    if (c->out.empty() && !c->write_in_flight) close_connection(*c, "shutdown");
  }
}

}  // namespace ringcast
