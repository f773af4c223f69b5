// What a shard does about clients that hold too much or idle too long: it
// closes those its engine doomed, enforces the global ceiling on queued
// output, and the idle timeout. Per-client limits live in the engine.
#include <algorithm>
#include <vector>

#include <spdlog/spdlog.h>

#include "shard/shard.h"

namespace ringcast {

void Shard::close_doomed() {
  for (engine::Subscriber* s : engine_.take_doomed()) {
    s->doomed = false;
    close_connection(*static_cast<Connection*>(s), "output limit");
  }
}

void Shard::enforce_output_memory(uint64_t queued_here) {
  uint64_t queued_everywhere = queued_here, largest_elsewhere = 0;
  for (unsigned i = 0; i < shard_count(); ++i) {
    if (i == index_) continue;
    const stats::ShardCounters& other = node_.shards[i]->counters();
    queued_everywhere += other.output_bytes.get();
    largest_elsewhere = std::max(largest_elsewhere, other.largest_output.get());
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
    if (engine_.drop_oldest_policy() && c->subscribed()) {
      const size_t keep = held - std::min<uint64_t>(held, excess);
      engine_.drop_oldest(*c, keep, "max_output_memory");
      excess -= std::min<uint64_t>(excess, held - c->out.bytes());
      if (c->out.bytes() <= keep) continue;
    }
    counters_.output_memory_limit_disconnections.add();
    spdlog::warn("closing client id={} addr={} name={}: it holds {} bytes of output and all clients together are over "
                 "limits.max_output_memory ({} bytes)",
                 c->id, c->addr, c->name, c->out.bytes(), ceiling);
    excess -= std::min<uint64_t>(excess, c->out.bytes());
    engine_.doom(*c);
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
    counters_.idle_timeout_disconnections.add();
    close_connection(*c, "idle timeout");
  }
}

}  // namespace ringcast
