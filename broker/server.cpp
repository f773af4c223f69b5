// Server start-up and teardown: listener, shard threads, final clean-up.
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <chrono>
#include <future>

#include <spdlog/spdlog.h>

#include "cluster/nats_bridge.h"
#include "shard/shard.h"

namespace ringcast {

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int64_t monotonic_ms() { return monotonic_ns() / 1000000; }

uint64_t resident_memory_bytes() {
  long pages = 0, resident = 0;
  if (FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return uint64_t(resident) * uint64_t(sysconf(_SC_PAGESIZE));
}

Server::Server(config::Config config, std::shared_ptr<const acl::Registry> acl)
    : config_(std::move(config)), acl_(std::move(acl)) {
  maxclients_ = config_.maxclients;
}

void Server::reload(const config::Config& cfg, std::shared_ptr<const acl::Registry> acl) {
  maxclients_.store(cfg.maxclients, std::memory_order_relaxed);
  auto shared = std::make_shared<const config::Config>(cfg);
  for (auto& shard : shards_) shard->post_external([shared, acl](Shard& s) { s.apply_settings(*shared, acl); });
}

Server::~Server() {
  if (listen_fd_ >= 0) close(listen_fd_);
}

int64_t Server::publish_external(std::string_view channel, std::string_view payload) {
  if (stopping() || shards_.empty()) return -1;
  // The promise outlives a timed-out wait: the task may still run later.
  auto result = std::make_shared<std::promise<int64_t>>();
  std::future<int64_t> answer = result->get_future();
  // Always the same shard: one publisher's messages then keep their order.
  shards_[0]->post_external(
      [result, channel = std::string(channel), payload = std::string(payload)](Shard& shard) {
        result->set_value(shard.publish(pubsub::Kind::Channel, channel, payload));
      });
  if (answer.wait_for(std::chrono::seconds(1)) != std::future_status::ready) return -1;
  return answer.get();
}

bool Server::admit_client() {
  total_connections_.fetch_add(1, std::memory_order_relaxed);
  if (clients_.fetch_add(1, std::memory_order_relaxed) >= maxclients()) {
    clients_.fetch_sub(1, std::memory_order_relaxed);
    rejected_connections_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

std::string Server::open_listener() {
  sockaddr_storage ss{};
  socklen_t len;
  int family;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, config_.bind.c_str(), &v4->sin_addr) == 1) {
    family = v4->sin_family = AF_INET;
    v4->sin_port = htons(config_.port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, config_.bind.c_str(), &v6->sin6_addr) == 1) {
    family = v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(config_.port);
    len = sizeof(sockaddr_in6);
  } else {
    return "bind address '" + config_.bind + "' is not an IPv4 or IPv6 address";
  }
  listen_fd_ = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return std::string("socket: ") + strerror(errno);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0)
    return "cannot bind " + config_.bind + ":" + std::to_string(config_.port) + ": " + strerror(errno);
  if (listen(listen_fd_, int(config_.tcp_backlog)) < 0) return std::string("listen: ") + strerror(errno);
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  port_ = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                  : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return {};
}

std::string Server::start() {
  started_ms_ = monotonic_ms();
  started_unix_ = int64_t(time(nullptr));
  if (std::string err = open_listener(); !err.empty()) return err;
  if (config_.cluster.enabled()) {
    bridge_ = std::make_unique<cluster::NatsBridge>(*this, config_.cluster.nats);
    if (std::string err = bridge_->start(); !err.empty()) {
      bridge_.reset();
      return err;
    }
    directory_.set_listener(bridge_.get());
  }

  unsigned n = config_.shards;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  if (n > 64) n = 64;  // the directory's shard masks are 64 bits
  for (unsigned i = 0; i < n; ++i) shards_.push_back(std::make_unique<Shard>(*this, i));

  // Each ring must be created by the thread that submits to it; the loops
  // start only once every ring exists, since shards post into each other's.
  std::promise<void> go;
  std::shared_future<void> go_signal = go.get_future().share();
  std::vector<std::future<int>> ready;
  for (unsigned i = 0; i < n; ++i) {
    auto ready_promise = std::make_shared<std::promise<int>>();
    ready.push_back(ready_promise->get_future());
    threads_.emplace_back([this, i, ready_promise, go_signal] {
      Shard& shard = *shards_[i];
      const int rc = shard.init();
      ready_promise->set_value(rc);
      if (rc < 0) return;
      go_signal.wait();
      if (!stopping()) shard.run();
    });
  }
  std::string error;
  for (unsigned i = 0; i < n; ++i) {
    const int rc = ready[i].get();
    if (rc < 0 && error.empty()) error = "shard " + std::to_string(i) + ": io_uring set-up failed: " + strerror(-rc);
  }
  if (!error.empty()) request_stop();
  go.set_value();
  if (!error.empty()) join();
  return error;
}

void Server::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  // The shards are stopped: no more publishes or interest changes. Stopping
  // the bridge ends incoming deliveries before the shards (and their
  // inboxes) go away.
  if (bridge_) bridge_->stop();
  shards_.clear();
  directory_.set_listener(nullptr);
  bridge_.reset();
}

}  // namespace ringcast
