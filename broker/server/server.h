// The daemon as a whole: wiring only. It opens the listening socket, builds
// the node (directory, client admission) and its shards, joins the node to
// others through NATS when configured, runs the shard threads, hands
// reloads to them, and stops them. Created and stopped by main().
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "acl/registry.h"
#include "cluster/remote_delivery.h"
#include "config.h"
#include "engine/inbox.h"
#include "io/backend.h"
#include "shard/node.h"
#include "stats/snapshot.h"

namespace ringcast {

namespace cluster {
class NatsBridge;
}

class Server final : public cluster::LocalDelivery {
 public:
  Server(config::Config config, std::shared_ptr<const acl::Registry> acl);
  ~Server();

  // Binds and listens, starts one thread per shard and waits until each
  // is ready. Returns an error text, or empty on success.
  std::string start();
  // Asks every shard to stop accepting, flush and exit.
  void request_stop() { node_.stopping.store(true, std::memory_order_release); }
  // Waits for the shards to finish and releases what is left in their inboxes.
  void join();

  // The configuration as started; shards keep their own copy of the
  // reloadable part.
  const config::Config& config() const { return config_; }
  // Hands the reloadable settings of `cfg` and its users to every shard
  // (each takes them on its next loop iteration).
  void reload(const config::Config& cfg, std::shared_ptr<const acl::Registry> acl);
  // The users as started (reloads hand shards newer ones).
  std::shared_ptr<const acl::Registry> acl() const { return acl_; }
  unsigned shard_count() const { return node_.shard_count; }
  uint16_t port() const { return node_.port; }
  // The shards' I/O backend, "io_uring" or "epoll" (settled by start()).
  std::string_view io_backend() const { return io::backend_name(node_.io_kind); }
  bool stopping() const { return node_.stop_requested(); }
  bool accepting() const { return !stopping() && node_.listen_fd >= 0; }
  // From a thread that is not a shard: runs `task` on shard `index`.
  void post_external(unsigned index, engine::Task task);
  // The daemon's figures now (INFO, /stats, /metrics); any thread.
  stats::Snapshot snapshot() const;

  // cluster::LocalDelivery, for messages from other nodes.
  const pubsub::Directory& directory() const override { return node_.directory; }
  acl::AccessLog& access_log() { return node_.access_log; }
  bool post_remote(unsigned shard, pubsub::RoutedMessage message) override;
  bool post_to_number(std::string_view channel, std::string_view payload) override;

 private:
  std::string open_listener();
  // Settles config_.io into the node's backend kind; an error text when
  // io_uring was asked for and cannot run.
  std::string choose_io_backend();

  config::Config config_;
  std::shared_ptr<const acl::Registry> acl_;  // as started; shards hold the current one
  Node node_;
  std::unique_ptr<cluster::NatsBridge> bridge_;
  std::vector<std::thread> threads_;
};

}  // namespace ringcast
