// What a shard does when a client holds too much: per-client output limits
// (hard, soft + seconds) under the disconnect or drop-oldest policy, the
// global ceiling on queued output, and the idle timeout.
#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "server.h"
#include "shard/shard.h"

namespace ringcast {

void Shard::check_output_limits(Connection& c) {
  const config::OutputLimit& limit = c.subscribed() ? settings_.pubsub_output : settings_.normal_output;
  const size_t used = c.out.bytes();
  const char* which = nullptr;
  if (limit.hard_bytes != 0 && used >= limit.hard_bytes) {
    which = "hard";
  } else if (limit.soft_bytes != 0 && used >= limit.soft_bytes) {
    if (c.soft_limit_since_ms == 0) {
      c.soft_limit_since_ms = now_ms_;
    } else if (now_ms_ - c.soft_limit_since_ms >= int64_t(limit.soft_seconds) * 1000) {
      which = "soft";
    }
  } else {
    c.soft_limit_since_ms = 0;
  }
  if (which == nullptr || c.closing || c.doomed) return;
  // drop-oldest keeps a subscriber connected by shedding its oldest messages
  // down to the soft limit (or just under the hard one); replies and a
  // partly written message are never dropped, so if that is not enough the
  // client is disconnected after all.
  if (settings_.output_policy == config::OutputPolicy::drop_oldest && c.subscribed()) {
    const size_t target = limit.soft_bytes != 0 ? limit.soft_bytes - 1 : limit.hard_bytes - 1;
    if (drop_oldest(c, target, which)) return;
  }
  stats_.output_limit_disconnects.add();
  spdlog::warn("closing client id={} addr={} name={}: output buffer of {} bytes over its {} limit ({} {} {}s)",
               c.id, c.addr, c.name, used, which, limit.hard_bytes, limit.soft_bytes, limit.soft_seconds);
  c.doomed = true;             // nothing more is queued to it
  c.close_after_reply = true;  // and nothing more is read
  doomed_.push_back(&c);
}

void Shard::close_doomed() {
  for (Connection* c : doomed_) {
    c->doomed = false;
    close_connection(*c, "output limit");
  }
  doomed_.clear();
}

bool Shard::drop_oldest(Connection& c, size_t target_bytes, const char* which) {
  const size_t before = c.out.bytes();
  const size_t dropped = before > target_bytes ? c.out.drop_oldest_frames(before - target_bytes) : 0;
  if (dropped != 0) {
    c.dropped_messages += dropped;
    stats_.dropped_messages.add(dropped);
    // One line per episode, not per message: the count says how many.
    if (now_ms_ - c.last_drop_log_ms >= 10000) {
      c.last_drop_log_ms = now_ms_;
      spdlog::warn("client id={} addr={} name={} too slow: dropped its {} oldest queued messages ({} limit; {} dropped "
                   "in all)",
                   c.id, c.addr, c.name, dropped, which, c.dropped_messages);
    }
  }
  if (c.out.bytes() > target_bytes) return false;
  c.soft_limit_since_ms = 0;
  return true;
}

void Shard::enforce_output_memory(uint64_t queued_here) {
  uint64_t queued_everywhere = queued_here, largest_elsewhere = 0;
  for (unsigned i = 0; i < server_.shard_count(); ++i) {
    if (i == index_) continue;
    queued_everywhere += server_.shard(i).stats().output_bytes.get();
    largest_elsewhere = std::max(largest_elsewhere, server_.shard(i).stats().largest_output.get());
  }
  const uint64_t ceiling = settings_.max_output_memory;
  if (queued_everywhere <= ceiling) return;
  // The largest consumers go first, across all shards: a shard acts on its
  // clients only while they hold more than the largest one any other shard
  // reported at its last tick; that shard handles its own.
  std::vector<Connection*> largest;
  for (auto& c : conns_)
    if (c && !c->closing && !c->doomed && c->out.bytes() != 0) largest.push_back(c.get());
  std::sort(largest.begin(), largest.end(),
            [](const Connection* a, const Connection* b) { return a->out.bytes() > b->out.bytes(); });
  uint64_t excess = queued_everywhere - ceiling;
  for (Connection* c : largest) {
    const size_t held = c->out.bytes();
    if (excess == 0 || held < largest_elsewhere) break;
    if (settings_.output_policy == config::OutputPolicy::drop_oldest && c->subscribed()) {
      const size_t keep = held - std::min<uint64_t>(held, excess);
      drop_oldest(*c, keep, "max_output_memory");
      excess -= std::min<uint64_t>(excess, held - c->out.bytes());
      if (c->out.bytes() <= keep) continue;
    }
    stats_.output_memory_disconnects.add();
    spdlog::warn("closing client id={} addr={} name={}: it holds {} bytes of output and all clients together are over "
                 "limits.max_output_memory ({} bytes)",
                 c->id, c->addr, c->name, c->out.bytes(), ceiling);
    excess -= std::min<uint64_t>(excess, c->out.bytes());
    c->doomed = true;
    c->close_after_reply = true;
    doomed_.push_back(c);
  }
}

void Shard::close_idle_clients() {
  const int64_t limit_ms = int64_t(settings_.timeout_seconds) * 1000;
  std::vector<Connection*> idle;
  for (auto& c : conns_) {
    // As Redis: subscribers wait for messages and are never idle; neither is
    // a client waiting on other shards.
    if (!c || c->closing || c->subscribed() || c->waiting) continue;
    if (now_ms_ - c->last_active_ms > limit_ms) idle.push_back(c.get());
  }
  for (Connection* c : idle) {
    stats_.idle_disconnects.add();
    close_connection(*c, "idle timeout");
  }
}

}  // namespace ringcast
