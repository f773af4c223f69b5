// State shared by the main thread and every worker for one run. Options and
// Plan are immutable once workers start; the phase and the per-worker
// SharedCounters are the only things that change, and only through atomics.
#pragma once

#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "counters.h"
#include "options.h"
#include "plan.h"
#include "topology.h"

namespace ringcast::loadgen {

enum class Phase : int {
  kSetup,    // connect and subscribe; nothing is published
  kWarmup,   // publish, but not counted in results
  kMeasure,  // publishes carry kFlagMeasured and count
  kDrain,    // no new publishes; wait for replies and deliveries to arrive
  kStop,     // close everything and exit
};

struct RunContext {
  RunContext(const Options& o, const Plan& p, const Topology& t, uint32_t workers)
      : opt(o), plan(p), topo(t), shared(workers) {
    for (auto& s : shared) s = std::make_unique<SharedCounters>();
  }

  const Options& opt;
  const Plan& plan;
  const Topology& topo;
  std::vector<sockaddr_in> addrs;  // by node index (topo.nodes())
  uint32_t hello_version = 2;
  // Sent first on every connection (AUTH, HELLO 3), and how many replies it gets.
  std::string handshake;
  uint32_t handshake_replies = 0;
  std::atomic<Phase> phase{Phase::kSetup};
  // Set after the drain: slow subscribers read everything left, so the ones
  // the server dropped at its output limit see end-of-file and are counted.
  std::atomic<bool> release_slow{false};
  std::vector<std::unique_ptr<SharedCounters>> shared;  // one per worker, written only by it
  int64_t max_lag = 0;          // deliveries owed before closed-loop publishers pause
  bool strict_replies = false;  // PUBLISH replies must equal the planned receivers on the publisher's node
  bool slow_run = false;        // some subscribers are slow: only fast ones are owed deliveries
  // Deliveries owed come from the plan (kFastExpected*: slow runs, cross-node
  // runs), not from the sum of PUBLISH replies.
  bool planned = false;
  // Resume runs: publishes of publisher p to channel c the server answered
  // (so numbered), at [p * channels + c]. Written by p's worker only; what a
  // resumer must have received by the end of the drain.
  std::unique_ptr<std::atomic<uint64_t>[]> answered;
  uint64_t answered_count(uint32_t p, uint32_t c) const {
    return answered[size_t{p} * plan.channel_count() + c].load(std::memory_order_acquire);
  }

  Phase current() const { return phase.load(std::memory_order_acquire); }

  // Deliveries the server has promised (by its PUBLISH replies) but subscribers
  // have not yet received, summed over all workers. Drives flow control.
  int64_t inflight() const {
    uint64_t owed = 0, got = 0;
    for (const auto& s : shared) {
      owed += s->get(planned ? kFastExpectedAll : kReplySumAll);
      got += s->get(planned ? kFastDeliveriesAll : kDeliveriesAll);
    }
    return static_cast<int64_t>(owed) - static_cast<int64_t>(got);
  }

  Counters totals() const {
    Counters c;
    for (const auto& s : shared) c.add(s->snapshot());
    return c;
  }
};

}  // namespace ringcast::loadgen
