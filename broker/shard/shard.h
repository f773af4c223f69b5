// One reactor thread: its I/O backend, its connections, its pub/sub engine,
// and the loop that ties them. Commands reach it through commands::Broker,
// its engine's tasks through engine::ShardContext, the other shards' engines
// through engine::Mesh, and the backend's completions through io::Events.
// Nothing here is touched by another thread except engine().inbox() (through
// the other shards' Mesh), post_external(), post_remote(), io() (as the
// target of another shard's wake-up or socket hand-off) and counters().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "acl/registry.h"
#include "commands/broker.h"
#include "config.h"
#include "conn/connection.h"
#include "core/log_limiter.h"
#include "engine/mesh.h"
#include "engine/pubsub_engine.h"
#include "io/backend.h"
#include "output/arm_queue.h"
#include "output/coalescing.h"
#include "resp/request_parser.h"
#include "shard/node.h"
#include "stats/shard_counters.h"

namespace ringcast {

class Shard final : public engine::ShardContext,
                    public engine::Mesh,
                    public commands::Broker,
                    public commands::ClientScope,
                    private io::Events {
 public:
  Shard(Node& node, unsigned index, const config::Config& settings, std::shared_ptr<const acl::Registry> acl);
  ~Shard();
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // Takes the reloadable settings (limits, timeouts) of a new configuration
  // and its users: connections are moved to the new users of the same name,
  // and closed when theirs is gone or may no longer hold its subscriptions.
  void apply_settings(const config::Config& settings, std::shared_ptr<const acl::Registry> acl);

  // Sets up the I/O on the calling thread (the shard's own). Returns 0 or -errno.
  int init();
  // The loop; returns after shutdown once every connection is gone.
  void run();

  unsigned index() const { return index_; }
  // This shard's I/O backend, for another shard to wake it or hand it a socket.
  io::Backend& io() { return *io_; }
  // From any thread that is not a shard (HTTP, signals): queues `task` and
  // wakes the shard at once.
  void post_external(engine::Task task);
  // From the cluster's delivery thread: a message from another node (with
  // one frame reference for this shard). False, and the reference is
  // released, when the shard is too far behind on such messages.
  bool post_remote(pubsub::RoutedMessage message);
  const stats::ShardCounters& counters() const { return counters_; }

  // engine::ShardContext
  engine::PubSubEngine& engine() override { return engine_; }
  // engine::Mesh
  unsigned shard_count() const override { return node_.shard_count; }
  void hand_over(unsigned target, std::vector<engine::Envelope>& batch) override;

  // commands::Broker (shard_broker.cpp)
  std::optional<int64_t> publish(Connection& c, pubsub::Kind kind, std::string_view channel,
                                 std::span<const std::string_view> payloads) override;
  bool keeps_history(std::string_view channel) const override {
    return engine_.history_limits(pubsub::Kind::Channel, channel) != nullptr;
  }
  void read_history(Connection& c, std::string_view channel, uint64_t after, uint64_t count,
                    std::function<void(Connection&, const pubsub::HistoryPage&)> finish) override;
  bool subscribe(Connection& c, pubsub::Kind kind, std::string_view name) override;
  bool unsubscribe(Connection& c, pubsub::Kind kind, std::string_view name) override;
  bool confirms_subscriptions_at_once() const override { return engine_.cluster() == nullptr; }
  void confirm_subscribed(Connection& c, std::string confirmations) override;
  bool unsubscribed_settled(Connection& c) override;
  void confirm_unsubscribed(Connection& c, std::string confirmations) override;
  void drop_all_subscriptions(Connection& c) override;
  void resume_channel(Connection& c, std::string_view channel, uint64_t epoch, uint64_t offset) override;
  const pubsub::Directory& directory() const override { return node_.directory; }
  void gather_clients(Connection& c, std::function<std::string(commands::ClientScope&)> collect,
                      std::function<void(Connection&, std::vector<std::string>&)> finish) override;
  const acl::Registry& acl() const override { return *acl_; }
  acl::AccessLog& access_log() override { return node_.access_log; }
  void reset_user(Connection& c) override;
  bool subscriptions_permitted(Connection& c) override;
  const config::Config& settings() const override { return settings_; }
  int64_t now_ms() const override { return now_ms_; }
  unsigned shard_index() const override { return index_; }
  stats::Snapshot snapshot() override;

  // commands::ClientScope
  void for_each(const std::function<void(Connection&)>& visit) override;
  void kill(Connection& c, std::string_view why) override { close_connection(c, why); }

 private:
  // loop (shard_loop.cpp)
  void on_tick() override;
  void on_accepted(int fd) override;
  void on_accept_failed(int error) override;
  void on_socket_handed(int fd) override { adopt_socket(fd); }
  void adopt_socket(int fd);
  void begin_shutdown();

  // connections (shard_io.cpp)
  void start_receiving(Connection& c);
  void on_data(io::ConnId conn, const char* data, size_t size) override;
  void on_receive_ended(io::ConnId conn, int error) override;
  void on_input(Connection& c, const char* data, size_t size);
  size_t execute_requests(Connection& c, std::string_view buf);
  // Output to write at the end of this iteration: replies, closing. Messages
  // the engine delivers go through arm_queue_ and may wait (coalescing_).
  void arm(Connection& c) { reply_queue_.mark(&c); }
  void write_armed(Connection& c);
  void flush_writes();
  void submit_write(Connection& c);
  void on_written(io::ConnId conn, int result) override;
  void close_connection(Connection& c, std::string_view why);
  void finalize_if_idle(Connection& c);
  // Finds a live local connection by slot and id (for cross-shard answers).
  Connection* find(uint32_t slot, uint64_t id);
  // Runs `finish` on connection (slot, id) of shard `ctx` if it is still
  // there, then lets it read its next requests.
  static void resume_with(engine::ShardContext& ctx, uint32_t slot, uint64_t id,
                          const std::function<void(Connection&)>& finish);
  void resume(Connection& c);
  // Runs the requests waiting in `c`'s input buffer, unless it must wait.
  void execute_buffered(Connection& c);
  // After a command: output limits for replies, and back-pressure.
  void after_command(Connection& c);
  void pause_reading(Connection& c);
  void resume_reading(Connection& c);

  // limits (shard_limits.cpp)
  void close_doomed();
  void enforce_output_memory(uint64_t queued_here);
  void close_idle_clients();

  Node& node_;
  const unsigned index_;
  config::Config settings_;  // this shard's copy: reloads replace it through a task
  std::shared_ptr<const acl::Registry> acl_;
  stats::ShardCounters counters_;
  output::ArmQueue<engine::Subscriber> arm_queue_;  // delivered messages, paced by coalescing_
  output::ArmQueue<Connection, &Connection::reply_armed> reply_queue_;
  output::Coalescing coalescing_;
  engine::PubSubEngine engine_;
  std::unique_ptr<io::Backend> io_;  // set up by init() on the shard's thread
  resp::RequestParser parser_;

  std::vector<std::unique_ptr<Connection>> conns_;  // by slot
  std::vector<uint32_t> free_slots_;
  size_t live_conns_ = 0;
  int64_t now_ms_ = 0;
  int64_t loop_now_ns_ = 0;  // when this loop iteration began
  int64_t next_rate_sample_ms_ = 0;
  uint64_t last_commands_ = 0;
  uint64_t last_deliveries_ = 0;
  unsigned next_accept_target_ = 0;
  LogLimiter accept_error_log_;  // warnings a client flood can trigger: one a second
  LogLimiter maxclients_log_;
  bool shutting_down_ = false;
  int64_t shutdown_deadline_ms_ = 0;
};

}  // namespace ringcast
