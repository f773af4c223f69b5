// Option parsing, presets and validation for loadgen runs.
#include "options.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

#include <arpa/inet.h>

#include "payload.h"
#include "scenario_file.h"
#include "topology.h"

namespace ringcast::loadgen {
namespace {

[[noreturn]] void bad(std::string_view key, std::string_view value, std::string_view want) {
  throw OptionError(fmt::format("--{}: expected {}, got '{}'", key, want, value));
}

uint64_t to_u64(std::string_view key, std::string_view v) {
  uint64_t x = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || p != v.data() + v.size()) bad(key, v, "a non-negative integer");
  return x;
}

uint32_t to_u32(std::string_view key, std::string_view v) {
  uint64_t x = to_u64(key, v);
  if (x > UINT32_MAX) bad(key, v, "a smaller integer");
  return static_cast<uint32_t>(x);
}

double to_double(std::string_view key, std::string_view v) {
  std::string s(v);
  char* end = nullptr;
  double x = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(x) || x < 0) bad(key, v, "a non-negative number");
  return x;
}

// "a,b,,c" -> {"a", "b", "c"}
std::vector<std::string_view> split_commas(std::string_view v) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= v.size()) {
    size_t comma = v.find(',', start);
    if (comma == std::string_view::npos) comma = v.size();
    if (comma > start) parts.push_back(v.substr(start, comma - start));
    start = comma + 1;
  }
  return parts;
}

bool to_bool(std::string_view key, std::string_view v) {
  if (v == "" || v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  bad(key, v, "true or false");
}

}  // namespace

uint64_t parse_size(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == 0) throw OptionError(fmt::format("bad size '{}'", s));
  uint64_t n = 0;
  std::from_chars(s.data(), s.data() + i, n);
  std::string unit;
  for (char c : s.substr(i)) unit += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  uint64_t mult = 1;
  if (unit.empty() || unit == "b") mult = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") mult = 1024;
  else if (unit == "m" || unit == "mb" || unit == "mib") mult = 1024 * 1024;
  else throw OptionError(fmt::format("bad size unit in '{}' (use k or m)", s));
  return n * mult;
}

Endpoint parse_endpoint(std::string_view s) {
  size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    throw OptionError(fmt::format("bad endpoint '{}' (expected HOST:PORT, e.g. 127.0.0.1:7001)", s));
  Endpoint e;
  e.host = s.substr(0, colon);
  in_addr a{};
  if (inet_pton(AF_INET, e.host.c_str(), &a) != 1)
    throw OptionError(fmt::format("bad endpoint '{}': '{}' is not an IPv4 address", s, e.host));
  std::string_view port = s.substr(colon + 1);
  uint32_t p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535)
    throw OptionError(fmt::format("bad endpoint '{}': port must be 1-65535", s));
  e.port = static_cast<uint16_t>(p);
  return e;
}

std::vector<Endpoint> parse_endpoint_list(std::string_view s) {
  std::vector<Endpoint> out;
  for (std::string_view part : split_commas(s)) out.push_back(parse_endpoint(part));
  if (out.empty()) throw OptionError(fmt::format("expected one or more HOST:PORT, got '{}'", s));
  return out;
}

std::vector<Endpoint> publish_endpoints(const Options& o) {
  return o.publish_to.empty() ? std::vector<Endpoint>{Endpoint{o.host, o.port}} : o.publish_to;
}

std::vector<Endpoint> subscribe_endpoints(const Options& o) {
  return o.subscribe_to.empty() ? std::vector<Endpoint>{Endpoint{o.host, o.port}} : o.subscribe_to;
}

bool is_switch(std::string_view key) {
  return key == "resp3" || key == "sharded" || key == "no-check" || key == "quiet" || key == "progress" ||
         key == "no-progress";
}

void apply_option(Options& o, std::string_view key, std::string_view v) {
  if (key == "host") o.host = v;
  else if (key == "port") {
    uint32_t p = to_u32(key, v);
    if (p == 0 || p > 65535) bad(key, v, "a port 1-65535");
    o.port = static_cast<uint16_t>(p);
  } else if (key == "label") o.label = v;
  else if (key == "publish-to") o.publish_to = parse_endpoint_list(v);
  else if (key == "subscribe-to") o.subscribe_to = parse_endpoint_list(v);
  else if (key == "endpoints") {
    // The cluster layout: the first endpoint publishes, the others subscribe
    // (round-robin); a single endpoint does both.
    std::vector<Endpoint> all = parse_endpoint_list(v);
    o.publish_to = {all.front()};
    o.subscribe_to = all.size() > 1 ? std::vector<Endpoint>(all.begin() + 1, all.end()) : all;
  } else if (key == "expect") {
    if (v != "auto" && v != "replies" && v != "plan") bad(key, v, "auto, replies or plan");
    o.expect = v;
  } else if (key == "probe-timeout") o.probe_timeout_s = to_double(key, v);
  else if (key == "server-pid") {
    o.server_pids.clear();
    for (std::string_view part : split_commas(v)) {
      uint32_t pid = to_u32(key, part);
      if (pid == 0 || pid > INT32_MAX) bad(key, v, "process ids");
      o.server_pids.push_back(static_cast<int>(pid));
    }
  }
  else if (key == "wait") o.wait_s = to_double(key, v);
  else if (key == "resp3") o.resp3 = to_bool(key, v);
  else if (key == "user") o.user = v;
  else if (key == "password") o.password = v;
  else if (key == "sharded") o.sharded = to_bool(key, v);
  else if (key == "scenario") apply_preset(o, v);
  else if (key == "name") o.scenario = v;
  else if (key == "publishers") o.publishers = to_u32(key, v);
  else if (key == "subscribers") o.subscribers = to_u32(key, v);
  else if (key == "channels") o.channels = to_u32(key, v);
  else if (key == "patterns") o.patterns = to_u32(key, v);
  else if (key == "nonmatching") {
    o.nonmatching_pct = to_u32(key, v);
    if (o.nonmatching_pct > 100) bad(key, v, "a percentage 0-100");
  } else if (key == "prefix") o.prefix = v;
  else if (key == "size" || key == "sizes") {
    o.sizes.clear();
    for (std::string_view part : split_commas(v)) o.sizes.push_back(parse_size(part));
    if (o.sizes.empty()) bad(key, v, "one or more sizes");
  } else if (key == "pipeline") o.pipeline = to_u32(key, v);
  else if (key == "batch") o.batch = to_u32(key, v);
  else if (key == "rate") o.rate = to_double(key, v);
  else if (key == "max-lag") o.max_lag = to_u64(key, v);
  else if (key == "churn-rate") o.churn_rate = to_double(key, v);
  else if (key == "churn-life") o.churn_life_ms = to_u32(key, v);
  else if (key == "sub-churn") {
    if (v != "channel" && v != "pattern" && v != "off") bad(key, v, "channel, pattern or off");
    o.sub_churn = v == "off" ? "" : std::string(v);
  }
  else if (key == "slow-share") {
    o.slow_share = to_double(key, v);
    if (o.slow_share > 1) bad(key, v, "a share 0-1");
  } else if (key == "slow-mode") {
    if (v != "stop" && v != "throttle") bad(key, v, "stop or throttle");
    o.slow_mode = v;
  } else if (key == "slow-rate") o.slow_rate = parse_size(v);
  else if (key == "resume-min") o.resume_min_ms = to_u32(key, v);
  else if (key == "resume-max") o.resume_max_ms = to_u32(key, v);
  else if (key == "resume-offline") o.resume_offline_ms = to_u32(key, v);
  else if (key == "warmup") o.warmup_s = to_double(key, v);
  else if (key == "duration") o.duration_s = to_double(key, v);
  else if (key == "drain-timeout") o.drain_timeout_s = to_double(key, v);
  else if (key == "threads") o.threads = to_u32(key, v);
  else if (key == "connect-timeout") o.connect_timeout_s = to_u32(key, v);
  else if (key == "json") o.json_path = v;
  else if (key == "progress") o.progress = to_bool(key, v) ? 1 : 0;
  else if (key == "no-progress") o.progress = to_bool(key, v) ? 0 : 1;
  else if (key == "no-check") o.check = !to_bool(key, v);
  else if (key == "check") o.check = to_bool(key, v);
  else if (key == "quiet") o.quiet = to_bool(key, v);
  else throw OptionError(fmt::format("unknown option --{}", key));
}

std::vector<std::string> preset_names() {
  return {"fanout", "fanout-1000", "many-channels", "patterns", "many-patterns", "sizes",
          "large", "burst", "churn", "slow", "latency", "cluster", "resume",
          "subscription-churn", "subscription-churn-patterns"};
}

void apply_preset(Options& o, std::string_view name) {
  // Each preset resets the shape to defaults first, so order of presets never matters.
  Options d;
  o.publishers = d.publishers; o.subscribers = d.subscribers; o.channels = d.channels;
  o.patterns = 0; o.nonmatching_pct = 0; o.sizes = d.sizes; o.pipeline = d.pipeline; o.batch = d.batch;
  o.rate = 0; o.churn_rate = 0; o.slow_share = 0; o.resume = false; o.prefix = d.prefix; o.sub_churn.clear();
  o.scenario = name;
  if (name == "fanout") {
    o.subscribers = 100;
  } else if (name == "fanout-1000") {
    o.subscribers = 1000;
  } else if (name == "many-channels") {
    o.publishers = 4; o.channels = 1000; o.subscribers = 1000; o.sizes = {128};
  } else if (name == "patterns") {
    o.patterns = 100; o.subscribers = 100; o.nonmatching_pct = 50;
  } else if (name == "many-patterns") {
    o.patterns = 10000; o.subscribers = 100;
  } else if (name == "sizes") {
    o.publishers = 1; o.subscribers = 10; o.pipeline = 8; o.batch = 1;
    o.sizes = {0, 64, 1024, 16 * 1024, 64 * 1024, 1024 * 1024, 4 * 1024 * 1024};
  } else if (name == "large") {
    o.publishers = 1; o.subscribers = 50; o.pipeline = 16; o.batch = 4; o.sizes = {64 * 1024};
  } else if (name == "burst") {
    o.subscribers = 10; o.pipeline = 1024; o.batch = 1024;
  } else if (name == "churn") {
    o.subscribers = 50; o.channels = 1; o.churn_rate = 200; o.churn_life_ms = 50;
  } else if (name == "slow") {
    o.subscribers = 100; o.slow_share = 0.1; o.slow_mode = "stop";
  } else if (name == "latency") {
    o.publishers = 4; o.subscribers = 100; o.rate = 20000; o.batch = 1;
  } else if (name == "cluster") {
    // fanout's shape, so a cluster run and a one-node run of it compare
    // directly; where the connections go is --endpoints' business.
    o.subscribers = 100; o.sizes = {64};
  } else if (name == "resume") {
    // Channels resume:0..3 must keep history on the server, e.g.
    // history: {rules: [{channels: ["resume:*"], max_messages: 10000}]}.
    // Open loop: a resumer away for its reconnect is owed the messages it
    // missed, which no PUBLISH reply counts, so replies cannot pace publishers.
    o.publishers = 2; o.subscribers = 20; o.channels = 4; o.prefix = "resume"; o.rate = 2000; o.batch = 1;
    o.resume = true;
  } else if (name == "subscription-churn" || name == "subscription-churn-patterns") {
    // One connection pipelining batches of 100 SUBSCRIBE ch / UNSUBSCRIBE ch
    // pairs (PSUBSCRIBE / PUNSUBSCRIBE of ch:* for -patterns), one batch in flight.
    o.subscribers = 1; o.batch = 100; o.pipeline = 1;
    o.sub_churn = name == "subscription-churn" ? "channel" : "pattern";
  } else {
    throw OptionError(fmt::format("unknown scenario '{}'", name));
  }
}

void validate(const Options& o) {
  if (o.publishers == 0) throw OptionError("--publishers must be at least 1");
  if (o.channels == 0) throw OptionError("--channels must be at least 1");
  if (o.pipeline == 0 || o.batch == 0) throw OptionError("--pipeline and --batch must be at least 1");
  if (o.duration_s <= 0) throw OptionError("--duration must be positive");
  if (o.pattern_mode() && o.sharded) throw OptionError("--sharded has no pattern form (no SPSUBSCRIBE)");
  for (uint64_t s : o.sizes)
    if (s > 512ull * 1024 * 1024) throw OptionError("payload sizes are capped at 512 MiB");
  if (o.subscribers == 0 && o.churn_rate == 0) throw OptionError("--subscribers must be at least 1");
  if (o.resume) {
    if (!o.rate_mode())
      throw OptionError("resume: needs --rate (open loop): replays to resumers are owed without any PUBLISH reply "
                        "counting them, so replies cannot pace publishers");
    if (o.pattern_mode() || o.sharded || o.churn_rate > 0 || o.slow_share > 0 || plan_expectations(o))
      throw OptionError("resume: RESUME takes plain channels on one node: no --patterns, --sharded, --churn-rate, "
                        "--slow-share or several endpoints");
    if (o.resume_max_ms == 0 || o.resume_min_ms > o.resume_max_ms)
      throw OptionError("resume: expected 0 <= --resume-min <= --resume-max, --resume-max > 0");
  }
  if (!o.sub_churn.empty()) {
    if (o.sub_churn == "pattern" && o.sharded) throw OptionError("--sub-churn pattern: --sharded has no pattern form");
    if (o.subscribers == 0) throw OptionError("--sub-churn: --subscribers (connections) must be at least 1");
    if (o.churn_rate > 0 || o.slow_share > 0 || o.resume || o.rate_mode() || plan_expectations(o))
      throw OptionError("--sub-churn runs alone on one node: no --churn-rate, --slow-share, --rate, resume or "
                        "several endpoints");
  }
  if (o.churn_rate > 0 && plan_expectations(o))
    throw OptionError("--churn-rate needs expectations from PUBLISH replies (one node, --expect replies): "
                      "what a churner should get cannot be planned");
}

Options parse_cli(const std::vector<std::string>& args) {
  Options o;
  std::vector<std::pair<std::string, std::string>> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a.substr(0, 2) != "--") throw OptionError(fmt::format("unexpected argument '{}'", a));
    std::string key(a.substr(2));
    std::string value;
    if (size_t eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key.resize(eq);
    } else if (!is_switch(key)) {
      if (i + 1 >= args.size()) throw OptionError(fmt::format("--{} needs a value", key));
      value = args[++i];
    }
    flags.emplace_back(key, value);
  }
  for (auto& [k, v] : flags)
    if (k == "scenario") apply_option(o, k, v);
  for (auto& [k, v] : flags)
    if (k == "file") load_scenario_file(o, v);
  for (auto& [k, v] : flags)
    if (k != "scenario" && k != "file") apply_option(o, k, v);
  validate(o);
  return o;
}

std::string usage() {
  std::string presets;
  for (auto& n : preset_names()) presets += (presets.empty() ? "" : ", ") + n;
  return fmt::format(R"(usage:
  ringcast-loadgen [run] [--scenario NAME] [--file SCENARIO.yaml] [options]
  ringcast-loadgen report [--baseline LABEL] A.json B.json ...
  ringcast-loadgen free-port

scenarios: {}

target:   --host H --port N --label NAME --server-pid PID[,PID...] --wait S --resp3 --sharded
          --user U --password P
nodes:    --publish-to H:P[,H:P...] --subscribe-to H:P[,H:P...] (round-robin; default --host/--port)
          --endpoints H:P,H:P,... (first publishes, the rest subscribe; one endpoint does both)
          --expect auto|replies|plan --probe-timeout S (0: no cross-node readiness probe)
shape:    --publishers P --subscribers N --channels C --patterns D --nonmatching PCT
          --prefix P --size B | --sizes 0,64,1k,4m --pipeline N --batch N
          --rate PUBLISHES_PER_S (open loop; latency from scheduled send time) --max-lag N
churn:    --churn-rate PER_S --churn-life MS
sub-churn: --sub-churn channel|pattern: --subscribers connections each keep --pipeline batches of --batch
          one-name (P|S)SUBSCRIBE/(P|S)UNSUBSCRIBE pairs in flight; ops/s and server CPU per op
slow:     --slow-share 0.1 --slow-mode stop|throttle --slow-rate BYTES_PER_S
resume:   --resume-min MS --resume-max MS (connected time, random in between) --resume-offline MS (away 0..MS)
timing:   --warmup S --duration S --drain-timeout S --threads T --connect-timeout S
output:   --json FILE --name SCENARIO_NAME --progress --no-progress --no-check --quiet

Payloads carry a {}-byte verification header; smaller sizes (including 0) are raised to it.
Exit status: 0 verified, 1 verification failed, 2 could not run.
)",
                     presets, kPayloadHeaderSize);
}

}  // namespace ringcast::loadgen
