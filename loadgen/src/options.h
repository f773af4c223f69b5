// Everything one loadgen run is told to do: target, scenario shape, timing,
// outputs. Filled from a scenario preset, then a YAML file, then flags.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ringcast::loadgen {

class OptionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One server address ("127.0.0.1:7001"). Equal host and port mean the same
// node: that is how a single-node run is told from a cross-node one.
struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::string str() const { return host + ":" + std::to_string(port); }
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

struct Options {
  // Target.
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  // Where publishers and subscribers connect, round-robin over each list;
  // empty: host:port. Set by --publish-to, --subscribe-to and --endpoints.
  std::vector<Endpoint> publish_to;
  std::vector<Endpoint> subscribe_to;
  // Where expected deliveries come from: "replies" (the sum of PUBLISH
  // replies), "plan" (publishes x subscribers of the channel: a cluster node's
  // reply counts only its own receivers) or "auto" (plan when the endpoints
  // name more than one node).
  std::string expect = "auto";
  double probe_timeout_s = 30;   // plan: wait this long for cross-node routes (0: do not probe)
  std::string label = "server";  // names the target in results ("redis", "ringcast")
  std::vector<int> server_pids;  // report these processes' CPU seconds, summed
  double wait_s = 5;             // how long to wait for the server to answer PING
  bool resp3 = false;            // HELLO 3 on every connection
  std::string user;              // AUTH user (with password; empty: AUTH password)
  std::string password;          // non-empty: AUTH on every connection
  bool sharded = false;          // SSUBSCRIBE/SPUBLISH instead of SUBSCRIBE/PUBLISH

  // Shape.
  std::string scenario = "fanout";
  uint32_t publishers = 2;
  uint32_t subscribers = 100;
  uint32_t channels = 1;         // channel mode: subscriber j listens on channel j % channels
  uint32_t patterns = 0;         // >0: pattern mode with this many distinct patterns
  uint32_t nonmatching_pct = 0;  // pattern mode: share of publishes no pattern matches
  std::string prefix = "lg";     // channel names are prefix:N, patterns prefix:N:*
  std::vector<uint64_t> sizes{64};  // payload sizes, cycled per publish
  uint32_t pipeline = 64;        // max unanswered publishes per publisher
  uint32_t batch = 16;           // publishes per write
  double rate = 0;               // total publishes/s, open loop; 0 = as fast as flow control allows
  uint64_t max_lag = 0;          // deliveries owed to subscribers before publishers pause; 0 = auto

  // Churn: extra subscribers that connect, subscribe, stay churn_life_ms, unsubscribe, disconnect.
  double churn_rate = 0;         // new churning subscribers per second
  uint32_t churn_life_ms = 100;

  // Subscription churn (sub_churn.h): "channel" or "pattern" runs that mode
  // instead: `subscribers` connections pipelining `pipeline` batches of
  // `batch` one-name subscribe/unsubscribe pairs; "" (the default) is off.
  std::string sub_churn;

  // Slow consumers: a share of the subscribers read at slow_rate bytes/s or not at all.
  double slow_share = 0;
  std::string slow_mode = "stop";  // stop | throttle
  uint64_t slow_rate = 64 * 1024;

  // Resume (the `resume` scenario): every subscriber joins its channel with
  // RESUME, drops its connection after a random resume_min_ms..resume_max_ms,
  // stays away 0..resume_offline_ms and resumes from the last offset it saw.
  bool resume = false;
  uint32_t resume_min_ms = 200;
  uint32_t resume_max_ms = 600;
  uint32_t resume_offline_ms = 50;

  // Timing and machinery.
  double warmup_s = 1;
  double duration_s = 5;
  double drain_timeout_s = 10;
  uint32_t threads = 0;          // 0 = one per CPU this process may run on
  uint32_t connect_timeout_s = 30;

  // Output.
  std::string json_path;
  int progress = -1;             // -1 auto (runs of 5 s or more), 0 off, 1 on
  bool check = true;             // exit 1 when verification fails
  bool quiet = false;

  bool pattern_mode() const { return patterns > 0; }
  bool rate_mode() const { return rate > 0; }
};

// Sets one option by its flag name without dashes ("publishers", "sizes", ...).
// Throws OptionError naming the key and the bad value.
void apply_option(Options& o, std::string_view key, std::string_view value);

// True when `key` is a flag that takes no value on the command line.
bool is_switch(std::string_view key);

// Applies a named scenario preset ("fanout", "many-channels", ...). Throws if unknown.
void apply_preset(Options& o, std::string_view name);

// Known preset names, for --help.
std::vector<std::string> preset_names();

// Parses "64", "1k", "64KiB", "4m", "1mb" (binary multiples).
uint64_t parse_size(std::string_view s);

// Parses "HOST:PORT" (IPv4 literal) and comma-separated lists of them.
Endpoint parse_endpoint(std::string_view s);
std::vector<Endpoint> parse_endpoint_list(std::string_view s);

// The publish and subscribe endpoint lists with host:port filled in for empty ones.
std::vector<Endpoint> publish_endpoints(const Options& o);
std::vector<Endpoint> subscribe_endpoints(const Options& o);

// Checks cross-field rules (e.g. subscribers >= 1); throws OptionError.
void validate(const Options& o);

// argv (after the subcommand) -> Options: preset from --scenario, then --file,
// then every other flag in order.
Options parse_cli(const std::vector<std::string>& args);

std::string usage();

}  // namespace ringcast::loadgen
