// Cross-shard hand-off: outboxes batched per loop iteration, the inbox,
// messages from other nodes, and the gather and fence round trips.
#include <atomic>
#include <memory>

#include "engine/pubsub_engine.h"

namespace ringcast::engine {

void PubSubEngine::drain_inbox() {
  inbox_.take(inbox_batch_);
  for (Envelope& e : outboxes_[index_]) inbox_batch_.push_back(std::move(e));
  outboxes_[index_].clear();
  // Delivered messages leave the in-flight count after they are in their
  // subscribers' queues, and before any task runs: a task may resume a
  // connection whose UNSUBSCRIBE then reads the count.
  uint64_t delivered = 0;
  for (Envelope& e : inbox_batch_) {
    if (e.message.frame) {
      if (e.message.remote) remote_backlog_bytes_.fetch_sub(e.message.size, std::memory_order_relaxed);
      if (e.message.to_number) {  // routed by nobody: not in flight
        number_remote(e.message);
        continue;
      }
      deliver(e.message);
      ++delivered;
    } else {
      directory_.in_flight().delivered(index_, delivered);
      delivered = 0;
      e.task(host_);
    }
  }
  directory_.in_flight().delivered(index_, delivered);
  inbox_batch_.clear();
}

void PubSubEngine::flush_outboxes() {
  for (unsigned target = 0; target < outboxes_.size(); ++target) {
    auto& box = outboxes_[target];
    if (box.empty() || target == index_) continue;
    mesh_.hand_over(target, box);
    box.clear();
  }
}

PubSubEngine::Accepted PubSubEngine::accept_remote(pubsub::RoutedMessage message) {
  // Frames queued here are the node's memory; the bridge's own queue is bounded by max_pending.
  constexpr uint64_t kMaxRemoteBacklogBytes = 64ull << 20;
  const uint32_t bytes = message.size;
  if (remote_backlog_bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes > kMaxRemoteBacklogBytes) {
    remote_backlog_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    message.frame->release();
    if (!message.to_number) directory_.in_flight().delivered(index_, 1);  // never will be: nothing to wait for
    return Accepted::dropped;
  }
  message.remote = true;
  thread_local std::vector<Envelope> batch;
  batch.push_back(Envelope{message, {}});
  // A non-empty inbox has a wake-up on its way already.
  return inbox_.push(batch) ? Accepted::queued_wake : Accepted::queued;
}

void PubSubEngine::post(unsigned target, Task task) { outboxes_[target].push_back(Envelope{{}, std::move(task)}); }

void PubSubEngine::broadcast(const Task& task) {
  for (unsigned t = 0; t < outboxes_.size(); ++t) post(t, task);
}

namespace {

// Shared by the tasks of one gather(); the last shard to answer sends the
// whole result back to the origin shard.
struct Gathering {
  std::vector<std::string> parts;
  std::atomic<unsigned> pending;
  unsigned origin;
  std::function<void(ShardContext&, std::vector<std::string>&)> finish;
};

}  // namespace

void PubSubEngine::gather(std::function<std::string(ShardContext&)> collect,
                          std::function<void(ShardContext&, std::vector<std::string>&)> finish) {
  auto g = std::make_shared<Gathering>();
  const unsigned n = shard_count();
  g->parts.resize(n);
  g->pending.store(n);
  g->origin = index_;
  g->finish = std::move(finish);
  broadcast([g, collect = std::move(collect)](ShardContext& shard) {
    PubSubEngine& engine = shard.engine();
    g->parts[engine.index()] = collect(shard);
    if (g->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    engine.post(g->origin, [g](ShardContext& origin) { g->finish(origin, g->parts); });
  });
}

bool PubSubEngine::nothing_owed(const Subscriber& s) const {
  // A RESUME subscription's messages come as tasks from its stream's owner,
  // which InFlight does not count: only a fence orders them.
  return !s.resume_ended && directory_.in_flight().none_to(index_);
}

void PubSubEngine::fence(Task done) {
  // Every shard answers through its own outbox to the origin, behind every
  // message it routed there before. (A gather is not enough: its last
  // answer alone travels back, and when the origin answers last, another
  // shard's messages may still sit in that shard's outbox when `done` runs.)
  struct Fence {
    unsigned pending;  // touched on the origin's thread only
    Task done;
  };
  auto fence = std::make_shared<Fence>(Fence{shard_count(), std::move(done)});
  broadcast([fence, origin = index_](ShardContext& shard) {
    shard.engine().post(origin, [fence](ShardContext& at_origin) {
      if (--fence->pending == 0) fence->done(at_origin);
    });
  });
}

}  // namespace ringcast::engine
