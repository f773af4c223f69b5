// The figures each shard keeps about itself, live (ShardCounters: written by
// the shard's thread, readable from any thread) and as read at one moment
// (ShardSnapshot). One list of names serves both, and INFO, /stats and
// /metrics render from it (stats/snapshot.h).
#pragma once

#include <atomic>
#include <cstdint>

namespace ringcast::stats {

// Written by one thread only, so a relaxed load+store suffices: no locked
// instruction on the hot path.
class Counter {
 public:
  void add(uint64_t n = 1) { value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// X(name): every per-shard figure, named after the INFO field it feeds
// where Redis has one (without INFO's total_ prefix).
#define RINGCAST_SHARD_FIGURES(X)                                                                          \
  X(connections)                                /* open now */                                           \
  X(connections_received)                       /* adopted by this shard since start */                  \
  X(commands_processed)                         /* commands executed */                                  \
  X(publishes)                                  /* PUBLISH/SPUBLISH (and HTTP publishes) routed here */  \
  X(deliveries)                                 /* messages queued to local subscribers */               \
  X(net_output_bytes)                           /* written to sockets */                                 \
  X(net_input_bytes)                            /* read from sockets */                                  \
  X(loop_iterations)                                                                                     \
  X(loop_busy_us)                               /* working, outside the wait for events */               \
  X(writes)                                     /* writev calls: deliveries / writes = messages per send */ \
  X(coalescing_window_us)                       /* how long delivered messages may wait (now) */         \
  X(coalescing_max_wait_us)                     /* the longest they waited in the last second */        \
  X(output_bytes)                               /* queued output across clients (sampled each tick) */   \
  X(largest_output)                             /* the most one local client holds (each tick) */        \
  X(client_output_buffer_limit_disconnections)                                                           \
  X(client_query_buffer_limit_disconnections)                                                            \
  X(output_memory_limit_disconnections)         /* cut by limits.max_output_memory */                    \
  X(idle_timeout_disconnections)                /* closed by `timeout` */                                \
  X(dropped_messages)                           /* dropped by the drop-oldest policy */                  \
  X(protocol_errors)                                                                                     \
  X(ops_per_sec)                                /* commands in the last full second */                   \
  X(deliveries_per_sec)                         /* deliveries in the last full second */                 \
  X(history_channels)                           /* history streams this shard owns (each tick) */        \
  X(history_messages)                           /* messages they retain (each tick) */                   \
  X(history_bytes)                              /* memory they hold (each tick) */                       \
  X(history_evictions)                          /* messages dropped by count, age or memory */           \
  X(resumes_recovered)                          /* RESUMEs answered recovered */                         \
  X(resumes_not_recovered)

template <class Value>
struct ShardFigures {
#define RINGCAST_FIELD(name) Value name{};
  RINGCAST_SHARD_FIGURES(RINGCAST_FIELD)
#undef RINGCAST_FIELD
};

using ShardCounters = ShardFigures<Counter>;
using ShardSnapshot = ShardFigures<uint64_t>;

inline ShardSnapshot read(const ShardCounters& live) {
  ShardSnapshot s;
#define RINGCAST_READ(name) s.name = live.name.get();
  RINGCAST_SHARD_FIGURES(RINGCAST_READ)
#undef RINGCAST_READ
  return s;
}

inline void add_to(ShardSnapshot& sum, const ShardSnapshot& s) {
#define RINGCAST_ADD(name) sum.name += s.name;
  RINGCAST_SHARD_FIGURES(RINGCAST_ADD)
#undef RINGCAST_ADD
}

}  // namespace ringcast::stats
