// Several pub/sub engines wired together the way the shard set wires them,
// without threads or I/O: a hand-over lands in the target's inbox, and the
// test decides when each shard runs its loop steps. Used by the engine tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "engine/pubsub_engine.h"
#include "output_wire.h"

namespace ringcast::engine::testing {

class FakeShard;

// The node: a directory and N shards that can reach each other.
class FakeNode {
 public:
  explicit FakeNode(unsigned shards, const config::Config& settings = {});
  FakeShard& shard(unsigned i) { return *shards_[i]; }
  pubsub::Directory& directory() { return directory_; }
  pubsub::HistoryNode& history() { return history_; }
  unsigned size() const { return size_; }
  // Runs every shard's loop steps (drain, then flush) until no work is left.
  void settle();

 private:
  pubsub::Directory directory_;
  pubsub::HistoryNode history_{1};
  unsigned size_;  // known before the shards are made: each engine sizes its outboxes by it
  std::vector<std::unique_ptr<FakeShard>> shards_;
};

class FakeShard final : public ShardContext, public Mesh {
 public:
  FakeShard(FakeNode& node, unsigned index, const config::Config& settings)
      : node_(node), engine_(index, node.directory(), node.history(), *this, nullptr, *this, arm_queue_, counters) {
    engine_.apply_settings(settings);
  }
  ~FakeShard() {
    for (auto& s : subscribers_) s->out.clear();  // before the engine's frame pool goes
  }

  PubSubEngine& engine() override { return engine_; }
  unsigned shard_count() const override { return node_.size(); }
  void hand_over(unsigned target, std::vector<Envelope>& batch) override {
    ++hand_overs;
    node_.shard(target).engine().inbox().push(batch);
  }

  // A subscriber living on this shard (as a connection would).
  Subscriber& add_subscriber(int proto = 2) {
    subscribers_.push_back(std::make_unique<Subscriber>());
    // Unique across the node, as CLIENT IDs are.
    subscribers_.back()->id = (uint64_t(engine_.index()) << 32) | subscribers_.size();
    subscribers_.back()->proto = proto;
    return *subscribers_.back();
  }
  // One loop iteration's pub/sub steps: deliver the inbox, hand out the outboxes.
  void step() {
    engine_.drain_inbox();
    engine_.flush_outboxes();
  }
  // Everything queued to `s`, as a socket would receive it, written out.
  static std::string written(Subscriber& s) { return ringcast::testing::write_out(s.out); }

  stats::ShardCounters counters;
  unsigned hand_overs = 0;

 private:
  FakeNode& node_;
  output::ArmQueue<Subscriber> arm_queue_;
  PubSubEngine engine_;
  std::vector<std::unique_ptr<Subscriber>> subscribers_;
};

inline FakeNode::FakeNode(unsigned shards, const config::Config& settings) : size_(shards) {
  for (unsigned i = 0; i < shards; ++i) shards_.push_back(std::make_unique<FakeShard>(*this, i, settings));
}

inline void FakeNode::settle() {
  for (int round = 0; round < 8; ++round)
    for (auto& s : shards_) s->step();
}

// The bytes Redis sends for a message / pmessage.
inline std::string bulk(const std::string& s) { return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n"; }
inline std::string message(const std::string& channel, const std::string& payload) {
  return "*3\r\n$7\r\nmessage\r\n" + bulk(channel) + bulk(payload);
}
inline std::string pmessage(const std::string& pattern, const std::string& channel, const std::string& payload) {
  return "*4\r\n$8\r\npmessage\r\n" + bulk(pattern) + bulk(channel) + bulk(payload);
}

}  // namespace ringcast::engine::testing
