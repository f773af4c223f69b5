// Server start-up and teardown: listener, shard threads, final clean-up.
#include "server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <future>

#include <spdlog/spdlog.h>

#include "cluster/nats_bridge.h"
#include "core/clock.h"
#include "io/backend.h"
#include "shard/node_snapshot.h"
#include "shard/shard.h"

namespace ringcast {

Server::Server(config::Config config, std::shared_ptr<const acl::Registry> acl)
    : config_(std::move(config)), acl_(std::move(acl)), node_(config_.maxclients) {}

namespace {

std::vector<std::string> history_globs(const config::HistoryConfig& history) {
  std::vector<std::string> globs;
  for (const config::HistoryRule& rule : history.rules) globs.insert(globs.end(), rule.channels.begin(), rule.channels.end());
  return globs;
}

}  // namespace

void Server::reload(const config::Config& cfg, std::shared_ptr<const acl::Registry> acl) {
  node_.clients.set_maxclients(cfg.maxclients);
  // Before the shards take the new rules: a RESUME they then accept waits
  // for the NATS interest queued here (Shard::resume_channel).
  if (bridge_) bridge_->set_history_channels(history_globs(cfg.history));
  auto shared = std::make_shared<const config::Config>(cfg);
  for (auto& shard : node_.shards)
    shard->post_external([shared, acl](engine::ShardContext& s) {
      static_cast<Shard&>(s).apply_settings(*shared, acl);
    });
}

void Server::post_external(unsigned index, engine::Task task) { node_.shards[index]->post_external(std::move(task)); }

stats::Snapshot Server::snapshot() const { return take_snapshot(node_); }

bool Server::post_remote(unsigned shard, pubsub::RoutedMessage message) {
  return node_.shards[shard]->post_remote(message);
}

bool Server::post_to_number(std::string_view channel, std::string_view payload) {
  pubsub::RoutedMessage message = pubsub::encode_message(pubsub::Kind::Channel, {}, channel, payload, 1);
  message.to_number = true;
  return post_remote(pubsub::history_owner(channel, node_.shard_count), message);
}

Server::~Server() {
  if (node_.listen_fd >= 0) close(node_.listen_fd);
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
  node_.listen_fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (node_.listen_fd < 0) return std::string("socket: ") + strerror(errno);
  int one = 1;
  setsockopt(node_.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(node_.listen_fd, reinterpret_cast<sockaddr*>(&ss), len) < 0)
    return "cannot bind " + config_.bind + ":" + std::to_string(config_.port) + ": " + strerror(errno);
  if (listen(node_.listen_fd, int(config_.tcp_backlog)) < 0) return std::string("listen: ") + strerror(errno);
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(node_.listen_fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  node_.port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                  : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return {};
}

std::string Server::choose_io_backend() {
  if (config_.io == config::IoBackend::epoll) {
    node_.io_kind = io::BackendKind::epoll;
    return {};
  }
  const std::string why_not = io::uring_unavailable_reason();
  if (why_not.empty()) {
    node_.io_kind = io::BackendKind::io_uring;
    return {};
  }
  if (config_.io == config::IoBackend::uring) return "io: uring: io_uring is unavailable: " + why_not;
  node_.io_kind = io::BackendKind::epoll;
  spdlog::warn("io: auto: io_uring is unavailable, running on epoll: {}", why_not);
  return {};
}

std::string Server::start() {
  node_.started_ms = monotonic_ms();
  node_.started_unix = int64_t(time(nullptr));
  if (std::string err = choose_io_backend(); !err.empty()) return err;
  if (std::string err = open_listener(); !err.empty()) return err;
  if (config_.cluster.enabled()) {
    bridge_ = std::make_unique<cluster::NatsBridge>(*this, config_.cluster.nats);
    if (std::string err = bridge_->start(); !err.empty()) {
      bridge_.reset();
      return err;
    }
    node_.directory.set_listener(bridge_.get());
    node_.cluster = bridge_.get();
  }

  unsigned n = config_.shards;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  if (n > 64) n = 64;  // the directory's shard masks are 64 bits
  node_.shard_count = n;
  for (unsigned i = 0; i < n; ++i) node_.shards.push_back(std::make_unique<Shard>(node_, i, config_, acl_));
  // Messages to number need the shards; clients come later.
  if (bridge_) bridge_->set_history_channels(history_globs(config_.history));

  // Each backend must be set up by the thread that uses it; the loops start
  // only once every one exists, since shards post into each other's.
  std::promise<void> go;
  std::shared_future<void> go_signal = go.get_future().share();
  std::vector<std::future<int>> ready;
  for (unsigned i = 0; i < n; ++i) {
    auto ready_promise = std::make_shared<std::promise<int>>();
    ready.push_back(ready_promise->get_future());
    threads_.emplace_back([this, i, ready_promise, go_signal] {
      Shard& shard = *node_.shards[i];
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
    if (rc < 0 && error.empty())
      error = "shard " + std::to_string(i) + ": " + std::string(io::backend_name(node_.io_kind)) +
              " set-up failed: " + strerror(-rc);
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
  node_.shards.clear();
  node_.directory.set_listener(nullptr);
  node_.cluster = nullptr;
  bridge_.reset();
}

}  // namespace ringcast
