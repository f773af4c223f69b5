// Verdict, human summary and JSON rendering of a RunResult; see result.h.
#include "result.h"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "payload.h"
#include "topology.h"
#include "text_format.h"

namespace ringcast::loadgen {
namespace {

// "127.0.0.1:6379", or "publish A -> subscribe B,C" when they differ.
std::string target_text(const Options& o) {
  auto list = [](const std::vector<Endpoint>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + e.str();
    return s;
  };
  std::string pub = list(publish_endpoints(o)), sub = list(subscribe_endpoints(o));
  return pub == sub ? pub : fmt::format("publish {} -> subscribe {}", pub, sub);
}

std::string json_endpoints(const std::vector<Endpoint>& v) {
  std::string s;
  for (const auto& e : v) s += fmt::format("{}\"{}\"", s.empty() ? "" : ", ", json_escape(e.str()));
  return s;
}

std::string us(uint64_t ns) { return fmt::format("{:.1f}", static_cast<double>(ns) / 1e3); }

double per_million(double cpu, uint64_t deliveries) {
  return (cpu < 0 || deliveries == 0) ? -1 : cpu / (static_cast<double>(deliveries) / 1e6);
}

}  // namespace

bool RunResult::planned(const Options& o) { return o.slow_share > 0 || plan_expectations(o); }

// The resume scenario owes each subscriber every numbered message of its
// channel from its start, minus only what a not-recovered resume reported
// gone; PUBLISH replies (which count whoever is connected) play no part.
void RunResult::finish_resume() {
  const Counters& t = totals;
  expected = delivered = t[kDeliveriesMeasured];
  lost = t[kResumeLost];
  extra = 0;
  problems.clear();
  auto check = [&](uint64_t n, const char* what) {
    if (n > 0) problems.push_back(fmt::format("{} {}", n, what));
  };
  check(lost, "lost (offsets skipped, or answered publishes never received)");
  check(t[kDuplicates], "duplicated (offsets received twice)");
  check(t[kResumeSeqErrors], "out of a publisher's sequence although the offsets continued");
  check(t[kCorrupted], "corrupted");
  check(t[kMisrouted], "delivered on a channel not subscribed to");
  check(t[kPublishErrors], "PUBLISH error replies");
  check(t[kPublishesMeasured] - std::min(t[kPublishesMeasured], t[kRepliesMeasured]), "publishes never answered");
  check(t[kProtocolErrors], "protocol errors");
  check(t[kCommandErrors], "command error replies");
  check(t[kConnectErrors], "connect errors");
  check(t[kDisconnects], "unexpected disconnects");
  if (t[kDeliveriesAll] == 0) problems.push_back("nothing was delivered");
  verified = problems.empty();
}

void RunResult::finish(const Options& o) {
  if (o.resume) return finish_resume();
  const Counters& t = totals;
  bool plan = planned(o);
  expected = plan ? t[kFastExpectedMeasured] : t[kReplySumMeasured];
  delivered = plan ? t[kFastDeliveriesMeasured] : t[kDeliveriesMeasured];
  lost = expected > delivered ? expected - delivered : 0;
  extra = delivered > expected ? delivered - expected : 0;
  problems.clear();
  auto check = [&](uint64_t n, const char* what) {
    if (n > 0) problems.push_back(fmt::format("{} {}", n, what));
  };
  check(lost, "lost (expected deliveries never arrived)");
  // Before the window too: a node that never got its route loses everything,
  // and flow control may then stop publishers before the window even starts.
  auto minus = [](uint64_t a, uint64_t b) { return a > b ? a - b : 0; };
  uint64_t owed_warmup = minus(plan ? t[kFastExpectedAll] : t[kReplySumAll], expected);
  uint64_t got_warmup = minus(plan ? t[kFastDeliveriesAll] : t[kDeliveriesAll], delivered);
  check(minus(owed_warmup, got_warmup), "lost from warm-up publishes");
  check(extra, plan ? "more deliveries than publishes x subscribers" : "more deliveries than the server reported receivers");
  check(t[kDuplicates], "duplicated");
  check(t[kLateArrivals] + t[kStaleArrivals], "out of order");
  uint64_t gaps = t[kGapsSkipped] > t[kLateArrivals] ? t[kGapsSkipped] - t[kLateArrivals] : 0;
  check(gaps, "missing from the middle of a stream (sequence gaps)");
  check(t[kCorrupted], "corrupted");
  check(t[kAfterUnsubscribe], "delivered after the subscriber's unsubscribe confirmation");
  check(t[kMisrouted], "delivered on a channel not subscribed to");
  check(t[kPublishErrors], "PUBLISH error replies");
  check(t[kReplyMismatch], plan_expectations(o) ? "PUBLISH replies differing from the planned receivers on the publisher's node"
                                                : "PUBLISH replies differing from the planned receiver count");
  check(t[kPublishesMeasured] - std::min(t[kPublishesMeasured], t[kRepliesMeasured]), "publishes never answered");
  check(t[kProtocolErrors], "protocol errors");
  check(t[kCommandErrors], "command error replies");
  check(t[kConnectErrors], "connect errors");
  check(t[kDisconnects], "unexpected disconnects");
  if (expected == 0) problems.push_back("nothing was delivered in the measured window");
  verified = problems.empty();
}

void print_summary(const Options& o, const RunResult& r) {
  const Counters& t = r.totals;
  std::string sizes;
  for (uint64_t s : o.sizes) sizes += (sizes.empty() ? "" : ",") + std::to_string(effective_payload_size(s));
  std::string shape = o.pattern_mode()
                          ? fmt::format("{} patterns, {}% non-matching", o.patterns, o.nonmatching_pct)
                          : fmt::format("{} channel(s)", o.channels);
  fmt::print("\n== {} against {} ({}) ==\n", o.scenario, o.label, target_text(o));
  fmt::print("shape      {} publishers -> {} -> {} subscribers, payload {} B, {}{}{}\n", o.publishers, shape,
             o.subscribers, sizes,
             o.rate_mode() ? fmt::format("open loop {} publishes/s", o.rate)
                           : fmt::format("pipeline {} x batch {}", o.pipeline, o.batch),
             o.resp3 ? ", RESP3" : "", o.sharded ? ", sharded" : "");
  if (o.churn_rate > 0)
    fmt::print("churn      {}/s subscribers living {} ms: {} full cycles\n", o.churn_rate, o.churn_life_ms,
               t[kChurnCycles]);
  if (o.slow_share > 0)
    fmt::print("slow       {:.0f}% of subscribers {} ({}): {} messages, {} disconnected by the server\n",
               o.slow_share * 100, o.slow_mode == "stop" ? "stop reading" : "read slowly",
               o.slow_mode == "stop" ? "-" : fmt::format("{} B/s", o.slow_rate), t[kSlowDeliveries],
               t[kSlowDisconnects]);
  if (o.resume)
    fmt::print("resume     every {}-{} ms, away 0-{} ms: {} resumes, {} recovered ({} messages replayed), {} not "
               "recovered; {} messages verified, lost {}, duplicated {}\n",
               o.resume_min_ms, o.resume_max_ms, o.resume_offline_ms, t[kResumes], t[kResumesRecovered],
               t[kResumeReplayed], t[kResumesNotRecovered], t[kDeliveriesAll], t[kResumeLost], t[kDuplicates]);
  for (uint64_t s : o.sizes)
    if (s < kPayloadHeaderSize)
      fmt::print("note       requested {} B payloads were raised to the {}-byte verification header\n", s,
                 kPayloadHeaderSize);
  fmt::print("window     {:.2f} s measured after {:.1f} s warm-up; drain {:.2f} s{}; {} threads; load average {:.2f}\n",
             r.window_s, o.warmup_s, r.drain_s, r.drained ? "" : " (TIMED OUT)", r.threads, r.load_average);
  fmt::print("publishes  {} ({}/s)\n", t[kPublishesMeasured], si(static_cast<double>(t[kPublishesMeasured]) / r.window_s));
  fmt::print("deliveries {} ({}/s, {:.1f} MB/s)\n", r.delivered, si(r.deliveries_per_s()),
             static_cast<double>(t[kBytesMeasured]) / r.window_s / 1e6);
  const char* owed = plan_expectations(o) ? (o.slow_share > 0 ? "publishes x fast subscribers of their channel"
                                                               : "publishes x subscribers of their channel")
                     : o.slow_share > 0 ? "sum of fast-subscriber shares of PUBLISH replies"
                                        : "sum of PUBLISH replies";
  if (o.resume)
    fmt::print("check      offsets +1 each, per-publisher sequences continuous, every answered publish received: {}\n",
               r.lost + t[kDuplicates] + t[kResumeSeqErrors] == 0 ? "OK" : "MISMATCH");
  else
    fmt::print("check      deliveries {} {} {} {}: {}\n", r.delivered, r.delivered == r.expected ? "=" : "!=", owed,
               r.expected, r.delivered == r.expected ? "OK" : "MISMATCH");
  fmt::print("errors     lost {}  duplicated {}  out-of-order {}  corrupted {}  misrouted {}  other {}\n", r.lost,
             t[kDuplicates], t[kLateArrivals] + t[kStaleArrivals], t[kCorrupted], t[kMisrouted],
             t[kPublishErrors] + t[kProtocolErrors] + t[kCommandErrors] + t[kConnectErrors] + t[kDisconnects]);
  const Histogram& h = r.latency;
  fmt::print("latency us p50 {}  p90 {}  p99 {}  p99.9 {}  max {}  (from {} send time)\n", us(h.percentile(50)),
             us(h.percentile(90)), us(h.percentile(99)), us(h.percentile(99.9)), us(h.max()),
             o.rate_mode() ? "SCHEDULED" : "actual");
  double m = static_cast<double>(r.delivered) / 1e6;
  if (r.server_cpu_s >= 0)
    fmt::print("cpu        server {:.2f} s ({:.3f} s per M deliveries), loadgen {:.2f} s ({:.3f} s per M)\n",
               r.server_cpu_s, m > 0 ? r.server_cpu_s / m : 0, r.loadgen_cpu_s, m > 0 ? r.loadgen_cpu_s / m : 0);
  else
    fmt::print("cpu        loadgen {:.2f} s ({:.3f} s per M deliveries); pass --server-pid for the server's\n",
               r.loadgen_cpu_s, m > 0 ? r.loadgen_cpu_s / m : 0);
  if (r.verified) {
    fmt::print("verdict    VERIFIED: every expected delivery arrived once, in order, intact\n");
  } else {
    fmt::print("verdict    FAILED:");
    for (const auto& p : r.problems) fmt::print(" {};", p);
    fmt::print("\n");
  }
  std::fflush(stdout);
}

void write_json(const Options& o, const RunResult& r, const std::string& path) {
  const Counters& t = r.totals;
  const Histogram& h = r.latency;
  std::string sizes, problems, counters;
  for (uint64_t s : o.sizes) sizes += (sizes.empty() ? "" : ", ") + std::to_string(s);
  for (const auto& p : r.problems) problems += fmt::format("{}\"{}\"", problems.empty() ? "" : ", ", json_escape(p));
  for (size_t i = 0; i < kCounterCount; ++i)
    counters += fmt::format("{}    \"{}\": {}", i ? ",\n" : "", counter_name(static_cast<Counter>(i)), t.v[i]);
  std::string out = fmt::format(
      R"({{
  "tool": "ringcast-loadgen",
  "format": 1,
  "started_at": "{}",
  "scenario": "{}",
  "label": "{}",
  "target": "{}",
  "publish_to": [{}],
  "subscribe_to": [{}],
  "expectation": "{}",
  "probe_s": {:.6f},
  "options": {{"publishers": {}, "subscribers": {}, "channels": {}, "patterns": {}, "nonmatching_pct": {},
    "sizes": [{}], "pipeline": {}, "batch": {}, "rate": {}, "resp3": {}, "sharded": {},
    "churn_rate": {}, "churn_life_ms": {}, "slow_share": {}, "slow_mode": "{}", "slow_rate": {},
    "resume": {}, "resume_min_ms": {}, "resume_max_ms": {}, "resume_offline_ms": {},
    "warmup_s": {}, "duration_s": {}, "threads": {}, "fd_limit": {}}},
  "window_s": {:.6f},
  "drain_s": {:.6f},
  "drained": {},
  "verified": {},
  "problems": [{}],
  "expected_deliveries": {},
  "deliveries": {},
  "lost": {},
  "duplicates": {},
  "out_of_order": {},
  "corrupted": {},
  "resumes": {},
  "resumes_recovered": {},
  "resumes_not_recovered": {},
  "messages_verified": {},
  "deliveries_per_s": {:.3f},
  "publishes_per_s": {:.3f},
  "bytes_per_s": {:.3f},
  "latency_us": {{"p50": {:.3f}, "p90": {:.3f}, "p99": {:.3f}, "p999": {:.3f}, "max": {:.3f}, "mean": {:.3f}, "count": {}}},
  "server_cpu_s": {:.4f},
  "loadgen_cpu_s": {:.4f},
  "load_average": {:.2f},
  "server_cpu_s_per_m": {:.6f},
  "loadgen_cpu_s_per_m": {:.6f},
  "counters": {{
{}
  }}
}}
)",
      r.started_at, json_escape(o.scenario), json_escape(o.label), json_escape(publish_endpoints(o).front().str()),
      json_endpoints(publish_endpoints(o)), json_endpoints(subscribe_endpoints(o)),
      RunResult::planned(o) ? "plan" : "replies", r.probe_s, o.publishers,
      o.subscribers, o.channels, o.patterns, o.nonmatching_pct, sizes, o.pipeline, o.batch, o.rate, o.resp3,
      o.sharded, o.churn_rate, o.churn_life_ms, o.slow_share, o.slow_mode, o.slow_rate, o.resume, o.resume_min_ms,
      o.resume_max_ms, o.resume_offline_ms, o.warmup_s, o.duration_s,
      r.threads, r.fd_limit, r.window_s, r.drain_s, r.drained, r.verified, problems, r.expected, r.delivered, r.lost,
      t[kDuplicates], t[kLateArrivals] + t[kStaleArrivals], t[kCorrupted], t[kResumes], t[kResumesRecovered],
      t[kResumesNotRecovered], t[kDeliveriesAll], r.deliveries_per_s(),
      static_cast<double>(t[kPublishesMeasured]) / r.window_s, static_cast<double>(t[kBytesMeasured]) / r.window_s,
      static_cast<double>(h.percentile(50)) / 1e3, static_cast<double>(h.percentile(90)) / 1e3,
      static_cast<double>(h.percentile(99)) / 1e3, static_cast<double>(h.percentile(99.9)) / 1e3,
      static_cast<double>(h.max()) / 1e3, h.mean() / 1e3, h.count(), r.server_cpu_s, r.loadgen_cpu_s, r.load_average,
      per_million(r.server_cpu_s, r.delivered), per_million(r.loadgen_cpu_s, r.delivered), counters);
  std::ofstream f(path, std::ios::trunc);
  if (!f) throw std::runtime_error(fmt::format("cannot write {}", path));
  f << out;
  if (!f.flush()) throw std::runtime_error(fmt::format("cannot write {}", path));
}

}  // namespace ringcast::loadgen
