// One client connection: the pub/sub engine's Subscriber (subscriptions,
// output queue) plus its session (user, name, protocol) and its input.
// Owned by one shard and touched only by that shard's thread.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "acl/user.h"
#include "engine/subscriber.h"
#include "resp/request_parser.h"

namespace ringcast {

using engine::NameSet;

struct Connection : engine::Subscriber {
  uint32_t slot = 0;  // index in the shard's connection table (the I/O layer's handle)
  int fd = -1;
  int db = 0;         // SELECTed; pub/sub ignores it, CLIENT LIST shows it
  const acl::User* user = nullptr;  // whose permissions apply; never null once adopted
  bool authenticated = false;

  // CLIENT REPLY: OFF silences every command reply until ON; SKIP the next
  // command's. Pub/sub messages and (un)subscribe confirmations still go
  // out, as in Redis 7.0.15. `replies_silenced` holds for the command being
  // run, until its (possibly cross-shard) reply is written.
  bool reply_off = false;
  bool reply_skip_next = false;
  bool replies_silenced = false;

  // Lifecycle. A connection is freed only when nothing the I/O layer or the
  // loop holds still points at it (see Shard::finalize_if_idle).
  bool reply_armed = false;      // sits in the shard's reply queue (written this iteration)
  bool receiving = false;        // from start_receiving until on_receive_ended
  bool write_in_flight = false;  // from the backend's write until on_written
  bool waiting = false;             // awaiting a cross-shard answer; input held back
  // Its unsent output passed limits.output.pause_reading: requests are left
  // unread (the receive paused) until half of that has gone out.
  bool reading_paused = false;
  bool receive_pausing = false;  // the I/O layer was asked to pause; its end not seen yet

  std::vector<iovec> iov;  // the in-flight writev's vector; alive until its completion
  int64_t last_write_ns = 0;  // when the last writev was submitted (coalescing's measure)

  std::string inbuf;     // bytes of requests not parsed yet
  size_t inbuf_need = 0;  // don't re-parse before inbuf holds this many bytes
  resp::ParseProgress parse_progress;  // where the request at the front of inbuf stopped

  std::string laddr;  // local ip:port
  int64_t created_ms = 0;
  int64_t last_active_ms = 0;
  std::string_view last_command = "NULL";  // points into the static command table
};

}  // namespace ringcast
