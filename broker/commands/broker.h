// What a command handler may ask of the daemon: the narrow interface the
// shard implements (and unit tests fake). Handlers see their Connection's
// session state and this, never the shard, the server or the I/O layer.
//
// Threading: every call runs on the connection's shard thread; the
// callbacks given to gather_clients run on each shard's thread in turn.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "acl/access_log.h"
#include "acl/registry.h"
#include "config.h"
#include "conn/connection.h"
#include "pubsub/directory.h"
#include "pubsub/history_streams.h"
#include "stats/snapshot.h"

namespace ringcast::commands {

// One shard's clients, as CLIENT LIST and CLIENT KILL walk them.
class ClientScope {
 public:
  virtual void for_each(const std::function<void(Connection&)>& visit) = 0;
  virtual void kill(Connection& c, std::string_view why) = 0;
  virtual int64_t now_ms() const = 0;
  virtual unsigned shard_index() const = 0;

 protected:
  ~ClientScope() = default;
};

class Broker {
 public:
  // PUBLISH / SPUBLISH / MPUBLISH from `c`: fans the messages out in order;
  // the sum of their receiver counts (without `c` itself under CLIENT
  // NO-ECHO). Empty when a shard that owns the channel's history stream
  // publishes them: the count is then replied to `c` later, and `c`'s later
  // requests wait meanwhile.
  virtual std::optional<int64_t> publish(Connection& c, pubsub::Kind kind, std::string_view channel,
                                         std::span<const std::string_view> payloads) = 0;
  // Whether `channel` keeps history (a rule of the history section matches it).
  virtual bool keeps_history(std::string_view channel) const = 0;
  // HISTORY: runs `finish` with the page read on the channel's owner shard
  // (at once, or after a round trip while `c`'s later requests wait).
  virtual void read_history(Connection& c, std::string_view channel, uint64_t after, uint64_t count,
                            std::function<void(Connection&, const pubsub::HistoryPage&)> finish) = 0;
  // One subscription more or less; false when there was nothing to do.
  virtual bool subscribe(Connection& c, pubsub::Kind kind, std::string_view name) = 0;
  virtual bool unsubscribe(Connection& c, pubsub::Kind kind, std::string_view name) = 0;
  // True when a subscription may be confirmed as soon as subscribe()
  // returns (a standalone node); false: send the confirmations through
  // confirm_subscribed().
  virtual bool confirms_subscriptions_at_once() const = 0;
  // Sends `confirmations` once the subscriptions made so far are visible to
  // every publisher, on every node: at once on a standalone node. `c`'s
  // later requests wait meanwhile.
  virtual void confirm_subscribed(Connection& c, std::string confirmations) = 0;
  // After unsubscribe(): true when nothing counted for the subscriptions `c`
  // ended can still be on its way to it; they are then forgotten, and the
  // confirmations may go out at once. False: send them through
  // confirm_unsubscribed().
  virtual bool unsubscribed_settled(Connection& c) = 0;
  // Sends `confirmations` once every message counted for the subscriptions
  // `c` ended has reached it (a fence through every shard). `c`'s later
  // requests wait meanwhile.
  virtual void confirm_unsubscribed(Connection& c, std::string confirmations) = 0;
  // Ends every subscription of `c` at once (RESET).
  virtual void drop_all_subscriptions(Connection& c) = 0;
  // RESUME: joins `c` to `channel`'s live stream with what it missed after
  // (epoch, offset) replayed first, on the channel's sequencer shard; `c`'s
  // confirmation and replay are queued there and its later requests wait.
  virtual void resume_channel(Connection& c, std::string_view channel, uint64_t epoch, uint64_t offset) = 0;
  // Who subscribes to what, node-wide (PUBSUB).
  virtual const pubsub::Directory& directory() const = 0;

  // Runs `collect` over each shard's clients, then `finish` with the
  // answers in shard order; `c`'s later requests wait meanwhile, and if `c`
  // is gone by then the answers are dropped.
  virtual void gather_clients(Connection& c, std::function<std::string(ClientScope&)> collect,
                              std::function<void(Connection&, std::vector<std::string>&)> finish) = 0;

  virtual const acl::Registry& acl() const = 0;
  // ACL LOG and the acl_access_denied_* counts, shared by the node.
  virtual acl::AccessLog& access_log() = 0;
  // The user a connection starts as, or goes back to on RESET.
  virtual void reset_user(Connection& c) = 0;
  // False (and `c` is closed) when `c`'s user may not keep one of its
  // subscriptions, after AUTH switched users.
  virtual bool subscriptions_permitted(Connection& c) = 0;

  // The reloadable settings as this shard runs them.
  virtual const config::Config& settings() const = 0;
  virtual int64_t now_ms() const = 0;
  // The shard the connection lives on (CLIENT LIST / INFO's `shard` field).
  virtual unsigned shard_index() const = 0;
  // The daemon's figures (INFO).
  virtual stats::Snapshot snapshot() = 0;

 protected:
  ~Broker() = default;
};

}  // namespace ringcast::commands
