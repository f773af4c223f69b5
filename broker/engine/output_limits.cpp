// What the engine does when a client holds too much output: per-client
// limits (hard, soft + seconds) under the disconnect or drop-oldest policy.
#include <spdlog/spdlog.h>

#include "engine/pubsub_engine.h"

namespace ringcast::engine {

void PubSubEngine::check_output_limits(Subscriber& s) {
  const config::OutputLimit& limit = s.subscribed() ? pubsub_output_ : normal_output_;
  const size_t used = s.out.bytes();
  const char* which = nullptr;
  if (limit.hard_bytes != 0 && used >= limit.hard_bytes) {
    which = "hard";
  } else if (limit.soft_bytes != 0 && used >= limit.soft_bytes) {
    if (s.soft_limit_since_ms == 0) {
      s.soft_limit_since_ms = now_ms_;
    } else if (now_ms_ - s.soft_limit_since_ms >= int64_t(limit.soft_seconds) * 1000) {
      which = "soft";
    }
  } else {
    s.soft_limit_since_ms = 0;
  }
  if (which == nullptr || s.closing || s.doomed) return;
  // drop-oldest keeps a subscriber connected by shedding its oldest messages
  // down to the soft limit (or just under the hard one); replies and a
  // partly written message are never dropped, so if that is not enough the
  // client is disconnected after all.
  if (drop_oldest_policy() && s.subscribed()) {
    const size_t target = limit.soft_bytes != 0 ? limit.soft_bytes - 1 : limit.hard_bytes - 1;
    if (drop_oldest(s, target, which)) return;
  }
  counters_.client_output_buffer_limit_disconnections.add();
  spdlog::warn("closing client id={} addr={} name={}: output buffer of {} bytes over its {} limit ({} {} {}s)",
               s.id, s.addr, s.name, used, which, limit.hard_bytes, limit.soft_bytes, limit.soft_seconds);
  doom(s);
}

void PubSubEngine::doom(Subscriber& s) {
  s.doomed = true;             // nothing more is queued to it
  s.close_after_reply = true;  // and nothing more is read
  doomed_.push_back(&s);
}

std::vector<Subscriber*> PubSubEngine::take_doomed() {
  std::vector<Subscriber*> out;
  out.swap(doomed_);
  return out;
}

bool PubSubEngine::drop_oldest(Subscriber& s, size_t target_bytes, const char* which) {
  const size_t before = s.out.bytes();
  const size_t dropped = before > target_bytes ? s.out.drop_oldest_frames(before - target_bytes) : 0;
  if (dropped != 0) {
    s.dropped_messages += dropped;
    counters_.dropped_messages.add(dropped);
    // One line per episode, not per message: the count says how many.
    if (now_ms_ - s.last_drop_log_ms >= 10000) {
      s.last_drop_log_ms = now_ms_;
      spdlog::warn("client id={} addr={} name={} too slow: dropped its {} oldest queued messages ({} limit; {} dropped "
                   "in all)",
                   s.id, s.addr, s.name, dropped, which, s.dropped_messages);
    }
  }
  if (s.out.bytes() > target_bytes) return false;
  s.soft_limit_since_ms = 0;
  return true;
}

}  // namespace ringcast::engine
