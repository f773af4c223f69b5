// RESUME: a client joins a history channel's live stream on the shard that
// sequences it, with the messages it missed replayed first. Both happen in
// one task on that shard, whose later messages to the client's shard follow
// the replay through the same FIFO outbox: nothing between, nothing twice.
#include <algorithm>
#include <charconv>
#include <memory>

#include "engine/pubsub_engine.h"

namespace ringcast::engine {

namespace {

// Frames a task carries to another shard, one reference each: released if
// the task is dropped without running (a shard stopping), taken (nulled) by
// the delivery that adopts them otherwise.
struct HeldFrames {
  std::vector<pubsub::SharedFrame*> frames;
  HeldFrames() = default;
  HeldFrames(const HeldFrames&) = delete;
  HeldFrames& operator=(const HeldFrames&) = delete;
  ~HeldFrames() {
    for (pubsub::SharedFrame* f : frames)
      if (f != nullptr) f->release();
  }
};

struct Outcome {
  bool recovered = false;
  uint64_t epoch = 0;
  uint64_t next_offset = 1;
};

void append_number(std::string& out, char type, uint64_t n) {
  char buf[24];
  out += type;
  out.append(buf, size_t(std::to_chars(buf, buf + sizeof buf, n).ptr - buf));
  out += "\r\n";
}

// [resume, channel, count, recovered, epoch, next offset], a push in RESP3.
std::string confirmation(const Subscriber& s, std::string_view channel, const Outcome& o) {
  std::string out = s.proto >= 3 ? ">6\r\n" : "*6\r\n";
  out += "$6\r\nresume\r\n";
  append_number(out, '$', channel.size());
  out.append(channel);
  out += "\r\n";
  append_number(out, ':', s.subscription_count(pubsub::Kind::Channel));
  append_number(out, ':', o.recovered ? 1 : 0);
  append_number(out, ':', o.epoch);
  append_number(out, ':', o.next_offset);
  return out;
}

}  // namespace

size_t PubSubEngine::resumers() const {
  size_t n = 0;
  for (const auto& [channel, list] : resumers_) n += list.size();
  return n;
}

void PubSubEngine::resume(Subscriber& s, std::string_view channel, uint64_t epoch, uint64_t offset, Task done) {
  s.resumed.emplace(channel);
  local_resumers_[s.id] = &s;
  post(history_owner(channel), [origin = index_, id = s.id, channel = std::string(channel), epoch, offset,
                                done = std::move(done)](ShardContext& at_owner) mutable {
    PubSubEngine& owner = at_owner.engine();
    auto& list = owner.resumers_[channel];
    // A second RESUME of the same channel replaces the first.
    const bool again = std::erase_if(list, [&](const Resumer& r) { return r.shard == origin && r.id == id; }) != 0;
    list.push_back({origin, id});
    Outcome o;
    auto replay = std::make_shared<HeldFrames>();
    const pubsub::HistoryStream* stream = owner.history_.find(channel);
    const bool made_now = stream == nullptr;
    // The stream is made now if it has none, so the confirmation names the
    // epoch its first message will carry; resumers keep it from going.
    if (const pubsub::HistoryLimits* limits = owner.history_limits(pubsub::Kind::Channel, channel)) {
      stream = &owner.history_.open(channel, *limits);
      if (!again) owner.history_.count_resumer(channel, +1);
    }
    if (stream != nullptr && made_now) {
      o.epoch = stream->epoch;
      o.recovered = epoch == 0;  // nothing was ever there to miss
    } else if (stream != nullptr) {
      const pubsub::HistoryRing& ring = stream->ring;
      o.epoch = stream->epoch;
      o.next_offset = ring.next_offset();
      o.recovered = epoch == stream->epoch && offset < ring.next_offset() && offset + 1 >= ring.first_offset();
      if (o.recovered)
        ring.since(offset, SIZE_MAX, [&](uint64_t off, std::string_view message) {
          replay->frames.push_back(pubsub::encode_offset_message(channel, pubsub::message_payload(message), off));
        });
    } else {
      o.recovered = epoch == 0;  // nothing was ever there to miss
    }
    (o.recovered ? owner.counters_.resumes_recovered : owner.counters_.resumes_not_recovered).add();
    owner.post(origin, [id, channel = std::move(channel), o, replay, done = std::move(done)](ShardContext& back) {
      PubSubEngine& engine = back.engine();
      auto it = engine.local_resumers_.find(id);
      if (it != engine.local_resumers_.end()) {  // else gone meanwhile: the frames go with `replay`
        Subscriber& s = *it->second;
        s.out.append(confirmation(s, channel, o));
        engine.arm_queue_.mark(&s);
        for (pubsub::SharedFrame*& f : replay->frames) {
          engine.deliver_resumed(f, {id}, 0);
          f = nullptr;
        }
      }
      done(back);
    });
  });
}

bool PubSubEngine::end_resume(Subscriber& s, std::string_view channel) {
  auto it = s.resumed.find(channel);
  if (it == s.resumed.end()) return false;
  s.resumed.erase(it);
  s.resume_ended = true;
  post(history_owner(channel), [origin = index_, id = s.id, channel = std::string(channel)](ShardContext& at_owner) {
    PubSubEngine& owner = at_owner.engine();
    auto found = owner.resumers_.find(channel);
    if (found == owner.resumers_.end()) return;
    if (std::erase_if(found->second, [&](const Resumer& r) { return r.shard == origin && r.id == id; }) != 0)
      owner.history_.count_resumer(channel, -1);
    if (found->second.empty()) owner.resumers_.erase(found);
  });
  return true;
}

int64_t PubSubEngine::send_to_resumers(std::string_view channel, std::string_view payload, uint64_t offset,
                                       uint64_t quiet_publisher) {
  auto found = resumers_.find(channel);
  if (found == resumers_.end()) return 0;
  int64_t receivers = 0;
  std::vector<std::vector<uint64_t>> by_shard(shard_count());
  for (const Resumer& r : found->second) {
    if (r.id == quiet_publisher) continue;
    by_shard[r.shard].push_back(r.id);
    ++receivers;
  }
  // One frame for every resumer, one reference per shard that has some.
  pubsub::SharedFrame* frame = pubsub::encode_offset_message(channel, payload, offset);
  uint32_t shards = 0;
  for (const auto& ids : by_shard) shards += ids.empty() ? 0 : 1;
  if (shards == 0) {
    frame->release();
    return 0;
  }
  frame->add_refs(shards - 1);
  // Through the outbox even to this shard: a replay posted to a client
  // here must not be overtaken by the messages that follow it.
  for (unsigned target = 0; target < by_shard.size(); ++target) {
    if (by_shard[target].empty()) continue;
    auto held = std::make_shared<HeldFrames>();
    held->frames.push_back(frame);
    post(target, [held, ids = std::move(by_shard[target]), quiet_publisher](ShardContext& there) {
      there.engine().deliver_resumed(held->frames[0], ids, quiet_publisher);
      held->frames[0] = nullptr;
    });
  }
  return receivers;
}

void PubSubEngine::deliver_resumed(pubsub::SharedFrame* frame, const std::vector<uint64_t>& ids, uint64_t publisher) {
  const bool may_copy = !drop_oldest_policy();
  pubsub::FrameRef* resp2 = frames_.adopt(frame);
  pubsub::FrameRef* resp3 = nullptr;
  uint64_t delivered = 0;
  for (uint64_t id : ids) {
    auto it = local_resumers_.find(id);
    if (it == local_resumers_.end() || id == publisher) continue;
    Subscriber* s = it->second;
    if (s->doomed || s->closing) continue;
    if (s->proto >= 3) {
      if (resp3 == nullptr) resp3 = frames_.adopt(pubsub::push_variant(frame->view()));
      s->out.push_frame(resp3, may_copy);
    } else {
      s->out.push_frame(resp2, may_copy);
    }
    ++delivered;
    arm_queue_.mark(s);
    if (s->out.bytes_lower_bound() >= check_from_ || s->soft_limit_since_ms != 0) check_output_limits(*s);
  }
  counters_.deliveries.add(delivered);
  frames_.drop_if_unused(resp2);
  if (resp3 != nullptr) frames_.drop_if_unused(resp3);
}

}  // namespace ringcast::engine
