// One reactor thread: its io_uring, its connections, its subscribers and its
// inbound queue from the other shards. Nothing here is touched by another
// thread except inbox(), ring_fd() and stats().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "acl/registry.h"
#include "config.h"
#include "conn/connection.h"
#include "output/arm_queue.h"
#include "pubsub/frame.h"
#include "pubsub/local_registry.h"
#include "pubsub/publish_routing.h"
#include "resp/request_parser.h"
#include "shard/inbox.h"
#include "shard/shard_stats.h"
#include "uring/ring.h"

namespace ringcast {

class Server;

class Shard {
 public:
  Shard(Server& server, unsigned index);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Takes the reloadable settings (limits, timeouts) of a new configuration
  // and its users: connections are moved to the new users of the same name,
  // and closed when theirs is gone or may no longer hold its subscriptions.
  void apply_settings(const config::Config& settings, std::shared_ptr<const acl::Registry> acl);
  const config::Config& settings() const { return settings_; }
  const acl::Registry& acl() const { return *acl_; }
  // The user a connection starts as, or goes back to on RESET.
  void reset_user(Connection& c) const;
  // False (and the connection is closed) when `c`'s user may not keep one of
  // its subscriptions: after AUTH switched users, or a reload took rights away.
  bool subscriptions_permitted(Connection& c);

  // Sets up the ring on the calling thread (the shard's own). Returns 0 or -errno.
  int init();
  // The loop; returns after shutdown once every connection is gone.
  void run();

  unsigned index() const { return index_; }
  Server& server() { return server_; }
  int ring_fd() const { return ring_.fd(); }
  Inbox& inbox() { return inbox_; }
  // From any thread that is not a shard (HTTP, signals): queues `task` and
  // wakes the shard at once through its eventfd.
  void post_external(std::function<void(Shard&)> task);
  // From the cluster bridge's thread: a message from another node (with one
  // frame reference for this shard) to deliver to local subscribers, as
  // another shard's envelope would bring it. False, and the reference is
  // released, when the shard is already this far behind on such messages:
  // a node that cannot keep up drops (and counts) rather than growing without bound.
  bool post_remote(pubsub::MessageFrame message);
  const ShardStats& stats() const { return stats_; }
  ShardStats& stats() { return stats_; }
  int64_t now_ms() const { return now_ms_; }

  // --- used by commands, on this shard's thread ---
  // Fans a message out; returns the receiver count (PUBLISH's reply).
  int64_t publish(pubsub::Kind kind, std::string_view channel, std::string_view payload);
  // Adds one subscription; returns false when it existed already.
  bool subscribe(Connection& c, pubsub::Kind kind, std::string_view name);
  // Ends one subscription; returns false when there was none. Messages
  // already counted for it are still delivered: its registry entry stays
  // until forget_retired(), which the caller runs after a fence().
  bool unsubscribe(Connection& c, pubsub::Kind kind, std::string_view name);
  void forget_retired(Connection& c);
  // Ends every subscription at once, delivering nothing more (RESET, close).
  void drop_all_subscriptions(Connection& c);
  // Runs `task` on every shard (this one included, via its inbox).
  void broadcast(std::function<void(Shard&)> task);
  // Runs `task` on shard `target`.
  void post(unsigned target, std::function<void(Shard&)> task);
  // Marks `c` as having output to write this iteration.
  void arm(Connection& c) { arm_queue_.mark(&c); }
  // Runs `collect` on every shard, then `finish` here with the answers in
  // shard order. `c` waits meanwhile, its further requests held back; if it
  // is gone when the answers arrive, they are dropped.
  void gather(Connection& c, std::function<std::string(Shard&)> collect,
              std::function<void(Shard&, Connection&, std::vector<std::string>&)> finish);
  // Runs `finish` here once every shard has handed over every message it
  // routed before now: a round trip through each shard's inbox, whose FIFO
  // order puts the answer behind those messages. `c` waits meanwhile.
  void fence(Connection& c, std::function<void(Shard&, Connection&)> finish);
  // Runs `finish` here once the cluster bridge has flushed every interest
  // change made so far to NATS; `c` waits meanwhile. Without a cluster, at once.
  void after_cluster_flush(Connection& c, std::function<void(Shard&, Connection&)> finish);
  // Finds a live local connection by slot and id (for cross-shard answers).
  Connection* find(uint32_t slot, uint64_t id);
  // Resumes a connection that was waiting for a cross-shard answer.
  void resume(Connection& c);
  template <class Visit>
  void for_each_connection(Visit&& visit) {
    for (auto& c : conns_)
      if (c && !c->closing) visit(*c);
  }
  // Closes a connection now (CLIENT KILL, limits). `why` goes to the log.
  void close_connection(Connection& c, std::string_view why);

 private:
  // loop (shard_loop.cpp)
  void dispatch(const io_uring_cqe& cqe);
  void arm_accept();
  void arm_tick();
  void arm_external_wake();
  void wake_from_outside();  // from a thread that is not a shard: through the eventfd
  void on_tick();
  void on_accept(int res, uint32_t flags);
  void adopt_socket(int fd);
  void begin_shutdown();
  void drain_inbox();
  void flush_outboxes();

  // connections (shard_io.cpp)
  void arm_recv(Connection& c);
  void on_recv(Connection& c, int res, uint32_t flags);
  void on_input(Connection& c, const char* data, size_t size);
  size_t execute_requests(Connection& c, std::string_view buf);
  void flush_writes();
  void submit_write(Connection& c);
  void on_write(Connection& c, int res);
  void finalize_if_idle(Connection& c);

  // limits (shard_limits.cpp)
  void check_output_limits(Connection& c);
  bool drop_oldest(Connection& c, size_t target_bytes, const char* which);
  void enforce_output_memory(uint64_t queued_here);
  void close_idle_clients();

  // pub/sub (shard_pubsub.cpp)
  void deliver(const pubsub::MessageFrame& m);
  void send_to_shards(const pubsub::MessageFrame& m, uint64_t shards);
  void close_doomed();

  Server& server_;
  const unsigned index_;
  config::Config settings_;  // this shard's copy: reloads replace it through a task
  std::shared_ptr<const acl::Registry> acl_;
  uring::Ring ring_;
  uring::ProvidedBuffers buffers_;
  resp::RequestParser parser_;

  std::vector<std::unique_ptr<Connection>> conns_;  // by slot
  std::vector<uint32_t> free_slots_;
  size_t live_conns_ = 0;

  output::ArmQueue<Connection> arm_queue_;
  std::vector<Connection*> recv_rearm_;  // stopped on ENOBUFS
  std::vector<Connection*> doomed_;      // over an output limit, closed after delivery

  pubsub::LocalRegistry<Connection> registry_;
  pubsub::LocalFramePool frames_;
  pubsub::MessageArena arena_;  // this shard's publishes, encoded back to back
  pubsub::RoutedMessages routed_;  // scratch for publish()

  Inbox inbox_;
  int wake_fd_ = -1;  // eventfd other threads write to wake this shard
  std::vector<Envelope> inbox_batch_;
  std::vector<std::vector<Envelope>> outboxes_;  // by target shard

  std::atomic<uint64_t> remote_backlog_bytes_{0};  // posted by post_remote(), not yet delivered
  ShardStats stats_;
  int64_t now_ms_ = 0;
  int64_t next_rate_sample_ms_ = 0;
  uint64_t last_commands_ = 0;
  uint64_t last_deliveries_ = 0;
  bool accepting_ = false;
  unsigned next_accept_target_ = 0;
  bool accept_paused_ = false;  // accepting failed; re-armed on the next tick
  int64_t last_accept_error_log_ms_ = -1000000;
  bool shutting_down_ = false;
  int64_t shutdown_deadline_ms_ = 0;
};

}  // namespace ringcast
