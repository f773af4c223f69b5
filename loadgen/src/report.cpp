// Result-file comparison with simdjson: group runs by (scenario, label), take
// medians, show spread and ratios; see report.h.
#include "report.h"
#include "text_format.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <map>

namespace ringcast::loadgen {
namespace {

struct Sample {
  double deliveries_per_s, p50, p99, p999, srv_per_m, lg_per_m, srv_util, lg_util, load;
  bool verified;
};

struct Group {
  std::string scenario, label;
  std::vector<Sample> runs;
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

template <typename F>
std::vector<double> column(const Group& g, F f) {
  std::vector<double> v;
  for (const Sample& s : g.runs) v.push_back(f(s));
  return v;
}

std::string cpu(double v) { return v < 0 ? "-" : fmt::format("{:.3f}", v); }
std::string load(double v) { return v < 0 ? "-" : fmt::format("{:.1f}", v); }
std::string pct(double v) { return v < 0 ? "-" : fmt::format("{:.0f}%", v * 100); }

double num(simdjson::dom::element e, const char* key, double dflt = -1) {
  double d;
  if (e[key].get_double().get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (e[key].get_int64().get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  return dflt;
}

}  // namespace

int run_report(const std::vector<std::string>& args) {
  std::string baseline;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--baseline" && i + 1 < args.size()) baseline = args[++i];
    else files.push_back(args[i]);
  }
  if (files.empty()) {
    fmt::print(stderr, "usage: ringcast-loadgen report [--baseline LABEL] A.json B.json ...\n");
    return 2;
  }
  std::vector<Group> groups;
  std::vector<std::string> scenarios, labels;
  std::vector<std::string> op_scenarios;  // subscription-churn results: ops, not deliveries
  simdjson::dom::parser parser;
  for (const auto& f : files) {
    simdjson::dom::element doc;
    if (auto err = parser.load(f).get(doc); err) {
      fmt::print(stderr, "report: {}: {}\n", f, simdjson::error_message(err));
      return 2;
    }
    std::string_view sc, lb;
    if (doc["scenario"].get_string().get(sc) || doc["label"].get_string().get(lb)) {
      fmt::print(stderr, "report: {}: not a ringcast-loadgen result file\n", f);
      return 2;
    }
    bool verified = false;
    if (doc["verified"].get_bool().get(verified) != simdjson::SUCCESS) verified = false;
    simdjson::dom::element lat;
    if (doc["latency_us"].get(lat)) lat = doc;
    double window = num(doc, "window_s", 0), srv = num(doc, "server_cpu_s"), lg = num(doc, "loadgen_cpu_s");
    Sample s{num(doc, "deliveries_per_s", 0), num(lat, "p50", 0), num(lat, "p99", 0), num(lat, "p999", 0),
             num(doc, "server_cpu_s_per_m"), num(doc, "loadgen_cpu_s_per_m"),
             (srv >= 0 && window > 0) ? srv / window : -1, (lg >= 0 && window > 0) ? lg / window : -1, num(doc, "load_average"), verified};
    std::string scenario(sc), label(lb);
    std::string_view unit;
    if (doc["unit"].get_string().get(unit) == simdjson::SUCCESS && unit == "ops" &&
        std::find(op_scenarios.begin(), op_scenarios.end(), scenario) == op_scenarios.end())
      op_scenarios.push_back(scenario);
    if (std::find(scenarios.begin(), scenarios.end(), scenario) == scenarios.end()) scenarios.push_back(scenario);
    if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.scenario == scenario && g.label == label; });
    if (it == groups.end()) {
      groups.push_back(Group{scenario, label, {}});
      it = groups.end() - 1;
    }
    it->runs.push_back(s);
  }
  if (baseline.empty()) baseline = labels.front();

  fmt::print("{:<16} {:<14} {:>4} {:>10} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8} {:>6} {:>6} {:>5} {:>9} {:>7} {:>7} {:>7} {:>4}\n",
             "scenario", "target", "runs", "deliv/s", "spread", "p50 us", "p99 us", "p99.9 us", "srv s/M",
             "lg s/M", "srv%", "lg%", "load", "x deliv/s", "x p50", "x p99", "x srvM", "ok");
  int status = 0;
  for (const auto& sc : scenarios) {
    const Group* base = nullptr;
    for (const auto& g : groups)
      if (g.scenario == sc && g.label == baseline) base = &g;
    for (const auto& lb : labels) {
      auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.scenario == sc && g.label == lb; });
      if (it == groups.end()) continue;
      const Group& g = *it;
      auto d = column(g, [](const Sample& s) { return s.deliveries_per_s; });
      double dm = median(d);
      double spread = dm > 0 ? (*std::max_element(d.begin(), d.end()) - *std::min_element(d.begin(), d.end())) / dm : 0;
      double p50 = median(column(g, [](const Sample& s) { return s.p50; }));
      double p99 = median(column(g, [](const Sample& s) { return s.p99; }));
      double srvm = median(column(g, [](const Sample& s) { return s.srv_per_m; }));
      size_t ok = std::count_if(g.runs.begin(), g.runs.end(), [](const Sample& s) { return s.verified; });
      if (ok != g.runs.size()) status = 1;
      std::string rd = "-", rm = "-", rp = "-", rc = "-";
      if (base != nullptr) {
        double bd = median(column(*base, [](const Sample& s) { return s.deliveries_per_s; }));
        double bm = median(column(*base, [](const Sample& s) { return s.p50; }));
        double bp = median(column(*base, [](const Sample& s) { return s.p99; }));
        double bc = median(column(*base, [](const Sample& s) { return s.srv_per_m; }));
        if (bd > 0) rd = fmt::format("{:.2f}", dm / bd);
        if (bm > 0) rm = fmt::format("{:.2f}", p50 / bm);
        if (bp > 0) rp = fmt::format("{:.2f}", p99 / bp);
        if (bc > 0 && srvm >= 0) rc = fmt::format("{:.2f}", srvm / bc);
      }
      fmt::print("{:<16} {:<14} {:>4} {:>10} {:>6.1f}% {:>9.1f} {:>9.1f} {:>9.1f} {:>8} {:>8} {:>6} {:>6} {:>5} {:>9} {:>7} {:>7} {:>7} {:>4}\n",
                 sc, lb, g.runs.size(), si(dm), spread * 100, p50, p99, median(column(g, [](const Sample& s) { return s.p999; })), cpu(srvm),
                 cpu(median(column(g, [](const Sample& s) { return s.lg_per_m; }))),
                 pct(median(column(g, [](const Sample& s) { return s.srv_util; }))),
                 pct(median(column(g, [](const Sample& s) { return s.lg_util; }))),
                 load(median(column(g, [](const Sample& s) { return s.load; }))), rd, rm, rp, rc,
                 fmt::format("{}/{}", ok, g.runs.size()));
    }
  }
  fmt::print("\nmedians over runs; spread = (max-min)/median of deliveries/s; x = ratio to '{}' "
             "(deliv/s: higher is better; p50, p99 and server CPU per million deliveries: lower is better);\n"
             "srv% / lg% = CPU used during the window as a share of one core (near 100% x cores: that side limited the result);\n"
             "load = 1-minute load average (above the CPU count, other work shared the machine: expect noise)\n",
             baseline);
  if (!op_scenarios.empty()) {
    std::string names;
    for (const auto& s : op_scenarios) names += (names.empty() ? "" : ", ") + s;
    fmt::print("{}: subscription churn: deliv/s = (un)subscribe commands/s, srv s/M and lg s/M = CPU us per "
               "command, p50/p99 = one batch's round trip\n",
               names);
  }
  return status;
}

}  // namespace ringcast::loadgen
