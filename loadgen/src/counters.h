// Run-wide event counters. Each worker thread owns a plain Counters it bumps
// without atomics and copies into its SharedCounters once per loop iteration;
// the main thread and other workers only read SharedCounters (relaxed loads).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace ringcast::loadgen {

enum Counter : size_t {
  kPublishesSent,         // all PUBLISH commands written
  kPublishesMeasured,     // of which in the measured window
  kRepliesAll,            // PUBLISH integer replies received
  kRepliesMeasured,       // ... for measured publishes
  kReplySumAll,           // sum of PUBLISH replies (receivers counted by the server)
  kReplySumMeasured,      // ... for measured publishes: the expected deliveries
  kPublishErrors,         // error replies to PUBLISH
  kReplyMismatch,         // reply != subscribers we know are listening (static runs only)
  kDeliveriesAll,         // verified, non-duplicate messages received (fast + slow)
  kDeliveriesMeasured,    // ... of measured publishes
  kBytesMeasured,         // payload bytes of measured deliveries
  kFastExpectedAll,       // planned runs: deliveries owed to fast subscribers (all of them without slow ones)
  kFastExpectedMeasured,
  kFastDeliveriesAll,
  kFastDeliveriesMeasured,
  kSlowDeliveries,        // received by slow subscribers
  kSlowDisconnects,       // slow subscribers the server disconnected
  kGapsSkipped,           // seqs jumped over (lost unless they arrive late)
  kLateArrivals,          // out-of-order arrivals of skipped seqs
  kStaleArrivals,         // arrivals more than 64 behind
  kDuplicates,
  kCorrupted,             // bad magic, length or checksum
  kMisrouted,             // verified payload on a channel this subscriber did not ask for
  kConnectErrors,
  kDisconnects,           // unexpected closes of non-slow connections
  kProtocolErrors,        // unparsable replies
  kCommandErrors,         // error replies to SUBSCRIBE/HELLO/...
  kSubscribersReady,      // stable subscribers with every subscription confirmed
  kPublishersReady,
  kChurnCycles,           // churning subscribers that completed subscribe..disconnect
  kAfterUnsubscribe,      // messages a churner got after its final unsubscribe confirmation
  kProbeMessages,         // readiness probes that reached stable subscribers (ignored)
  kOutstanding,           // publishes written but not yet answered (gauge)
  // resume scenario (resumer.h)
  kResumes,               // reconnects answered by a RESUME confirmation (not the first RESUME)
  kResumesRecovered,      // ... that reported recovered = 1: nothing may be missing or repeated
  kResumesNotRecovered,   // ... that reported 0: the resumer resyncs from the returned offset
  kResumeReplayed,        // messages the recovered resumes replayed (next offset - 1 - last seen)
  kResumeLost,            // offsets skipped within a stream life, and (after the run) the tail never received
  kResumeSeqErrors,       // offsets continued but a publisher's sequence did not (wrong message)
  kStreamRestarts,        // offsets started again at 1 on a live connection (a new epoch)
  kResumeBehind,          // resumers still owed answered publishes (gauge, drives the drain)
  kResumeCheckedNs,       // when this worker last computed kResumeBehind (now_ns)
  kCounterCount
};

const char* counter_name(Counter c);

struct Counters {
  std::array<uint64_t, kCounterCount> v{};
  uint64_t& operator[](Counter c) { return v[c]; }
  uint64_t operator[](Counter c) const { return v[c]; }
  void add(const Counters& o) {
    for (size_t i = 0; i < kCounterCount; ++i) v[i] += o.v[i];
  }
};

struct alignas(64) SharedCounters {
  std::array<std::atomic<uint64_t>, kCounterCount> v{};
  void publish(const Counters& c) {
    for (size_t i = 0; i < kCounterCount; ++i) v[i].store(c.v[i], std::memory_order_relaxed);
  }
  uint64_t get(Counter c) const { return v[c].load(std::memory_order_relaxed); }
  Counters snapshot() const {
    Counters c;
    for (size_t i = 0; i < kCounterCount; ++i) c.v[i] = v[i].load(std::memory_order_relaxed);
    return c;
  }
};

}  // namespace ringcast::loadgen
