// Loads ringcast's YAML config into Config. The first problem found stops the
// load with "file:line: key.path: what is wrong", so the daemon never starts half-configured.
#include "config.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <vector>

#include "field_reader.h"
#include "scalar_parsing.h"

namespace ringcast::config {
namespace {

using namespace detail;

constexpr uint64_t kMiB = 1024ull * 1024;
constexpr uint64_t kGiB = 1024ull * kMiB;

std::string read_bind_address(const Field& field) {
  constexpr std::string_view kExpected = "an address to listen on";
  std::string address = read_string(field, kExpected);
  if (address.empty()) fail(field, "expected " + std::string(kExpected) + ", got nothing");
  return address;
}

uint32_t read_shards(const Field& field) {
  constexpr uint64_t kMaxShards = 64;
  const std::string allowed = "'auto' or from 1 to " + std::to_string(kMaxShards);
  const std::string expected = "'auto' or an integer from 1 to " + std::to_string(kMaxShards);
  const std::string& text = scalar_text(field, expected);
  if (detail::to_lower_ascii(text) == "auto") return 0;
  uint64_t count = 0;
  const ParseStatus status = detail::parse_decimal(text, count);
  if (status == ParseStatus::malformed) fail_expected(field, expected);
  if (status == ParseStatus::out_of_range || count < 1 || count > kMaxShards) {
    fail_out_of_range(field, allowed);
  }
  return static_cast<uint32_t>(count);
}

IoBackend read_io_backend(const Field& field) {
  constexpr std::string_view kExpected = "one of auto, uring, epoll";
  IoBackend io;
  if (!parse_io_backend(scalar_text(field, kExpected), io)) fail_expected(field, kExpected);
  return io;
}

std::string read_log_level(const Field& field) {
  // spdlog's level names; stored lower-case because spdlog's lookup is case-sensitive.
  static constexpr std::array<std::string_view, 7> kLevels{
      "trace", "debug", "info", "warn", "error", "critical", "off"};
  constexpr std::string_view kExpected = "one of trace, debug, info, warn, error, critical, off";
  std::string level = detail::to_lower_ascii(scalar_text(field, kExpected));
  if (std::find(kLevels.begin(), kLevels.end(), level) == kLevels.end()) fail_expected(field, kExpected);
  return level;
}

uint32_t read_shutdown_timeout_ms(const Field& field) {
  constexpr uint64_t kMaxMs = 3600 * 1000;
  constexpr std::string_view kExpected = "a number of seconds from 0 to 3600, like 5 or 0.5";
  uint64_t ms = 0;
  const ParseStatus status = detail::parse_seconds_as_ms(scalar_text(field, kExpected), ms);
  if (status == ParseStatus::malformed) fail_expected(field, kExpected);
  if (status == ParseStatus::out_of_range || ms > kMaxMs) fail_out_of_range(field, "from 0 to 3600 seconds");
  return static_cast<uint32_t>(ms);
}

std::string read_log_format(const Field& field) {
  constexpr std::string_view kExpected = "text or json";
  std::string format = detail::to_lower_ascii(scalar_text(field, kExpected));
  if (format != "text" && format != "json") fail_expected(field, kExpected);
  return format;
}

void read_log(const Field& field, Config& config) {
  read_map(field, {
    {"level", [&](const Field& f) { config.log_level = read_log_level(f); }},
    {"file", [&](const Field& f) { config.log_file = read_string(f, "a file path"); }},
    {"format", [&](const Field& f) { config.log_format = read_log_format(f); }},
    {"max_size", [&](const Field& f) { config.log_max_size = read_size(f, {0, 1024 * kGiB}); }},
    {"max_files", [&](const Field& f) { config.log_max_files = read_integer<uint32_t>(f, 1, 1000); }},
  });
}

void read_metrics(const Field& field, Config& config) {
  read_map(field, {
    {"enabled", [&](const Field& f) { config.metrics.enabled = read_bool(f); }},
    {"bind", [&](const Field& f) { config.metrics.bind = read_bind_address(f); }},
    {"port", [&](const Field& f) { config.metrics.port = read_integer<uint16_t>(f, 0, 65535); }},
    {"max_body", [&](const Field& f) { config.metrics.max_body = read_size(f, {1024, kGiB}); }},
    {"max_connections", [&](const Field& f) { config.metrics.max_connections = read_integer<uint32_t>(f, 1, 10000); }},
    {"max_connections_per_ip",
     [&](const Field& f) { config.metrics.max_connections_per_ip = read_integer<uint32_t>(f, 1, 10000); }},
    {"timeout", [&](const Field& f) { config.metrics.timeout_seconds = read_integer<uint32_t>(f, 1, 3600); }},
  });
}

void read_output_limit(const Field& field, OutputLimit& limit) {
  // 0 turns a limit off, as in Redis, so every size is allowed.
  constexpr SizeRange kAnySize{0, UINT64_MAX};
  read_map(field, {
    {"hard", [&](const Field& f) { limit.hard_bytes = read_size(f, kAnySize); }},
    {"soft", [&](const Field& f) { limit.soft_bytes = read_size(f, kAnySize); }},
    {"soft_seconds", [&](const Field& f) { limit.soft_seconds = read_integer<uint32_t>(f, 0, UINT32_MAX); }},
  });
}

OutputPolicy read_output_policy(const Field& field) {
  constexpr std::string_view kExpected = "one of disconnect, drop-oldest";
  const std::string policy = detail::to_lower_ascii(scalar_text(field, kExpected));
  if (policy == "disconnect") return OutputPolicy::disconnect;
  if (policy == "drop-oldest") return OutputPolicy::drop_oldest;
  fail_expected(field, kExpected);
}

void read_output_limits(const Field& field, Config& config) {
  read_map(field, {
    {"pubsub", [&](const Field& f) { read_output_limit(f, config.pubsub_output); }},
    {"normal", [&](const Field& f) { read_output_limit(f, config.normal_output); }},
    {"policy", [&](const Field& f) { config.output_policy = read_output_policy(f); }},
    {"pause_reading", [&](const Field& f) { config.pause_reading_bytes = read_size(f, {0, 16 * kGiB}); }},
  });
}

void read_limits(const Field& field, Config& config) {
  // 0 means unlimited for both ceilings, so every value is allowed.
  read_map(field, {
    // A message's channel and payload are each at most max_bulk_len and share
    // one frame, whose size is 32-bit; libnats takes an int length.
    {"max_bulk_len", [&](const Field& f) { config.max_bulk_len = read_size(f, {1, kGiB}); }},
    {"query_buffer", [&](const Field& f) { config.query_buffer_limit = read_size(f, {kMiB, 16 * kGiB}); }},
    {"output", [&](const Field& f) { read_output_limits(f, config); }},
    {"max_subscriptions",
     [&](const Field& f) { config.max_subscriptions = read_integer<uint32_t>(f, 0, UINT32_MAX); }},
    {"max_output_memory", [&](const Field& f) { config.max_output_memory = read_size(f, {0, UINT64_MAX}); }},
  });
}

std::string read_requirepass(const Field& field) {
  // A number or `yes` is still a password: take the text as written.
  return read_string(field, "a password (text)");
}

// Redis refuses user names with spaces or NUL bytes; control characters would
// garble the log and the replies that show the name.
void check_user_name(const Field& field, std::string_view name) {
  for (const char ch : name) {
    const auto byte = static_cast<unsigned char>(ch);
    if (byte <= 0x20 || byte == 0x7f) fail(field, "a user name cannot contain spaces or control characters");
  }
}

// The rules of one user: a string of space-separated rules, or a list of rules
// (one rule per item, so a password may contain spaces).
std::vector<std::string> read_user_rules(const Field& field) {
  constexpr std::string_view kExpected =
      "ACL rules like \"on >password +@pubsub &news.*\" (a string, or a list of rules)";
  std::vector<std::string> rules;
  if (field.value.IsNull()) return rules;
  if (field.value.IsScalar()) {
    const auto is_space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
    const std::string& text = field.value.Scalar();
    size_t i = 0;
    while (i < text.size()) {
      while (i < text.size() && is_space(text[i])) ++i;
      const size_t start = i;
      while (i < text.size() && !is_space(text[i])) ++i;
      if (i > start) rules.push_back(text.substr(start, i - start));
    }
    return rules;
  }
  if (!field.value.IsSequence()) fail_expected(field, kExpected);
  size_t index = 0;
  for (const YAML::Node& item : field.value) {
    const Field rule{item, field.path + "[" + std::to_string(index++) + "]", item.Mark(), field.source};
    if (!item.IsScalar()) fail_expected(rule, "one ACL rule like \">password\" or \"+@pubsub\"");
    rules.push_back(item.Scalar());
  }
  return rules;
}

void read_users(const Field& field, Config& config) {
  if (field.value.IsNull()) return;
  if (!field.value.IsMap()) fail_expected(field, "a map from user name to ACL rules");
  for (const auto& entry : field.value) {
    const YAML::Node& key_node = entry.first;
    if (!key_node.IsScalar()) fail_expected({key_node, field.path, key_node.Mark(), field.source}, "a user name");
    const std::string& name = key_node.Scalar();
    if (name.empty()) fail({key_node, field.path, key_node.Mark(), field.source}, "a user name cannot be empty");
    const Field user{entry.second, field.path + "." + name, key_node.Mark(), field.source};
    check_user_name(user, name);
    for (const UserRules& earlier : config.users) {
      if (earlier.name == name) fail(user, "duplicate user; first defined on line " + std::to_string(earlier.line));
    }
    config.users.push_back({name, read_user_rules(user), line_of(user)});
  }
}

// requirepass sets the default user's password; a `default` entry under users
// redefines that user from scratch. Redis lets the later one win silently; here
// having both is a mistake to fix, not a precedence rule to remember.
void check_default_user_defined_once(const Config& config, std::string_view source) {
  if (config.requirepass.empty()) return;
  for (const UserRules& user : config.users) {
    if (user.name != "default") continue;
    throw ConfigError(std::string(source) + ":" + std::to_string(user.line) +
                      ": users.default: conflicts with requirepass (line " +
                      std::to_string(config.requirepass_line) +
                      "); give the default user its password in its rules (>password or #sha256) instead");
  }
}

// delivery.max_delay: "off", "0", "500us", "1ms" ... up to 10ms.
uint32_t read_delivery_max_delay_us(const Field& field) {
  constexpr std::string_view kExpected = "a delay like 500us or 1ms, or off";
  const std::string text = to_lower_ascii(scalar_text(field, kExpected));
  if (text == "off") return 0;
  uint64_t us = 0;
  const ParseStatus status = parse_delay_us(text, us);
  if (status == ParseStatus::malformed) fail_expected(field, kExpected);
  if (status == ParseStatus::out_of_range || us > kMaxDeliveryMaxDelayUs) fail_out_of_range(field, "from 0 (off) to 10ms");
  return uint32_t(us);
}

void read_delivery(const Field& field, Config& config) {
  read_map(field, {
    {"max_delay", [&](const Field& f) { config.delivery_max_delay_us = read_delivery_max_delay_us(f); }},
  });
}

// Redis's `timeout` takes any int; `tcp-keepalive` too, but Linux refuses a
// TCP_KEEPIDLE above 32767 seconds, so a larger value could never take effect.
constexpr uint32_t kMaxTimeout = 2147483647;
constexpr uint32_t kMaxKeepalive = 32767;

Config read_config(const Field& root) {
  Config config;
  read_map(root, {
    {"bind", [&](const Field& f) { config.bind = read_bind_address(f); }},
    {"port", [&](const Field& f) { config.port = read_integer<uint16_t>(f, 1, 65535); }},
    {"shards", [&](const Field& f) { config.shards = read_shards(f); }},
    {"tcp_backlog", [&](const Field& f) { config.tcp_backlog = read_integer<uint32_t>(f, 1, 65535); }},
    {"maxclients", [&](const Field& f) { config.maxclients = read_integer<uint32_t>(f, 1, 1000000); }},
    {"io", [&](const Field& f) { config.io = read_io_backend(f); }},
    {"log", [&](const Field& f) { read_log(f, config); }},
    {"limits", [&](const Field& f) { read_limits(f, config); }},
    {"delivery", [&](const Field& f) { read_delivery(f, config); }},
    {"metrics", [&](const Field& f) { read_metrics(f, config); }},
    {"shutdown_timeout", [&](const Field& f) { config.shutdown_timeout_ms = read_shutdown_timeout_ms(f); }},
    {"timeout", [&](const Field& f) { config.timeout_seconds = read_integer<uint32_t>(f, 0, kMaxTimeout); }},
    {"tcp_keepalive",
     [&](const Field& f) { config.tcp_keepalive_seconds = read_integer<uint32_t>(f, 0, kMaxKeepalive); }},
    {"requirepass", [&](const Field& f) {
       config.requirepass = read_requirepass(f);
       config.requirepass_line = line_of(f);
     }},
    {"users", [&](const Field& f) { read_users(f, config); }},
    {"cluster", [&](const Field& f) { read_cluster(f, config.cluster); }},
    {"history", [&](const Field& f) { read_history(f, config.history); }},
  });
  check_default_user_defined_once(config, root.source);
  config.source = std::string(root.source);
  return config;
}

std::string read_whole_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw ConfigError(path + ": cannot open: " + std::strerror(errno));
  struct CloseOnExit {
    int fd;
    ~CloseOnExit() { ::close(fd); }
  } closer{fd};

  std::string text;
  std::array<char, 16384> buffer;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n == 0) return text;
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ConfigError(path + ": cannot read: " + std::strerror(errno));
    }
    text.append(buffer.data(), static_cast<size_t>(n));
  }
}

}  // namespace

// Walks the documents of a stream without building them, to find where each
// one starts and whether it holds anything. yaml-cpp 0.7 (Debian 12) never
// consumes some stray characters (a lone "," at the top level) and reports
// empty documents forever (its issue #1040), so LoadAll() would loop until
// memory runs out: the walk stops at the fifth document and treats an
// endless run as the syntax error it is.
class DocumentCensus : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    bool has_content = false;
    YAML::Mark content;  // where its first node is
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back({mark, false, mark}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { seen(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    seen(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    seen(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    seen(mark);
  }
  void OnMapEnd() override {}

 private:
  void seen(const YAML::Mark& mark) {
    if (documents.empty() || documents.back().has_content) return;
    documents.back().has_content = true;
    documents.back().content = mark;
  }
};

Config load_string(std::string_view yaml, std::string_view source) {
  const std::string text(yaml);
  YAML::Node document;
  DocumentCensus census;
  try {
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    for (int i = 0; i < 5 && parser.HandleNextDocument(census); ++i) {
    }
    document = YAML::Load(text);
  } catch (const YAML::Exception& error) {
    throw ConfigError(location(source, error.mark) + ": " + error.msg);
  }
  const auto& docs = census.documents;
  for (size_t i = 1; i + 1 < docs.size(); ++i) {
    // Two empty documents at one place: the parser is stuck on a character.
    if (!docs[i].has_content && !docs[i + 1].has_content && docs[i].start.pos == docs[i + 1].start.pos)
      throw ConfigError(location(source, docs[i].start) + ": unexpected character; not valid YAML");
  }
  // A trailing "---" leaves an empty document behind; only a second one with content is ambiguous.
  for (size_t i = 1; i < docs.size(); ++i) {
    if (docs[i].has_content) {
      throw ConfigError(location(source, docs[i].content) +
                        ": found a second YAML document; the config must be a single one");
    }
  }
  if (docs.empty() || document.IsNull()) {
    Config config;
    config.source = std::string(source);
    return config;
  }
  return read_config({document, "", document.Mark(), source});
}

Config load_file(const std::string& path) { return load_string(read_whole_file(path), path); }

std::string_view io_backend_text(IoBackend io) {
  switch (io) {
    case IoBackend::automatic: return "auto";
    case IoBackend::uring: return "uring";
    case IoBackend::epoll: return "epoll";
  }
  return "auto";  // not reached: every value is named above
}

bool parse_io_backend(std::string_view text, IoBackend& out) {
  const std::string lower = detail::to_lower_ascii(std::string(text));
  for (IoBackend io : {IoBackend::automatic, IoBackend::uring, IoBackend::epoll}) {
    if (lower == io_backend_text(io)) {
      out = io;
      return true;
    }
  }
  return false;
}

}  // namespace ringcast::config
