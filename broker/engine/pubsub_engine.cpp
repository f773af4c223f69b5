// Publishing, delivering and (un)subscribing on one shard: the fan-out path.
#include "engine/pubsub_engine.h"

#include <algorithm>
#include <bit>

#include "pubsub/glob.h"

namespace ringcast::engine {

using pubsub::Kind;
using pubsub::RoutedMessage;

namespace {

size_t limit_check_threshold(const config::OutputLimit& limit) {
  size_t t = SIZE_MAX;
  if (limit.hard_bytes != 0) t = std::min<size_t>(t, limit.hard_bytes);
  if (limit.soft_bytes != 0) t = std::min<size_t>(t, limit.soft_bytes);
  return t;
}

}  // namespace

int64_t own_subscriptions(const Subscriber& s, Kind kind, std::string_view channel) {
  int64_t n = s.subscriptions(kind).contains(channel) ? 1 : 0;
  if (kind == Kind::Channel)
    for (const std::string& pattern : s.patterns) n += pubsub::glob_match(pattern, channel) ? 1 : 0;
  return n;
}

PubSubEngine::PubSubEngine(unsigned index, pubsub::Directory& directory, pubsub::HistoryNode& history,
                           Mesh& mesh, ClusterLink* link, ShardContext& host,
                           output::ArmQueue<Subscriber>& arm_queue, stats::ShardCounters& counters)
    : index_(index),
      directory_(directory),
      history_node_(history),
      mesh_(mesh),
      link_(link),
      host_(host),
      arm_queue_(arm_queue),
      counters_(counters),
      history_(history),
      outboxes_(mesh.shard_count()) {}

PubSubEngine::~PubSubEngine() {
  std::vector<Envelope> left;
  inbox_.take(left);
  for (auto& box : outboxes_)
    for (Envelope& e : box) left.push_back(std::move(e));
  for (Envelope& e : left)
    if (e.message.frame) e.message.frame->release();
}

void PubSubEngine::apply_settings(const config::Config& settings) {
  pubsub_output_ = settings.pubsub_output;
  normal_output_ = settings.normal_output;
  policy_ = settings.output_policy;
  check_from_ = limit_check_threshold(pubsub_output_);
  history_rules_.clear();
  for (const config::HistoryRule& rule : settings.history.rules)
    history_rules_.push_back({rule.channels, {rule.max_messages, int64_t(rule.max_age_ms)}});
  history_max_memory_ = int64_t(settings.history.max_memory);
}

int64_t PubSubEngine::publish(Kind kind, std::string_view channel, std::string_view payload,
                              const Subscriber* publisher) {
  if (publisher == nullptr || !publisher->no_echo) return route_and_send(kind, channel, payload, 0);
  // Its subscriptions are all on this shard, each counted by the directory
  // and skipped by deliver().
  return route_and_send(kind, channel, payload, publisher->id) - own_subscriptions(*publisher, kind, channel);
}

int64_t PubSubEngine::route_and_send(Kind kind, std::string_view channel, std::string_view payload,
                                     uint64_t quiet_publisher) {
  end_changes();  // routing reads the directory
  counters_.publishes.add();
  // drop-oldest drops whole messages: each needs a frame of its own, not a slice of a block.
  const bool own_frames = drop_oldest_policy();
  // A history channel's message is numbered and kept first, in its stream's
  // block, whose slice its channel subscribers are sent.
  const pubsub::HistoryLimits* limits = history_limits(kind, channel);
  pubsub::HistoryStreams::Appended kept{};
  if (limits != nullptr) kept = history_.append(channel, *limits, payload, 0, now_ms_);
  const int64_t receivers = pubsub::route_publish(
      directory_, kind, channel, true, uint64_t(1) << index_, [](std::string_view) { return true; },
      [&](Kind k, std::string_view pattern, uint32_t refs) {
        if (limits != nullptr && k == kind && !own_frames) {
          kept.message.frame->add_refs(refs);
          return kept.message;
        }
        return own_frames ? pubsub::encode_message(k, pattern, channel, payload, refs)
                          : arena_.encode(k, pattern, channel, payload, refs);
      },
      routed_);
  if (quiet_publisher != 0)
    for (auto& routed : routed_) routed.first.publisher = quiet_publisher;
  for (auto& [message, shards] : routed_) send_to_shards(message, shards);
  routed_.clear();
  int64_t resumed = 0;
  if (limits != nullptr) {
    history_.shrink_to(history_max_memory_);
    if (!resumers_.empty()) resumed = send_to_resumers(channel, payload, kept.offset, quiet_publisher);
  }
  if (link_ != nullptr) link_->forward(kind, channel, payload);
  return receivers + resumed;
}

void PubSubEngine::send_to_shards(const RoutedMessage& m, uint64_t shards) {
  // One envelope per target shard, never one per subscriber.
  for (uint64_t rest = shards; rest != 0; rest &= rest - 1) {
    const auto target = unsigned(std::countr_zero(rest));
    if (target == index_) {
      deliver(m);
    } else {
      outboxes_[target].push_back(Envelope{m, {}});
    }
  }
}

void PubSubEngine::deliver(const RoutedMessage& m) {
  const auto* subscribers = registry_.find(m.kind, m.key());
  if (subscribers == nullptr) {
    m.frame->release();  // everyone left since it was routed
    return;
  }
  // drop-oldest drops whole messages, so it needs each one in its own segment.
  const bool may_copy = !drop_oldest_policy();
  pubsub::FrameRef* resp2;
  uint32_t begin = m.begin;
  if (!m.in_block) {
    resp2 = frames_.adopt(m.frame);
  } else if (may_copy) {
    resp2 = frames_.adopt_block(m.frame);
  } else {  // routed before the policy changed: a frame of its own after all
    resp2 = frames_.adopt(pubsub::SharedFrame::copy_of(m.bytes()));
    m.frame->release();
    begin = 0;
  }
  pubsub::FrameRef* resp3 = nullptr;  // the push variant, made if someone needs it
  uint64_t delivered = 0;
  for (const auto& entry : subscribers->entries) {
    // Only subscriptions that were counted when the message was routed.
    if (!entry.receives(m.version)) continue;
    Subscriber* s = entry.subscriber;
    if (s->doomed || s->closing) continue;
    if (m.publisher != 0 && s->id == m.publisher) continue;  // CLIENT NO-ECHO
    if (s->proto >= 3) {
      if (resp3 == nullptr) resp3 = frames_.adopt(pubsub::push_variant(m.bytes()));
      s->out.push_frame(resp3, may_copy);
    } else {
      s->out.push_message(resp2, begin, m.size, may_copy);
    }
    ++delivered;
    arm_queue_.mark(s);
    if (s->out.bytes_lower_bound() >= check_from_ || s->soft_limit_since_ms != 0) check_output_limits(*s);
  }
  counters_.deliveries.add(delivered);
  frames_.drop_if_unused(resp2);
  if (resp3 != nullptr) frames_.drop_if_unused(resp3);
}

bool PubSubEngine::subscribe(Subscriber& s, Kind kind, std::string_view name) {
  if (!s.subscriptions(kind).emplace(name).second) return false;
  auto& list = registry_.list(kind, name);  // one lookup for the count and the entry
  const bool first = list.active == 0;
  // Visible to every publisher before the caller confirms it to the client.
  const uint64_t since = directory_.subscribed(kind, name, index_, first, batching_ ? &batch_ : nullptr);
  registry_.add(list, &s, since);
  return true;
}

bool PubSubEngine::unsubscribe(Subscriber& s, Kind kind, std::string_view name) {
  NameSet& mine = s.subscriptions(kind);
  auto it = mine.find(name);
  if (it == mine.end()) return false;
  auto* list = registry_.find_mutable(kind, name);
  const bool last = list != nullptr && list->active == 1;
  const uint64_t until = directory_.unsubscribed(kind, name, index_, last, batching_ ? &batch_ : nullptr);
  if (list != nullptr) registry_.retire(*list, &s, until);
  s.retiring.emplace_back(kind, std::string(name));
  mine.erase(it);
  return true;
}

void PubSubEngine::forget_retired(Subscriber& s) {
  for (const auto& [kind, name] : s.retiring) registry_.remove(kind, name, &s);
  s.retiring.clear();
  s.resume_ended = false;
  if (s.resumed.empty()) local_resumers_.erase(s.id);
}

void PubSubEngine::drop_all_subscriptions(Subscriber& s) {
  for (Kind kind : {Kind::Channel, Kind::Pattern, Kind::ShardChannel}) {
    NameSet& mine = s.subscriptions(kind);
    for (const std::string& name : mine) {
      const bool last = registry_.active(kind, name) == 1;
      directory_.unsubscribed(kind, name, index_, last, batching_ ? &batch_ : nullptr);
      registry_.remove(kind, name, &s);
    }
    mine.clear();
  }
  end_changes();
  for (const std::string& channel : std::vector<std::string>(s.resumed.begin(), s.resumed.end()))
    end_resume(s, channel);
  forget_retired(s);
}

}  // namespace ringcast::engine
