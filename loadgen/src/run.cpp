// Phase sequencing and progress reporting for one run; see run.h.
#include "run.h"

#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <fmt/format.h>
#include <memory>
#include <thread>
#include <vector>

#include "clock.h"
#include "payload.h"
#include "plan.h"
#include "probe.h"
#include "run_context.h"
#include "sysinfo.h"
#include "worker.h"
#include "text_format.h"

namespace ringcast::loadgen {
namespace {

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

double secs(uint64_t ns) { return static_cast<double>(ns) / 1e9; }

// Prints one line per second while publishers run.
class Progress {
 public:
  Progress(RunContext& ctx, std::vector<std::unique_ptr<Worker>>& w, bool on, uint64_t start)
      : ctx_(ctx), workers_(w), on_(on), start_(start), last_(start), prev_(ctx.totals()) {}

  void tick(uint64_t now, const char* phase) {
    if (now - last_ < 1'000'000'000) return;
    Counters cur = ctx_.totals();
    Histogram h;
    for (auto& w : workers_) w->drain_interval(h);
    double dt = secs(now - last_);
    if (on_) {
      uint64_t errors = cur[kCorrupted] + cur[kDuplicates] + cur[kMisrouted] + cur[kPublishErrors] +
                        cur[kProtocolErrors] + cur[kCommandErrors] + cur[kConnectErrors] + cur[kDisconnects] +
                        cur[kLateArrivals] + cur[kStaleArrivals];
      fmt::print(stderr, "[{:5.1f}s] {:<7} deliveries/s {:>8}  publishes/s {:>8}  p99 {:>8.1f} us  in-flight {:>7}  errors {}\n",
                 secs(now - start_), phase, si(static_cast<double>(cur[kDeliveriesAll] - prev_[kDeliveriesAll]) / dt),
                 si(static_cast<double>(cur[kPublishesSent] - prev_[kPublishesSent]) / dt),
                 static_cast<double>(h.percentile(99)) / 1e3, ctx_.inflight(), errors);
    }
    prev_ = cur;
    last_ = now;
  }

 private:
  RunContext& ctx_;
  std::vector<std::unique_ptr<Worker>>& workers_;
  bool on_;
  uint64_t start_, last_;
  Counters prev_;
};

// Summed CPU seconds of the server processes (a cluster is several); -1 when
// there are none or one cannot be read.
double servers_cpu_seconds(const std::vector<int>& pids) {
  if (pids.empty()) return -1;
  double sum = 0;
  for (int pid : pids) {
    double s = process_cpu_seconds(pid);
    if (s < 0) return -1;
    sum += s;
  }
  return sum;
}

int64_t auto_max_lag(const Options& o, const Plan& plan) {
  if (o.max_lag > 0) return static_cast<int64_t>(o.max_lag);
  // Enough owed deliveries to keep every subscriber's pipe busy (256 frames
  // each: fewer leaves both sides idle waiting on each other), but never so many bytes that a server's per-client output limit
  // (Redis: 32 MiB hard, 8 MiB soft) could trip on a subscriber that is
  // merely behind.
  int64_t subs = std::max<int64_t>(1, o.subscribers);
  int64_t lag = std::clamp<int64_t>(subs * 256, 16384, 262144);  // the cap bounds queueing delay
  int64_t frame = static_cast<int64_t>(plan.mean_payload_size()) + 64;
  int64_t by_bytes = std::max<int64_t>(int64_t{64 << 20} / frame, subs * 2);
  return std::min(lag, by_bytes);
}

}  // namespace

bool execute_run(const Options& o, RunResult& r, std::string& error) {
  r.started_at = iso_time_now();
  r.fd_limit = raise_fd_limit();
  uint64_t need = uint64_t{o.subscribers} + o.publishers +
                  static_cast<uint64_t>(o.churn_rate * o.churn_life_ms / 1000.0 * 2) + 64;
  if (need > r.fd_limit) {
    error = fmt::format("need about {} file descriptors but the limit is {} (raise the hard limit: ulimit -Hn)", need,
                        r.fd_limit);
    return false;
  }
  Plan plan(o);
  Topology topo(o, plan);
  for (const Endpoint& e : topo.nodes()) {
    if (std::string err = wait_for_server(e.host, e.port, o.wait_s, o.user, o.password); !err.empty()) {
      error = err;
      return false;
    }
  }
  uint32_t threads = o.threads ? o.threads : usable_cpus();
  threads = std::max<uint32_t>(1, std::min<uint32_t>(threads, o.subscribers + o.publishers));
  r.threads = threads;
  RunContext ctx(o, plan, topo, threads);
  for (const Endpoint& e : topo.nodes()) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(e.port);
    inet_pton(AF_INET, e.host.c_str(), &a.sin_addr);
    ctx.addrs.push_back(a);
  }
  ctx.hello_version = o.resp3 ? 3 : 2;
  if (!o.password.empty()) {
    ctx.handshake += o.user.empty() ? Plan::encode_command({"AUTH", o.password})
                                    : Plan::encode_command({"AUTH", o.user, o.password});
    ++ctx.handshake_replies;
  }
  if (o.resp3) {
    ctx.handshake += Plan::encode_command({"HELLO", "3"});
    ++ctx.handshake_replies;
  }
  ctx.max_lag = auto_max_lag(o, plan);
  // A resumer's count in a reply depends on whether it is connected just then.
  ctx.strict_replies = o.churn_rate == 0 && o.slow_share == 0 && !o.resume;
  if (o.resume) {
    size_t n = size_t{o.publishers} * plan.channel_count();
    ctx.answered = std::make_unique<std::atomic<uint64_t>[]>(n);
    for (size_t i = 0; i < n; ++i) ctx.answered[i].store(0, std::memory_order_relaxed);
    if (std::string err = prime_history(ctx, o.wait_s); !err.empty()) {
      error = err;
      return false;
    }
  }
  ctx.slow_run = o.slow_share > 0;
  ctx.planned = ctx.slow_run || topo.planned();

  std::vector<std::unique_ptr<Worker>> workers;
  for (uint32_t i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(ctx, i, threads));
  for (auto& w : workers) w->start();
  auto stop_all = [&] {
    ctx.phase.store(Phase::kStop, std::memory_order_release);
    for (auto& w : workers) w->join();
  };

  // Setup: every stable subscriber confirmed, every publisher connected.
  uint64_t t_setup = now_ns();
  for (;;) {
    Counters c = ctx.totals();
    if (c[kSubscribersReady] == o.subscribers && c[kPublishersReady] == o.publishers) break;
    if (c[kConnectErrors] + c[kCommandErrors] + c[kProtocolErrors] + c[kDisconnects] > 0 ||
        now_ns() - t_setup > uint64_t{o.connect_timeout_s} * 1'000'000'000) {
      error = fmt::format("setup failed: {}/{} subscribers and {}/{} publishers ready, {} connect errors, "
                          "{} command errors, {} disconnects",
                          c[kSubscribersReady], o.subscribers, c[kPublishersReady], o.publishers, c[kConnectErrors],
                          c[kCommandErrors], c[kDisconnects]);
      stop_all();
      return false;
    }
    sleep_ms(2);
  }
  if (topo.planned() && o.probe_timeout_s > 0) {
    uint64_t t_probe = now_ns();
    if (std::string e = wait_for_routes(ctx, o.probe_timeout_s); !e.empty()) {
      error = e;
      stop_all();
      return false;
    }
    r.probe_s = secs(now_ns() - t_probe);
  }
  if (!o.quiet)
    fmt::print(stderr, "ready: {} subscribers, {} publishers on {} threads in {:.2f} s{}\n", o.subscribers,
               o.publishers, threads, secs(now_ns() - t_setup),
               r.probe_s >= 0 ? fmt::format(" (cross-node probes arrived after {:.3f} s)", r.probe_s) : "");

  bool show = o.progress == 1 || (o.progress == -1 && !o.quiet && o.warmup_s + o.duration_s >= 5);
  uint64_t start = now_ns();
  Progress progress(ctx, workers, show, start);
  ctx.phase.store(Phase::kWarmup, std::memory_order_release);
  while (now_ns() - start < static_cast<uint64_t>(o.warmup_s * 1e9)) {
    sleep_ms(5);
    progress.tick(now_ns(), "warm-up");
  }

  double srv0 = servers_cpu_seconds(o.server_pids);
  double own0 = own_cpu_seconds();
  uint64_t t0 = now_ns();
  ctx.phase.store(Phase::kMeasure, std::memory_order_release);
  while (now_ns() - t0 < static_cast<uint64_t>(o.duration_s * 1e9)) {
    sleep_ms(5);
    progress.tick(now_ns(), "measure");
  }
  ctx.phase.store(Phase::kDrain, std::memory_order_release);
  uint64_t t1 = now_ns();
  double srv1 = servers_cpu_seconds(o.server_pids);
  double own1 = own_cpu_seconds();
  r.load_average = load_average();

  // Drain: every measured publish answered and every delivery it promised in.
  r.drained = false;
  uint64_t t_replies = 0;  // since when every publish is answered (0: not yet)
  for (;;) {
    Counters c = ctx.totals();
    bool replies_in = c[kOutstanding] == 0;
    uint64_t want = ctx.planned ? c[kFastExpectedMeasured] : c[kReplySumMeasured];
    uint64_t got = ctx.planned ? c[kFastDeliveriesMeasured] : c[kDeliveriesMeasured];
    // Warm-up deliveries too: finish() reports any that never came.
    // Resumers: each has every answered publish (replays included), by a
    // count every worker took after the last reply was in.
    if (!replies_in) t_replies = 0;
    else if (t_replies == 0) t_replies = now_ns();
    bool done = got >= want && ctx.inflight() <= 0;
    if (o.resume) {
      done = t_replies != 0;
      for (const auto& s : ctx.shared)
        done = done && s->get(kResumeCheckedNs) > t_replies && s->get(kResumeBehind) == 0;
    }
    if (replies_in && done) {
      r.drained = true;
      break;
    }
    if (now_ns() - t1 > static_cast<uint64_t>(o.drain_timeout_s * 1e9)) break;
    sleep_ms(1);
  }
  r.drain_s = secs(now_ns() - t1);
  sleep_ms(50);  // let stragglers (duplicates, late frames) show up before counting
  if (ctx.slow_run) {
    // A server that dropped a slow subscriber closed a socket whose unread
    // backlog still sits in the kernel; only reading it reaches the EOF.
    ctx.release_slow.store(true, std::memory_order_relaxed);
    uint64_t until = now_ns() + 1'000'000'000;
    uint64_t last = ctx.totals()[kSlowDeliveries];
    for (int quiet = 0; quiet < 20 && now_ns() < until; sleep_ms(10)) {
      uint64_t cur = ctx.totals()[kSlowDeliveries];
      quiet = cur == last ? quiet + 1 : 0;
      last = cur;
    }
  }
  stop_all();

  r.window_s = secs(t1 - t0);
  r.server_cpu_s = (srv0 >= 0 && srv1 >= 0) ? srv1 - srv0 : -1;
  r.loadgen_cpu_s = own1 - own0;
  r.totals = ctx.totals();
  // After join: every answered publish a resumer still lacks is lost (the
  // gauge the drain watched is not the verdict).
  for (auto& w : workers) r.totals[kResumeLost] += w->resume_shortfall();
  r.totals[kResumeBehind] = r.totals[kResumeCheckedNs] = 0;
  for (auto& w : workers) r.latency.merge(w->latency());
  r.finish(o);
  return true;
}

}  // namespace ringcast::loadgen
