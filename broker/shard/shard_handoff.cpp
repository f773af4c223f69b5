// Cross-shard hand-off: outboxes batched per loop iteration, the inbox, and
// tasks that gather an answer from every shard.
#include <atomic>
#include <memory>

#include "cluster/nats_bridge.h"
#include "server.h"
#include "shard/shard.h"

namespace ringcast {

void Shard::drain_inbox() {
  inbox_.take(inbox_batch_);
  for (Envelope& e : outboxes_[index_]) inbox_batch_.push_back(std::move(e));
  outboxes_[index_].clear();
  for (Envelope& e : inbox_batch_) {
    if (e.message.frame) {
      if (e.message.remote) remote_backlog_bytes_.fetch_sub(e.message.size, std::memory_order_relaxed);
      deliver(e.message);
    } else {
      e.task(*this);
    }
  }
  inbox_batch_.clear();
}

void Shard::flush_outboxes() {
  for (unsigned target = 0; target < outboxes_.size(); ++target) {
    auto& box = outboxes_[target];
    if (box.empty() || target == index_) continue;
    Shard& to = server_.shard(target);
    if (to.inbox().push(box)) ring_.post_to(to.ring_fd(), uring::Op::Wake, 0, 0);
  }
}

void Shard::post(unsigned target, std::function<void(Shard&)> task) {
  outboxes_[target].push_back(Envelope{{}, std::move(task)});
}

void Shard::broadcast(std::function<void(Shard&)> task) {
  for (unsigned t = 0; t < outboxes_.size(); ++t) post(t, task);
}

namespace {

// Shared by the tasks of one gather(); the last shard to answer sends the
// whole result back to the origin shard.
struct Gathering {
  std::vector<std::string> parts;
  std::atomic<unsigned> pending;
  unsigned origin;
  uint32_t slot;
  uint64_t id;
  std::function<void(Shard&, Connection&, std::vector<std::string>&)> finish;
};

}  // namespace

void Shard::gather(Connection& c, std::function<std::string(Shard&)> collect,
                   std::function<void(Shard&, Connection&, std::vector<std::string>&)> finish) {
  auto g = std::make_shared<Gathering>();
  const unsigned n = server_.shard_count();
  g->parts.resize(n);
  g->pending.store(n);
  g->origin = index_;
  g->slot = c.slot;
  g->id = c.id;
  g->finish = std::move(finish);
  c.waiting = true;
  broadcast([g, collect = std::move(collect)](Shard& shard) {
    g->parts[shard.index()] = collect(shard);
    if (g->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    shard.post(g->origin, [g](Shard& origin) {
      Connection* c = origin.find(g->slot, g->id);
      if (c == nullptr) return;
      g->finish(origin, *c, g->parts);
      origin.resume(*c);
    });
  });
}

void Shard::after_cluster_flush(Connection& c, std::function<void(Shard&, Connection&)> finish) {
  cluster::NatsBridge* bridge = server_.cluster();
  if (bridge == nullptr) return finish(*this, c);
  c.waiting = true;
  bridge->after_flush([&server = server_, origin = index_, slot = c.slot, id = c.id, finish = std::move(finish)] {
    server.shard(origin).post_external([slot, id, finish](Shard& shard) {
      Connection* c = shard.find(slot, id);
      if (c == nullptr) return;
      finish(shard, *c);
      shard.resume(*c);
    });
  });
}

void Shard::fence(Connection& c, std::function<void(Shard&, Connection&)> finish) {
  gather(
      c, [](Shard&) { return std::string(); },
      [finish = std::move(finish)](Shard& origin, Connection& conn, std::vector<std::string>&) {
        finish(origin, conn);
      });
}

}  // namespace ringcast
