// The link between this node and the others, through NATS: local publishes
// go out as NATS messages, NATS messages on subjects this node has interest
// in come in and take the local fan-out path, and the node's NATS
// subscriptions follow its local subscriptions.
//
// Shard threads never touch NATS: they queue work for the bridge's own
// thread (bounded in bytes for publishes; what does not fit is dropped and
// counted), so a slow or unreachable NATS server never stalls a shard.
// Incoming messages are routed on libnats's delivery thread straight into the
// shards' inboxes, exactly as one shard hands a publish to another.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/remote_delivery.h"
#include "config.h"
#include "core/log_limiter.h"
#include "engine/cluster_link.h"
#include "pubsub/directory.h"
#include "stats/cluster_figures.h"

namespace ringcast::cluster {

class NatsBridge final : public pubsub::InterestListener, public engine::ClusterLink {
 public:
  NatsBridge(LocalDelivery& node, config::NatsConfig config);
  ~NatsBridge() override;
  NatsBridge(const NatsBridge&) = delete;
  NatsBridge& operator=(const NatsBridge&) = delete;

  // Starts connecting (retrying in the background while no server answers)
  // and the bridge thread. Returns an error text for options NATS refuses
  // (an unreadable certificate, say), empty on success.
  std::string start();
  // Stops delivering incoming messages, unsubscribes and closes the
  // connection. Publishes still queued are sent first if NATS is reachable.
  void stop();

  // From a shard thread: one local PUBLISH or SPUBLISH to pass on.
  void forward(pubsub::Kind kind, std::string_view channel, std::string_view payload) override;
  // From a shard thread: runs `done` on the bridge thread once every interest
  // change queued before it has reached the NATS server (flushed), so a
  // subscription confirmed after it is visible to the NATS cluster.
  void after_flush(std::function<void()> done) override;
  // From the directory, under its lock: a name got its first local
  // subscriber or lost its last one.
  void interest_changed(pubsub::Kind kind, std::string_view name, bool present) override;

  // The globs of the node's history rules, at start-up (once the shards
  // exist) and on each reload. The node holds NATS interest in every
  // channel they match, and the copy of a message that arrives through the
  // first matching glob's subscription is numbered in the channel's stream
  // here, as a local publish is (LocalDelivery::post_to_number). The other
  // local subscribers are served as before, by the copy of their own
  // subscription: each gets the message once, numbered or not.
  void set_history_channels(const std::vector<std::string>& globs);

  stats::ClusterFigures figures() const override;

 private:
  struct Work {
    enum class Type : uint8_t { publish, interest, flush } type;
    pubsub::Kind kind = pubsub::Kind::Channel;
    bool present = false;       // interest: gained (true) or lost
    uint32_t channel_size = 0;  // publish: `data` is the channel then the payload
    std::string data;           // publish: channel + payload; interest: the name
    std::function<void()> done;
  };
  struct NatsSubscription {
    uint32_t refs = 0;
    natsSubscription* sub = nullptr;  // null when the subject is too long for NATS
  };

  std::string configure(natsOptions* opts);
  void run();
  void publish(const Work& w);
  void change_interest(const Work& w);
  void unsubscribe(NatsSubscription& s);
  void update_dropped_count();
  void remind_if_unconnected();
  void receive(natsSubscription* sub, natsMsg* msg);
  // True when the copy of a message on `channel` that came through `via`
  // is the one to number (under delivering_).
  bool numbered_via(std::string_view channel, const Interest& via) const;
  void push(Work&& w, size_t publish_bytes);

  static void on_message(natsConnection*, natsSubscription* sub, natsMsg* msg, void* closure);
  static void on_connected(natsConnection* nc, void* closure);
  static void on_disconnected(natsConnection* nc, void* closure);
  static void on_reconnected(natsConnection* nc, void* closure);
  static void on_error(natsConnection* nc, natsSubscription* sub, natsStatus err, void* closure);
  static void on_closed(natsConnection* nc, void* closure);
  static void on_subscription_done(void* closure);

  LocalDelivery& node_;
  const config::NatsConfig config_;
  natsOptions* options_ = nullptr;
  natsConnection* connection_ = nullptr;

  // Work queued by shards (and the directory) for the bridge thread.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Work> queue_;
  size_t queued_publish_bytes_ = 0;
  bool stopping_ = false;
  std::thread thread_;

  // Bridge thread only.
  std::unordered_map<std::string, NatsSubscription> subscriptions_;  // by subject
  bool flush_needed_ = false;  // a subscription was made since the last flush
  uint64_t dropped_by_gone_subscriptions_ = 0;
  int64_t last_failure_log_ms_ = -1000000;
  LogLimiter long_subject_log_;
  int64_t last_unconnected_log_ms_ = 0;  // 0 while connected

  // libnats calls back from its own threads, also after natsConnection_Close
  // returned: stop() waits for the closed callback (the last on its callback
  // thread) and for every subscription's completion before the bridge goes.
  std::mutex lifecycle_mutex_;
  std::condition_variable lifecycle_changed_;
  bool connection_closed_ = false;
  size_t open_subscriptions_ = 0;

  // Incoming deliveries hold this shared; stop() takes it exclusively to end them.
  mutable std::shared_mutex delivering_;
  std::atomic<bool> closed_{false};
  // set_history_channels()'s globs, each with the interest it subscribes:
  // written under delivering_ held exclusively.
  std::vector<std::pair<std::string, Interest>> history_globs_;
  std::atomic<bool> ever_connected_{false};

  std::atomic<uint64_t> subjects_{0}, messages_out_{0}, bytes_out_{0}, messages_in_{0}, bytes_in_{0},
      forward_dropped_{0}, forward_failed_{0}, in_dropped_{0}, backlog_dropped_{0}, reconnects_{0}, disconnects_{0}, pending_bytes_{0};
  std::atomic<int64_t> last_drop_log_ms_{-1000000};
  std::atomic<int64_t> last_backlog_log_ms_{-1000000};
};

}  // namespace ringcast::cluster
