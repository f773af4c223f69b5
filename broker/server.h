// The daemon as a whole: configuration, the listening socket, the shard
// threads and the state they share (the subscription directory, client ids,
// server-wide counters). Created and stopped by main().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "acl/registry.h"
#include "config.h"
#include "pubsub/directory.h"

namespace ringcast {

class Shard;
namespace cluster {
class NatsBridge;
}

inline constexpr std::string_view kVersion = "0.1.0";
// What HELLO and INFO report as the Redis version we behave like.
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";

class Server {
 public:
  Server(config::Config config, std::shared_ptr<const acl::Registry> acl);
  ~Server();

  // Binds and listens, starts one thread per shard and waits until every
  // ring is up. Returns an error text, or empty on success.
  std::string start();
  // Asks every shard to stop accepting, flush and exit. Async-signal-unsafe
  // callers only (main's signal wait loop).
  void request_stop() { stopping_.store(true, std::memory_order_release); }
  // Waits for the shards to finish and releases what is left in their inboxes.
  void join();

  // The configuration as started; shards keep their own copy of the
  // reloadable part (Shard::settings()).
  const config::Config& config() const { return config_; }
  // Hands the reloadable settings of `cfg` and its users to every shard
  // (each takes them on its next loop iteration).
  void reload(const config::Config& cfg, std::shared_ptr<const acl::Registry> acl);
  std::shared_ptr<const acl::Registry> acl() const { return acl_; }
  pubsub::Directory& directory() { return directory_; }
  // The link to the other nodes; null for a standalone node.
  cluster::NatsBridge* cluster() { return bridge_.get(); }
  unsigned shard_count() const { return unsigned(shards_.size()); }
  Shard& shard(unsigned i) { return *shards_[i]; }
  int listen_fd() const { return listen_fd_; }
  uint16_t port() const { return port_; }
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  int64_t started_ms() const { return started_ms_; }
  int64_t started_unix() const { return started_unix_; }

  uint64_t next_client_id() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }
  // PUBLISH from a thread that is not a shard (the HTTP API): runs on a
  // shard like a client's PUBLISH, so subscribers cannot tell the
  // difference, and returns the receiver count; -1 if the daemon is stopping
  // or the shard did not answer within a second.
  int64_t publish_external(std::string_view channel, std::string_view payload);

  // maxclients accounting: false when the new client must be refused.
  bool admit_client();
  void client_gone() { clients_.fetch_sub(1, std::memory_order_relaxed); }
  uint32_t clients() const { return clients_.load(std::memory_order_relaxed); }
  uint32_t maxclients() const { return maxclients_.load(std::memory_order_relaxed); }
  uint64_t total_connections() const { return total_connections_.load(std::memory_order_relaxed); }
  uint64_t rejected_connections() const { return rejected_connections_.load(std::memory_order_relaxed); }

 private:
  std::string open_listener();

  config::Config config_;
  std::shared_ptr<const acl::Registry> acl_;  // as started; shards hold the current one
  pubsub::Directory directory_;
  std::unique_ptr<cluster::NatsBridge> bridge_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::thread> threads_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_client_id_{1};
  std::atomic<uint32_t> clients_{0};
  std::atomic<uint32_t> maxclients_{0};
  std::atomic<uint64_t> total_connections_{0};
  std::atomic<uint64_t> rejected_connections_{0};
  int64_t started_ms_ = 0;
  int64_t started_unix_ = 0;
};

// Monotonic clock.
int64_t monotonic_ms();
int64_t monotonic_ns();
// This process's resident memory (VmRSS), for INFO and /metrics.
uint64_t resident_memory_bytes();

}  // namespace ringcast
