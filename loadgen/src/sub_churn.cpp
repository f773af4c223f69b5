// Subscription churn: pipelined one-name subscribe/unsubscribe pairs, every
// confirmation checked; see sub_churn.h.
#include "sub_churn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "clock.h"
#include "histogram.h"
#include "plan.h"
#include "reply_parser.h"
#include "sysinfo.h"
#include "text_format.h"

namespace ringcast::loadgen {
namespace {

enum class Stage : int { kWarmup, kMeasure, kDrain, kStop };

// What one subscription kind sends and expects back.
struct Verbs {
  std::string_view sub, unsub;
  bool pattern;
};

Verbs verbs_for(const Options& o) {
  if (o.sub_churn == "pattern") return {"psubscribe", "punsubscribe", true};
  if (o.sharded) return {"ssubscribe", "sunsubscribe", false};
  return {"subscribe", "unsubscribe", false};
}

// Everything a worker reports, written by it alone (relaxed), read by main.
struct alignas(64) WorkerTotals {
  std::atomic<uint64_t> ops{0};           // confirmations checked, any stage
  std::atomic<uint64_t> ops_measured{0};  // ... that arrived in the measured window
  std::atomic<uint64_t> outstanding{0};   // commands written, not yet confirmed
  std::atomic<uint64_t> wrong{0};         // confirmations of the wrong kind, name or count
  std::atomic<uint64_t> errors{0};        // error replies
  std::atomic<uint64_t> lost_conns{0};    // connections the server closed or that failed
};

struct Shared {
  const Options& o;
  Verbs verbs;
  std::string handshake;
  uint32_t handshake_replies = 0;
  std::atomic<Stage> stage{Stage::kWarmup};
  std::vector<std::unique_ptr<WorkerTotals>> totals;
  std::mutex mu;  // guards the two below
  std::vector<std::string> samples;  // the first few wrong confirmations, for the summary
  Histogram batch_rtt;               // measured batches: first command written -> last confirmation read
};

class ChurnConn {
 public:
  ChurnConn(Shared& sh, int fd, uint32_t id) : sh_(sh), fd_(fd), id_(id), skip_(sh.handshake_replies) {
    out_ = sh.handshake;
    outstanding_ = sh.handshake_replies;
  }
  ~ChurnConn() { ::close(fd_); }
  int fd() const { return fd_; }
  bool dead() const { return dead_; }
  uint64_t outstanding() const { return outstanding_; }

  // Queues batches up to the pipeline depth (warm-up and window only).
  void top_up() {
    const Stage st = sh_.stage.load(std::memory_order_relaxed);
    if (dead_ || (st != Stage::kWarmup && st != Stage::kMeasure)) return;
    while (sent_at_.size() < sh_.o.pipeline) {
      for (uint32_t i = 0; i < sh_.o.batch; ++i) {
        const std::string_view name = name_of(next_seq_++);
        append_command(sh_.verbs.sub, name);
        append_command(sh_.verbs.unsub, name);
      }
      outstanding_ += 2ull * sh_.o.batch;
      sent_at_.push_back({now_ns(), st == Stage::kMeasure});
    }
  }

  // Writes what it can; false when the connection broke.
  bool flush() {
    while (!dead_ && out_off_ < out_.size()) {
      ssize_t n = ::send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
      if (n > 0) {
        out_off_ += size_t(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return true;
      } else {
        lose();
      }
    }
    if (out_off_ == out_.size()) {
      out_.clear();
      out_off_ = 0;
    }
    return !dead_;
  }
  bool wants_write() const { return out_off_ < out_.size(); }

  // Reads and checks every confirmation that arrived.
  void read(char* buf, size_t cap, WorkerTotals& t, Histogram& rtt) {
    for (;;) {
      ssize_t n = ::recv(fd_, buf, cap, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        lose();
        t.lost_conns.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      if (n < 0) return;
      in_.append(buf, size_t(n));
      size_t off = 0;
      for (;;) {
        Reply r;
        ParseResult pr = parse_reply(in_.data() + off, in_.size() - off, r);
        if (pr.status == ParseStatus::kNeedMore) break;
        if (pr.status == ParseStatus::kProtocolError) {
          wrong(t, "unparsable reply");
          lose();
          return;
        }
        off += pr.consumed;
        check(r, t, rtt);
      }
      in_.erase(0, off);
      if (size_t(n) < cap) return;
    }
  }

 private:
  std::string_view name_of(uint64_t seq) {
    auto end = fmt::format_to(name_buf_, "{}:{}:{}{}", sh_.o.prefix, id_, seq, sh_.verbs.pattern ? ":*" : "");
    return {name_buf_, size_t(end - name_buf_)};
  }

  void append_command(std::string_view verb, std::string_view name) {
    fmt::format_to(std::back_inserter(out_), "*2\r\n${}\r\n{}\r\n${}\r\n{}\r\n", verb.size(), verb, name.size(), name);
  }

  void wrong(WorkerTotals& t, std::string what) {
    t.wrong.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(sh_.mu);
    if (sh_.samples.size() < 5) sh_.samples.push_back(fmt::format("connection {}: {}", id_, what));
  }

  void check(const Reply& r, WorkerTotals& t, Histogram& rtt) {
    if (outstanding_ == 0) return wrong(t, "a reply nothing asked for");
    --outstanding_;
    if (skip_ > 0) {  // AUTH / HELLO 3
      --skip_;
      if (r.kind == ReplyKind::kError) t.errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (r.kind == ReplyKind::kError) {
      t.errors.fetch_add(1, std::memory_order_relaxed);
      wrong(t, fmt::format("error reply '{}'", r.text));
    } else {
      const bool unsub = reply_unsub_;
      const std::string_view want_verb = unsub ? sh_.verbs.unsub : sh_.verbs.sub;
      const int64_t want_count = unsub ? 0 : 1;
      const std::string_view want_name = name_of(reply_seq_);
      const ReplyKind want_kind = unsub ? ReplyKind::kUnsubscribeAck : ReplyKind::kSubscribeAck;
      if (r.kind != want_kind || r.text != want_verb || r.channel != want_name || r.integer != want_count)
        wrong(t, fmt::format("expected [{}, {}, {}], got kind {} [{}, {}, {}]", want_verb, want_name, want_count,
                             int(r.kind), r.text, r.channel, r.integer));
    }
    if (reply_unsub_) ++reply_seq_;
    reply_unsub_ = !reply_unsub_;
    t.ops.fetch_add(1, std::memory_order_relaxed);
    if (sh_.stage.load(std::memory_order_relaxed) == Stage::kMeasure)
      t.ops_measured.fetch_add(1, std::memory_order_relaxed);
    if (++batch_replies_ == 2ull * sh_.o.batch) {
      batch_replies_ = 0;
      if (sent_at_.front().measured) rtt.record(now_ns() - sent_at_.front().ns);
      sent_at_.pop_front();
    }
  }

  void lose() { dead_ = true; }

  struct Sent {
    uint64_t ns;
    bool measured;
  };
  Shared& sh_;
  int fd_;
  uint32_t id_;
  uint32_t skip_;
  bool dead_ = false;
  std::string out_;
  size_t out_off_ = 0;
  std::string in_;
  uint64_t next_seq_ = 0;   // name of the next pair to send
  uint64_t reply_seq_ = 0;  // name of the next confirmation
  bool reply_unsub_ = false;
  uint64_t outstanding_ = 0;
  uint64_t batch_replies_ = 0;
  std::deque<Sent> sent_at_;  // batches in flight
  char name_buf_[96];
};

void worker(Shared& sh, std::vector<std::unique_ptr<ChurnConn>>& conns, WorkerTotals& t) {
  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (size_t i = 0; i < conns.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, conns[i]->fd(), &ev);
  }
  std::vector<char> buf(256 * 1024);
  std::vector<bool> writing(conns.size(), false);
  Histogram rtt;
  epoll_event events[64];
  while (sh.stage.load(std::memory_order_acquire) != Stage::kStop) {
    uint64_t outstanding = 0;
    for (size_t i = 0; i < conns.size(); ++i) {
      ChurnConn& c = *conns[i];
      if (c.dead()) continue;
      c.top_up();
      if (!c.flush()) t.lost_conns.fetch_add(1, std::memory_order_relaxed);
      if (c.wants_write() != writing[i]) {
        writing[i] = c.wants_write();
        epoll_event ev{};
        ev.events = EPOLLIN | (writing[i] ? EPOLLOUT : 0u);
        ev.data.u64 = i;
        ::epoll_ctl(ep, EPOLL_CTL_MOD, c.fd(), &ev);
      }
      outstanding += c.outstanding();
    }
    t.outstanding.store(outstanding, std::memory_order_relaxed);
    int n = ::epoll_wait(ep, events, 64, 10);
    for (int k = 0; k < n; ++k) {
      ChurnConn& c = *conns[events[k].data.u64];
      if (!c.dead() && (events[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) c.read(buf.data(), buf.size(), t, rtt);
      if (c.dead()) ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd(), nullptr);
    }
  }
  ::close(ep);
  std::lock_guard lock(sh.mu);
  sh.batch_rtt.merge(rtt);
}

int connect_to(const Options& o, std::string& error) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(o.port);
  inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    error = fmt::format("connect to {}:{}: {}", o.host, o.port, std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

double server_cpu(const Options& o) {
  if (o.server_pids.empty()) return -1;
  double sum = 0;
  for (int pid : o.server_pids) {
    double s = process_cpu_seconds(pid);
    if (s < 0) return -1;
    sum += s;
  }
  return sum;
}

void sleep_s(double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); }

}  // namespace

int run_sub_churn(const Options& o) {
  if (std::string err = wait_for_server(o.host, o.port, o.wait_s, o.user, o.password); !err.empty()) {
    fmt::print(stderr, "ringcast-loadgen: {}\n", err);
    return 2;
  }
  Shared sh{o, verbs_for(o), {}, 0, {}, {}, {}, {}, {}};
  if (!o.password.empty()) {
    sh.handshake += o.user.empty() ? Plan::encode_command({"AUTH", o.password})
                                   : Plan::encode_command({"AUTH", o.user, o.password});
    ++sh.handshake_replies;
  }
  if (o.resp3) {
    sh.handshake += Plan::encode_command({"HELLO", "3"});
    ++sh.handshake_replies;
  }
  const uint32_t threads = std::max<uint32_t>(1, std::min(o.threads ? o.threads : usable_cpus(), o.subscribers));
  std::vector<std::vector<std::unique_ptr<ChurnConn>>> per_thread(threads);
  for (uint32_t i = 0; i < o.subscribers; ++i) {
    std::string error;
    int fd = connect_to(o, error);
    if (fd < 0) {
      fmt::print(stderr, "ringcast-loadgen: {}\n", error);
      return 2;
    }
    per_thread[i % threads].push_back(std::make_unique<ChurnConn>(sh, fd, i));
  }
  for (uint32_t i = 0; i < threads; ++i) sh.totals.push_back(std::make_unique<WorkerTotals>());
  std::vector<std::thread> pool;
  for (uint32_t i = 0; i < threads; ++i) pool.emplace_back(worker, std::ref(sh), std::ref(per_thread[i]), std::ref(*sh.totals[i]));
  auto sum = [&](std::atomic<uint64_t> WorkerTotals::*field) {
    uint64_t s = 0;
    for (const auto& t : sh.totals) s += ((*t).*field).load(std::memory_order_relaxed);
    return s;
  };

  sleep_s(o.warmup_s);
  const double srv0 = server_cpu(o), own0 = own_cpu_seconds();
  const uint64_t t0 = now_ns();
  sh.stage.store(Stage::kMeasure, std::memory_order_release);
  sleep_s(o.duration_s);
  sh.stage.store(Stage::kDrain, std::memory_order_release);
  const uint64_t t1 = now_ns();
  const double srv1 = server_cpu(o), own1 = own_cpu_seconds();
  const double load = load_average();
  // Drain: every command written is confirmed (or the server is stuck: a failure).
  bool drained = false;
  while (now_ns() - t1 < uint64_t(o.drain_timeout_s * 1e9)) {
    sleep_s(0.002);
    if (sum(&WorkerTotals::lost_conns) > 0) break;
    // Let the workers publish their outstanding counts after the stage change.
    if (now_ns() - t1 > 30'000'000 && sum(&WorkerTotals::outstanding) == 0) {
      drained = true;
      break;
    }
  }
  sh.stage.store(Stage::kStop, std::memory_order_release);
  for (auto& th : pool) th.join();

  const double window = double(t1 - t0) / 1e9;
  const uint64_t ops = sum(&WorkerTotals::ops_measured);
  const double ops_per_s = window > 0 ? double(ops) / window : 0;
  const double srv = (srv0 >= 0 && srv1 >= 0) ? srv1 - srv0 : -1, own = own1 - own0;
  const double srv_us = (srv >= 0 && ops > 0) ? srv / double(ops) * 1e6 : -1;
  const double own_us = ops > 0 ? own / double(ops) * 1e6 : -1;
  std::vector<std::string> problems;
  auto problem = [&](uint64_t n, const char* what) {
    if (n > 0) problems.push_back(fmt::format("{} {}", n, what));
  };
  problem(sum(&WorkerTotals::wrong), "confirmations of the wrong kind, name or count");
  problem(sum(&WorkerTotals::errors), "error replies");
  problem(sum(&WorkerTotals::lost_conns), "connections lost");
  if (!drained) problems.push_back(fmt::format("{} commands never confirmed", sum(&WorkerTotals::outstanding)));
  if (ops == 0) problems.push_back("no confirmation in the measured window");
  const bool verified = problems.empty();
  const Histogram& h = sh.batch_rtt;
  const std::string kind = fmt::format("{}/{}", sh.verbs.sub, sh.verbs.unsub);

  if (!o.quiet) {
    fmt::print("\n== {} against {} ({}:{}) ==\n", o.scenario, o.label, o.host, o.port);
    fmt::print("shape      {} connections, each {} batch(es) of {} {} pairs in flight, a fresh name per pair{}\n",
               o.subscribers, o.pipeline, o.batch, kind, o.resp3 ? ", RESP3" : "");
    fmt::print("window     {:.2f} s measured after {:.1f} s warm-up; {} threads; load average {:.2f}\n", window,
               o.warmup_s, threads, load);
    fmt::print("ops        {} commands ({}/s), {} checked in all\n", ops, si(ops_per_s), sum(&WorkerTotals::ops));
    fmt::print("batch rtt  us p50 {:.1f}  p99 {:.1f}  max {:.1f}\n", double(h.percentile(50)) / 1e3,
               double(h.percentile(99)) / 1e3, double(h.max()) / 1e3);
    if (srv >= 0)
      fmt::print("cpu        server {:.2f} s ({:.3f} us per op), loadgen {:.2f} s ({:.3f} us per op)\n", srv, srv_us, own,
                 own_us);
    else
      fmt::print("cpu        loadgen {:.2f} s ({:.3f} us per op); pass --server-pid for the server's\n", own, own_us);
    for (const auto& s : sh.samples) fmt::print("wrong      {}\n", s);
    if (verified) {
      fmt::print("verdict    VERIFIED: every confirmation arrived in order with its kind, name and count\n");
    } else {
      fmt::print("verdict    FAILED:");
      for (const auto& p : problems) fmt::print(" {};", p);
      fmt::print("\n");
    }
  } else {
    fmt::print("{} {} ops/s={:.0f} verified={}\n", o.scenario, o.label, ops_per_s, verified);
  }
  if (!o.json_path.empty()) {
    std::string list;
    for (const auto& p : problems) list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", json_escape(p));
    // deliveries_per_s and server_cpu_s_per_m carry ops/s and server CPU
    // seconds per million ops (= us per op), so `report` compares these
    // rows as it does the others; "unit" says which they are.
    std::ofstream f(o.json_path, std::ios::trunc);
    f << fmt::format(
        R"({{
  "tool": "ringcast-loadgen",
  "format": 1,
  "unit": "ops",
  "started_at": "{}",
  "scenario": "{}",
  "label": "{}",
  "target": "{}:{}",
  "options": {{"connections": {}, "batch": {}, "pipeline": {}, "kind": "{}", "resp3": {}, "warmup_s": {}, "duration_s": {}, "threads": {}}},
  "window_s": {:.6f},
  "drained": {},
  "verified": {},
  "problems": [{}],
  "ops": {},
  "ops_per_s": {:.3f},
  "deliveries_per_s": {:.3f},
  "latency_us": {{"p50": {:.3f}, "p99": {:.3f}, "p999": {:.3f}, "max": {:.3f}, "count": {}}},
  "server_cpu_s": {:.4f},
  "loadgen_cpu_s": {:.4f},
  "load_average": {:.2f},
  "server_cpu_us_per_op": {:.6f},
  "server_cpu_s_per_m": {:.6f},
  "loadgen_cpu_s_per_m": {:.6f}
}}
)",
        iso_time_now(), json_escape(o.scenario), json_escape(o.label), json_escape(o.host), o.port, o.subscribers, o.batch,
        o.pipeline, kind, o.resp3, o.warmup_s, o.duration_s, threads, window, drained, verified, list, ops, ops_per_s,
        ops_per_s, double(h.percentile(50)) / 1e3, double(h.percentile(99)) / 1e3, double(h.percentile(99.9)) / 1e3,
        double(h.max()) / 1e3, h.count(), srv, own, load, srv_us, srv_us, own_us);
    if (!f.flush()) {
      fmt::print(stderr, "ringcast-loadgen: cannot write {}\n", o.json_path);
      return 2;
    }
  }
  return (o.check && !verified) ? 1 : 0;
}

}  // namespace ringcast::loadgen
