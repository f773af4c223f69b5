// ringcast's typed configuration, loaded from YAML and validated at start-up.
// A leaf: the daemon and loadgen both use it, it uses nothing of theirs.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ringcast::config {

// Thrown only at start-up; the message names the file, the line and the key,
// e.g. "config/ringcast.yaml:12: limits.output.pubsub.hard: expected a size like 32mb, got 'lots'".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Redis's client-output-buffer-limit for one client class. 0 disables a limit.
struct OutputLimit {
  uint64_t hard_bytes = 0;
  uint64_t soft_bytes = 0;
  uint32_t soft_seconds = 0;
};

// What happens to a subscribed client whose queued output passes its limit
// (limits.output.pubsub.hard, or its part once limits.max_output_memory is reached).
enum class OutputPolicy : uint8_t {
  disconnect,   // close the connection, as Redis does
  drop_oldest,  // discard its oldest queued messages until it fits, keep the connection
};

// One entry of `users:`: a user name and its Redis ACL rules (the modifiers of
// ACL SETUSER, e.g. "on", ">secret", "+@pubsub", "&news.*"), in order. The
// loader checks only the shape; broker/acl checks the rules at start-up and
// names `source`:`line`: users.<name> in its error.
struct UserRules {
  std::string name;
  std::vector<std::string> rules;
  int line = 0;  // 1-based line of the user's key
};

// metrics: the HTTP listener for /metrics, /stats, /healthz and POST /publish.
struct MetricsConfig {
  bool enabled = false;
  std::string bind = "127.0.0.1";
  uint16_t port = 9121;             // 0 picks a free port (logged)
  uint64_t max_body = 1024 * 1024;  // largest POST body
  uint32_t max_connections = 64;    // HTTP connections at once
  // From one IP address at once, so one client cannot take them all.
  uint32_t max_connections_per_ip = 24;
  // Seconds a connection has to send a request (from its opening or its
  // previous request's end) and then to take the reply; trickled bytes do
  // not extend it.
  uint32_t timeout_seconds = 10;
};

// cluster.nats: the NATS servers that join several ringcast nodes. With no
// servers the node is standalone.
struct NatsConfig {
  std::vector<std::string> servers;  // URLs, tried in the order given
  int servers_line = 0;              // 1-based line of `servers`, for later checks' errors
  std::string name = "ringcast";     // the NATS connection name
  std::string subject_prefix = "ringcast";
  std::string user, password, token;
  bool tls = false;  // set when a tls section is present
  std::string tls_ca, tls_cert, tls_key;
  uint64_t max_pending = 64ull << 20;  // bytes queued from shards to the bridge before publishes are dropped
  uint32_t reconnect_wait_ms = 250;
};

// io: the I/O backend the shards run on.
enum class IoBackend : uint8_t {
  automatic,  // "auto": io_uring where the kernel allows it and has every feature used, else epoll
  uring,      // io_uring or refuse to start
  epoll,
};

// history: which channels keep their recent messages (HISTORY, RESUME).
struct HistoryRule {
  std::vector<std::string> channels;  // globs, Redis's syntax
  uint32_t max_messages = 1000;        // per channel
  uint64_t max_age_ms = 0;             // 0: no age limit
  bool operator==(const HistoryRule&) const = default;
};
struct HistoryConfig {
  std::vector<HistoryRule> rules;  // the first rule that matches a channel applies
  uint64_t max_memory = 64ull << 20;  // all history together, on this node
};

struct ClusterConfig {
  NatsConfig nats;
  bool enabled() const { return !nats.servers.empty(); }
};

// delivery.max_delay's default and ceiling, in microseconds.
inline constexpr uint32_t kDefaultDeliveryMaxDelayUs = 1000;
inline constexpr uint32_t kMaxDeliveryMaxDelayUs = 10000;

struct Config {
  std::string source;  // the file (or the name given to load_string) this was loaded from; empty for defaults

  std::string bind = "127.0.0.1";
  uint16_t port = 6379;
  uint32_t shards = 0;  // 0 = one per online CPU ("auto")
  uint32_t tcp_backlog = 511;
  uint32_t maxclients = 10000;
  IoBackend io = IoBackend::automatic;

  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  std::string log_file;            // empty: standard error
  std::string log_format = "text";  // text | json (JSON lines)
  uint64_t log_max_size = 0;        // rotate the file past this size; 0: never
  uint32_t log_max_files = 5;       // rotated files kept

  MetricsConfig metrics;

  uint64_t max_bulk_len = 512ull * 1024 * 1024;         // limits.max_bulk_len (proto-max-bulk-len)
  uint64_t query_buffer_limit = 1024ull * 1024 * 1024;  // limits.query_buffer (client-query-buffer-limit)
  OutputLimit pubsub_output{32ull << 20, 8ull << 20, 60};  // limits.output.pubsub
  OutputLimit normal_output{};                              // limits.output.normal

  uint32_t shutdown_timeout_ms = 5000;  // shutdown_timeout, seconds in YAML (fractions allowed)

  uint32_t timeout_seconds = 0;          // timeout: close a client idle this long, unless subscribed; 0 = never
  uint32_t tcp_keepalive_seconds = 300;  // tcp_keepalive: TCP keepalive interval; 0 = off
  uint32_t max_subscriptions = 0;        // limits.max_subscriptions: per client, all kinds together; 0 = unlimited
  uint64_t max_output_memory = 0;        // limits.max_output_memory: all clients' queued output; 0 = unlimited
  OutputPolicy output_policy = OutputPolicy::disconnect;  // limits.output.policy
  // limits.output.pause_reading: a client whose unsent output passes this has
  // its requests left unread (TCP back-pressure) until half of it is out;
  // 0 never pauses.
  uint64_t pause_reading_bytes = 256 * 1024;
  // delivery.max_delay: the longest a delivered message may be held back so
  // that a busy shard writes several per send (output/coalescing.h); 0 = off.
  uint32_t delivery_max_delay_us = kDefaultDeliveryMaxDelayUs;

  // requirepass: the default user's password; empty means none (Redis "nopass").
  std::string requirepass;
  int requirepass_line = 0;  // 1-based line of the key, 0 when absent
  // users: in file order. Never two with the same name; "default" redefines the default user.
  std::vector<UserRules> users;

  HistoryConfig history;  // reloadable: new rules and limits apply to later messages

  ClusterConfig cluster;  // read at start-up only; a reload keeps the running one
};

// Loads and validates a YAML file. Throws ConfigError.
Config load_file(const std::string& path);
// Same, from text; `source` names it in error messages.
Config load_string(std::string_view yaml, std::string_view source);

// `text` with the user information of every URL in it (`nats://user:pass@host`)
// replaced by `***`: what logs, INFO and /stats show of server URLs and of
// errors that may quote them.
std::string redact_urls(std::string_view text);

// "auto", "uring" or "epoll" (as the `io` key and --io take them).
std::string_view io_backend_text(IoBackend io);
// The reverse, case-insensitive; false on anything else.
bool parse_io_backend(std::string_view text, IoBackend& out);

// Redis-style sizes: "100", "1k" (1000), "1kb" (1024), "32mb", "1gb"; case-insensitive.
// Returns false on anything else.
bool parse_size(std::string_view text, uint64_t& out);

}  // namespace ringcast::config
