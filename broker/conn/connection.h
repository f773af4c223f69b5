// One client connection: its input bytes, protocol state, subscriptions and
// output queue. Owned by one shard and touched only by that shard's thread.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "acl/user.h"
#include "output/output_queue.h"
#include "pubsub/message_frame.h"
#include "pubsub/name_map.h"
#include "resp/request_parser.h"

namespace ringcast {

using NameSet = std::unordered_set<std::string, pubsub::NameHash, std::equal_to<>>;

struct Connection {
  uint64_t id = 0;    // CLIENT ID: unique across shards for the daemon's life
  uint32_t slot = 0;  // index in the shard's connection table (user_data)
  int fd = -1;
  int proto = 2;  // 2 or 3, set by HELLO
  int db = 0;     // SELECTed; pub/sub ignores it, CLIENT LIST shows it
  const acl::User* user = nullptr;  // whose permissions apply; never null once adopted
  bool authenticated = false;

  // Lifecycle. A connection is freed only when nothing the kernel or the
  // loop holds still points at it (see Shard::finalize_if_idle).
  bool recv_armed = false;
  bool write_in_flight = false;
  bool armed = false;               // sits in the arm queue
  bool needs_recv_rearm = false;    // recv stopped for lack of buffers; re-arm later
  bool close_after_reply = false;   // QUIT / protocol error: flush, then close
  bool closing = false;             // being torn down: no more input or output
  bool waiting = false;             // awaiting a cross-shard answer; input held back
  bool doomed = false;              // over an output limit: closed once this delivery batch ends

  // Touched for every delivered message: kept next to the flags above.
  output::OutputQueue out;
  int64_t soft_limit_since_ms = 0;  // when output first went over the soft limit (0: under)
  std::vector<iovec> iov;  // the in-flight writev's vector; alive until its completion

  std::string inbuf;     // bytes of requests not parsed yet
  size_t inbuf_need = 0;  // don't re-parse before inbuf holds this many bytes
  resp::ParseProgress parse_progress;  // where the request at the front of inbuf stopped

  NameSet channels;
  NameSet patterns;
  NameSet shard_channels;
  // Ended subscriptions whose registry entries still serve messages routed
  // before they ended (see LocalRegistry); removed once every shard has
  // flushed those, or when the connection closes.
  std::vector<std::pair<pubsub::Kind, std::string>> retiring;

  std::string name;
  std::string addr;   // peer ip:port
  std::string laddr;  // local ip:port
  int64_t created_ms = 0;
  int64_t last_active_ms = 0;
  uint64_t dropped_messages = 0;  // by the drop-oldest policy
  int64_t last_drop_log_ms = -1000000;
  std::string_view last_command = "NULL";  // points into the static command table

  NameSet& subscriptions(pubsub::Kind kind) {
    switch (kind) {
      case pubsub::Kind::Channel: return channels;
      case pubsub::Kind::Pattern: return patterns;
      case pubsub::Kind::ShardChannel: break;
    }
    return shard_channels;
  }
  // The count Redis reports in (un)subscribe confirmations.
  size_t subscription_count(pubsub::Kind kind) const {
    return kind == pubsub::Kind::ShardChannel ? shard_channels.size() : channels.size() + patterns.size();
  }
  bool subscribed() const { return !channels.empty() || !patterns.empty() || !shard_channels.empty(); }
};

}  // namespace ringcast
