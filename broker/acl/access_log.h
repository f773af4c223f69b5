// Redis's ACL LOG: the recent refusals (failed AUTH, commands and channels a
// user may not use), grouped as Redis groups them, and the counters INFO
// shows as acl_access_denied_*. Shared by every shard and the HTTP listener:
// refusals are rare next to requests, so one lock is enough.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ringcast::acl {

enum class Denial : uint8_t { auth, command, channel };

struct AccessLogEntry {
  uint64_t count = 1;
  Denial reason = Denial::auth;
  std::string context;      // "toplevel" (RESP) or "http"
  std::string object;       // AUTH/HELLO as typed, the command, or the channel
  std::string username;     // the user asked for (auth) or the connection's
  int64_t created_ms = 0;   // when the last of the group happened
  std::string client_info;  // CLIENT INFO of the client, then
};

std::string_view reason_name(Denial reason);

struct AccessDenials {
  uint64_t auth = 0, command = 0, channel = 0;
};

class AccessLog {
 public:
  // Redis's acllog-max-len default, and how close in time a repeat must be
  // to be counted in its group rather than logged anew.
  static constexpr size_t kMaxEntries = 128;
  static constexpr int64_t kGroupingMs = 60000;

  // Counts the refusal and logs it: a repeat of an entry's reason, context,
  // object and user within kGroupingMs bumps that entry's count, refreshes
  // its time and client, and moves it to the front.
  void add(AccessLogEntry entry, int64_t now_ms);
  // The newest `count` entries, newest first.
  std::vector<AccessLogEntry> newest(size_t count) const;
  void reset();
  AccessDenials denials() const;

 private:
  mutable std::mutex mutex_;
  std::deque<AccessLogEntry> entries_;  // newest first
  std::atomic<uint64_t> auth_{0}, command_{0}, channel_{0};
};

}  // namespace ringcast::acl
