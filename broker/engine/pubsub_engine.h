// One shard's pub/sub engine: its subscribers (the local registry), the
// frames it delivers (the pool and the arena its publishes are encoded
// into), its outboxes to the other shards and its inbox from them. It
// publishes, subscribes, unsubscribes, delivers into subscribers' output
// queues, enforces their output limits, and runs the cross-shard gather and
// fence. It reaches other shards only through a Mesh and other nodes only
// through a ClusterLink: no threads, no I/O, so unit tests drive it directly.
//
// Threading: everything runs on the owning shard's thread, except inbox()
// (pushed to by the other shards through their Mesh) and accept_remote()
// (the cluster's delivery thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config.h"
#include "engine/cluster_link.h"
#include "engine/inbox.h"
#include "engine/mesh.h"
#include "engine/subscriber.h"
#include "output/arm_queue.h"
#include "pubsub/directory.h"
#include "pubsub/history_streams.h"
#include "pubsub/local_registry.h"
#include "pubsub/publish_routing.h"
#include "pubsub/routed_message.h"
#include "stats/shard_counters.h"

namespace ringcast::engine {

// How many of `s`'s subscriptions a publish to `channel` reaches (its
// channel and its matching patterns): what CLIENT NO-ECHO takes off
// PUBLISH's count.
int64_t own_subscriptions(const Subscriber& s, pubsub::Kind kind, std::string_view channel);

class PubSubEngine {
 public:
  // `host` is what this engine's tasks run against (the shard); `arm_queue`
  // is where subscribers given output are marked; `link` is null for a
  // standalone node. All must outlive the engine, and `mesh` must know its
  // shard count already.
  PubSubEngine(unsigned index, pubsub::Directory& directory, pubsub::HistoryNode& history, Mesh& mesh,
               ClusterLink* link, ShardContext& host, output::ArmQueue<Subscriber>& arm_queue,
               stats::ShardCounters& counters);
  ~PubSubEngine();
  PubSubEngine(const PubSubEngine&) = delete;
  PubSubEngine& operator=(const PubSubEngine&) = delete;

  unsigned index() const { return index_; }
  unsigned shard_count() const { return mesh_.shard_count(); }
  pubsub::Directory& directory() { return directory_; }
  ClusterLink* cluster() const { return link_; }
  // Takes the output limits and policy of a (re)loaded configuration.
  void apply_settings(const config::Config& settings);
  // The loop's clock, read once per iteration (soft limits, log pacing).
  void set_now(int64_t now_ms) { now_ms_ = now_ms; }
  int64_t now_ms() const { return now_ms_; }

  // --- publish / subscribe, on this shard's thread ---
  // Fans a message out to every shard with subscribers (and to the other
  // nodes); returns the receiver count (PUBLISH's reply). A `publisher` with
  // no_echo set is neither delivered the message nor counted. A channel
  // that keeps history must be published on its stream's owner shard
  // (history_elsewhere() false; else publish_at_owner()).
  int64_t publish(pubsub::Kind kind, std::string_view channel, std::string_view payload,
                  const Subscriber* publisher = nullptr);

  // --- channel history (history.cpp) ---
  // The limits of the rule `channel` falls under, or null when it keeps no
  // history: one branch when no rule is configured.
  const pubsub::HistoryLimits* history_limits(pubsub::Kind kind, std::string_view channel) const;
  // True when `channel` keeps history in a stream another shard owns.
  bool history_elsewhere(pubsub::Kind kind, std::string_view channel) const;
  unsigned history_owner(std::string_view channel) const { return pubsub::history_owner(channel, shard_count()); }
  // Publishes `payloads` in order on `channel`'s owner shard, then runs
  // `done(receivers)` back here (after the messages this shard is sent).
  // `publisher` (the client id under CLIENT NO-ECHO, else 0) is not
  // delivered them; the caller discounts its subscriptions.
  void publish_at_owner(std::string_view channel, std::vector<std::string> payloads, uint64_t publisher,
                        std::function<void(ShardContext&, int64_t)> done);
  // On the owner shard: a message from another node on a history channel
  // (RoutedMessage::to_number, one frame reference) gets the stream's next
  // offset, is retained and goes to the channel's RESUME subscribers.
  void number_remote(const pubsub::RoutedMessage& m);
  // HISTORY, on the owner shard: the messages after `after`, at most `count`.
  pubsub::HistoryPage history_page(std::string_view channel, uint64_t after, uint64_t count) const;
  // RESUME (resume.cpp). On the channel's owner shard, in one step: `s`
  // joins the channel's live stream, and when `epoch` is the stream's and
  // nothing after `offset` was evicted (recovered), the messages after
  // `offset` are sent to it; no publish can fall in between, and all its
  // later messages follow them from that shard in order. `s` first gets
  // its confirmation [resume, channel, count, recovered 1|0, epoch, next
  // offset]; then `done` runs here.
  void resume(Subscriber& s, std::string_view channel, uint64_t epoch, uint64_t offset, Task done);
  // Ends `s`'s RESUME subscription of `channel`; false when it had none.
  // Messages the owner sent before it hears of it are still delivered,
  // until forget_retired() after a fence.
  bool end_resume(Subscriber& s, std::string_view channel);
  // RESUME subscriptions of the streams this shard owns (node-wide).
  size_t resumers() const;

  // The loop's tick: drops messages past their max_age, and samples the
  // history figures.
  void expire_history();
  const pubsub::HistoryStreams& history() const { return history_; }
  // Adds one subscription, visible to every publisher on every shard before
  // this returns; false when it existed already.
  bool subscribe(Subscriber& s, pubsub::Kind kind, std::string_view name);
  // Ends one subscription; false when there was none. Messages already
  // counted for it are still delivered: its registry entry stays until
  // forget_retired(), which the caller runs after a fence().
  bool unsubscribe(Subscriber& s, pubsub::Kind kind, std::string_view name);
  // Between begin_changes() and end_changes(), subscribe() and unsubscribe()
  // keep the directory stripe they changed locked for the next change
  // (pubsub::Directory::Batch). The caller ends the run before anything else
  // reads the directory on this thread and before the confirmations can be
  // written out; publishing and drop_all_subscriptions() end it themselves.
  void begin_changes() { batching_ = true; }
  void end_changes() {
    batching_ = false;
    batch_.release();
  }
  void forget_retired(Subscriber& s);
  // Ends every subscription at once, delivering nothing more (RESET, close).
  void drop_all_subscriptions(Subscriber& s);

  // --- cross-shard work ---
  // Runs `task` on shard `target` (this one included: next loop iteration).
  void post(unsigned target, Task task);
  // Runs `task` on every shard.
  void broadcast(const Task& task);
  // Runs `collect` on every shard, then `finish` here with the answers in
  // shard order.
  void gather(std::function<std::string(ShardContext&)> collect,
              std::function<void(ShardContext&, std::vector<std::string>&)> finish);
  // Runs `done` here once every shard has handed over every message it
  // routed before now: a round trip through each shard's inbox, whose FIFO
  // order puts the answer behind those messages.
  void fence(Task done);
  // True when no message counted for the subscriptions `s` ended since its
  // last forget_retired() can still be on its way to it, so they may be
  // forgotten and confirmed without a fence (pubsub/in_flight.h says why).
  // Read after the unsubscriptions; false proves nothing.
  bool nothing_owed(const Subscriber& s) const;

  // --- the loop's hooks ---
  Inbox& inbox() { return inbox_; }
  // Delivers what the inbox holds and runs its tasks (and those this shard
  // posted to itself).
  void drain_inbox();
  // Hands each other shard its batch of this iteration (one wake-up each).
  void flush_outboxes();
  // Work this shard gave itself: the loop must not sleep before it runs.
  bool has_own_work() const { return !outboxes_[index_].empty(); }
  // From the cluster's thread: a message from another node (with one frame
  // reference for this shard) into the inbox. Dropped (the reference
  // released) when the shard is already this far behind on such messages.
  enum class Accepted { dropped, queued, queued_wake };
  Accepted accept_remote(pubsub::RoutedMessage message);

  // --- output limits (output_limits.cpp) ---
  // Applies the hard and soft limits of `s`'s class: nothing, oldest
  // messages dropped (drop-oldest), or `s` doomed.
  void check_output_limits(Subscriber& s);
  // Drops `s`'s oldest whole messages down to `target_bytes`; true when
  // that got it there.
  bool drop_oldest(Subscriber& s, size_t target_bytes, const char* which);
  // Stops delivering to `s` and queues it for closing after this batch.
  void doom(Subscriber& s);
  // The subscribers doomed since the last call, to close now.
  std::vector<Subscriber*> take_doomed();
  const config::OutputLimit& pubsub_limit() const { return pubsub_output_; }
  bool drop_oldest_policy() const { return policy_ == config::OutputPolicy::drop_oldest; }

 private:
  // publish() without the publisher's own subscriptions discounted.
  int64_t route_and_send(pubsub::Kind kind, std::string_view channel, std::string_view payload,
                         uint64_t quiet_publisher);
  void deliver(const pubsub::RoutedMessage& m);
  // To the RESUME subscribers of `channel` (a stream owned here): its
  // message with `offset` appended; returns how many it went to.
  int64_t send_to_resumers(std::string_view channel, std::string_view payload, uint64_t offset,
                           uint64_t quiet_publisher);
  // On a resumer's shard: `frame` (one reference) to the local clients `ids`.
  void deliver_resumed(pubsub::SharedFrame* frame, const std::vector<uint64_t>& ids, uint64_t publisher);
  void send_to_shards(const pubsub::RoutedMessage& m, uint64_t shards);

  const unsigned index_;
  pubsub::Directory& directory_;
  pubsub::HistoryNode& history_node_;
  Mesh& mesh_;
  ClusterLink* const link_;
  ShardContext& host_;
  output::ArmQueue<Subscriber>& arm_queue_;
  stats::ShardCounters& counters_;

  config::OutputLimit pubsub_output_;
  config::OutputLimit normal_output_;
  config::OutputPolicy policy_ = config::OutputPolicy::disconnect;
  size_t check_from_ = SIZE_MAX;  // below this, a subscriber is under both limits
  int64_t now_ms_ = 0;

  pubsub::Directory::Batch batch_;
  bool batching_ = false;  // between begin_changes() and end_changes()
  pubsub::LocalRegistry<Subscriber> registry_;
  pubsub::FrameRefPool frames_;
  pubsub::MessageArena arena_;     // this shard's publishes, encoded back to back
  pubsub::RoutedMessages routed_;  // scratch for publish()

  struct HistoryRule {
    std::vector<std::string> channels;  // globs
    pubsub::HistoryLimits limits;
  };
  std::vector<HistoryRule> history_rules_;
  int64_t history_max_memory_ = 0;
  pubsub::HistoryStreams history_;  // the streams this shard owns

  struct Resumer {
    unsigned shard;
    uint64_t id;  // client id
  };
  pubsub::NameMap<std::vector<Resumer>> resumers_;            // of the streams owned here
  std::unordered_map<uint64_t, Subscriber*> local_resumers_;  // this shard's clients with RESUME subscriptions

  Inbox inbox_;
  std::vector<Envelope> inbox_batch_;
  std::vector<std::vector<Envelope>> outboxes_;  // by target shard
  std::atomic<uint64_t> remote_backlog_bytes_{0};  // accepted by accept_remote(), not yet delivered
  std::vector<Subscriber*> doomed_;
};

}  // namespace ringcast::engine
