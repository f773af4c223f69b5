// One event-loop thread: an epoll instance, the connections assigned to it
// (subscriber j and publisher p go to worker j % T and p % T), its churn and
// slow-reader timers, and its own counters and histograms. Nothing here is
// touched by another thread except `shared` counters (atomics) and the
// interval histogram (under its mutex); the main thread reads `latency()` only
// after join().
#pragma once

#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "counters.h"
#include "histogram.h"
#include "run_context.h"

namespace ringcast::loadgen {

class Conn;
class Publisher;
class Resumer;
class Subscriber;
struct ResumeStream;

class Worker {
 public:
  Worker(RunContext& ctx, uint32_t index, uint32_t count);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void join();

  // Latency of measured deliveries; read after join().
  const Histogram& latency() const { return latency_; }
  // Moves this worker's recent latencies (all phases) into `into`.
  void drain_interval(Histogram& into);
  // Resume runs: answered publishes its resumers never received; after join().
  uint64_t resume_shortfall() const;

  // For connections.
  RunContext& context() { return ctx_; }
  Counters& counters() { return c_; }
  int epoll_fd() const { return ep_; }
  char* scratch() { return scratch_.get(); }
  size_t scratch_size() const { return kScratch; }
  void connect_finished() { --connecting_; }
  void reap_later(Conn* c) { dead_.push_back(c); }
  void record_latency(uint64_t ns, bool measured) {
    if (measured) latency_.record(ns);
    // The per-second progress p99 only needs a sample: 1 in 8, weighted.
    if ((++interval_tick_ & 7) == 0) interval_local_.record_n(ns, 8);
  }
  bool lag_ok() const { return lag_ok_; }
  void subscriber_ready(Subscriber* s);
  // Uniform in [0, n) (0 when n is 0): resumers' drop and reconnect times.
  uint64_t random_below(uint64_t n) { return n == 0 ? 0 : rng_() % n; }

 private:
  static constexpr size_t kScratch = 256 * 1024;
  static constexpr uint32_t kMaxConnecting = 128;

  void loop();
  template <typename T>
  T* add(std::unique_ptr<T> c);
  void start_connects();
  void spawn_churners(uint64_t now);
  void service_timers(uint64_t now);
  void reconnect_resumers(uint64_t now);
  void count_behind(uint64_t now);
  void reap();
  int64_t next_timeout_ns(uint64_t now) const;

  RunContext& ctx_;
  uint32_t index_;
  uint32_t count_;
  int ep_ = -1;
  std::thread thread_;
  std::unique_ptr<char[]> scratch_;

  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> dead_;
  std::vector<Conn*> to_connect_;  // in order; front first
  size_t connect_next_ = 0;
  uint32_t connecting_ = 0;
  std::vector<Publisher*> publishers_;
  std::vector<Subscriber*> timed_;  // churners and throttled readers: checked each iteration
  std::vector<std::unique_ptr<ResumeStream>> streams_;  // resume runs: one per subscriber, outlives its connections
  std::vector<Resumer*> resumers_;                      // their current connections
  std::mt19937_64 rng_;

  uint64_t churn_next_ns_ = 0;
  uint64_t churn_interval_ns_ = 0;
  uint64_t churn_spawned_ = 0;
  bool lag_ok_ = true;

  Counters c_;
  Histogram latency_;
  Histogram interval_local_;
  uint32_t interval_tick_ = 0;
  std::mutex interval_mu_;
  Histogram interval_shared_;
  uint64_t last_export_ns_ = 0;
};

}  // namespace ringcast::loadgen
