// Field-by-field comparison of two configurations for SIGHUP reloads.
#include "server/config_reload.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ringcast {
namespace {

std::string text(const std::string& s) { return "'" + s + "'"; }
template <class T>
std::string text(const T& v) {
  return fmt::format("{}", v);
}
std::string text(config::IoBackend io) { return std::string(config::io_backend_text(io)); }
std::string text(config::OutputPolicy p) { return p == config::OutputPolicy::drop_oldest ? "drop-oldest" : "disconnect"; }
std::string text(const config::OutputLimit& l) {
  return fmt::format("{{hard: {}, soft: {}, soft_seconds: {}}}", l.hard_bytes, l.soft_bytes, l.soft_seconds);
}
// Lists are server URLs: never their passwords.
std::string text(const std::vector<std::string>& list) {
  return config::redact_urls(fmt::format("[{}]", fmt::join(list, ", ")));
}
bool operator!=(const config::OutputLimit& a, const config::OutputLimit& b) {
  return a.hard_bytes != b.hard_bytes || a.soft_bytes != b.soft_bytes || a.soft_seconds != b.soft_seconds;
}

std::string users_text(const config::Config& c) {
  std::string out = c.requirepass.empty() ? "requirepass unset" : "requirepass set";
  for (const auto& u : c.users) out += ", " + u.name;
  return out;
}

bool same_users(const config::Config& a, const config::Config& b) {
  if (a.requirepass != b.requirepass || a.users.size() != b.users.size()) return false;
  for (size_t i = 0; i < a.users.size(); ++i)
    if (a.users[i].name != b.users[i].name || a.users[i].rules != b.users[i].rules) return false;
  return true;
}

}  // namespace

ConfigChanges compare_configs(const config::Config& running, const config::Config& loaded) {
  ConfigChanges out;
  auto live = [&](const char* key, const auto& a, const auto& b) {
    if (a != b) out.applied.push_back(fmt::format("{}: {} -> {}", key, text(a), text(b)));
  };
  auto restart = [&](const char* key, const auto& a, const auto& b) {
    if (a != b) out.need_restart.push_back(fmt::format("{}: {} -> {} (needs a restart; kept {})", key, text(a), text(b), text(a)));
  };
  restart("bind", running.bind, loaded.bind);
  restart("port", running.port, loaded.port);
  restart("shards", running.shards, loaded.shards);
  restart("tcp_backlog", running.tcp_backlog, loaded.tcp_backlog);
  restart("io", running.io, loaded.io);
  restart("log.file", running.log_file, loaded.log_file);
  restart("log.format", running.log_format, loaded.log_format);
  restart("log.max_size", running.log_max_size, loaded.log_max_size);
  restart("log.max_files", running.log_max_files, loaded.log_max_files);
  restart("metrics.enabled", running.metrics.enabled, loaded.metrics.enabled);
  restart("metrics.bind", running.metrics.bind, loaded.metrics.bind);
  restart("metrics.port", running.metrics.port, loaded.metrics.port);
  restart("metrics.max_body", running.metrics.max_body, loaded.metrics.max_body);
  restart("metrics.max_connections", running.metrics.max_connections, loaded.metrics.max_connections);
  restart("metrics.max_connections_per_ip", running.metrics.max_connections_per_ip,
          loaded.metrics.max_connections_per_ip);
  restart("metrics.timeout", running.metrics.timeout_seconds, loaded.metrics.timeout_seconds);
  const config::NatsConfig& nats = running.cluster.nats;
  const config::NatsConfig& new_nats = loaded.cluster.nats;
  restart("cluster.nats.servers", nats.servers, new_nats.servers);
  restart("cluster.nats.name", nats.name, new_nats.name);
  restart("cluster.nats.subject_prefix", nats.subject_prefix, new_nats.subject_prefix);
  restart("cluster.nats.max_pending", nats.max_pending, new_nats.max_pending);
  restart("cluster.nats.reconnect_wait", nats.reconnect_wait_ms, new_nats.reconnect_wait_ms);
  // Secrets are never written to the log, only that they changed.
  if (nats.user != new_nats.user || nats.password != new_nats.password || nats.token != new_nats.token ||
      nats.tls != new_nats.tls || nats.tls_ca != new_nats.tls_ca || nats.tls_cert != new_nats.tls_cert ||
      nats.tls_key != new_nats.tls_key)
    out.need_restart.push_back("cluster.nats credentials or tls changed (needs a restart; kept the running ones)");
  live("log.level", running.log_level, loaded.log_level);
  live("maxclients", running.maxclients, loaded.maxclients);
  live("timeout", running.timeout_seconds, loaded.timeout_seconds);
  live("tcp_keepalive", running.tcp_keepalive_seconds, loaded.tcp_keepalive_seconds);
  live("limits.max_bulk_len", running.max_bulk_len, loaded.max_bulk_len);
  live("limits.query_buffer", running.query_buffer_limit, loaded.query_buffer_limit);
  live("limits.max_subscriptions", running.max_subscriptions, loaded.max_subscriptions);
  live("limits.max_output_memory", running.max_output_memory, loaded.max_output_memory);
  live("limits.output.policy", running.output_policy, loaded.output_policy);
  live("limits.output.pubsub", running.pubsub_output, loaded.pubsub_output);
  live("limits.output.normal", running.normal_output, loaded.normal_output);
  live("limits.output.pause_reading", running.pause_reading_bytes, loaded.pause_reading_bytes);
  live("delivery.max_delay (us)", running.delivery_max_delay_us, loaded.delivery_max_delay_us);
  live("shutdown_timeout", running.shutdown_timeout_ms, loaded.shutdown_timeout_ms);
  live("history.max_memory", running.history.max_memory, loaded.history.max_memory);
  if (running.history.rules != loaded.history.rules)
    out.applied.push_back(fmt::format("history.rules: {} -> {} rules (for later messages)",
                                      running.history.rules.size(), loaded.history.rules.size()));
  if (!same_users(running, loaded))
    out.applied.push_back(fmt::format("users: {} -> {}", users_text(running), users_text(loaded)));
  return out;
}

config::Config merge_reloadable(const config::Config& running, const config::Config& loaded) {
  config::Config merged = loaded;
  merged.bind = running.bind;
  merged.port = running.port;
  merged.shards = running.shards;
  merged.tcp_backlog = running.tcp_backlog;
  merged.io = running.io;
  merged.log_file = running.log_file;
  merged.log_format = running.log_format;
  merged.log_max_size = running.log_max_size;
  merged.log_max_files = running.log_max_files;
  merged.metrics = running.metrics;
  return merged;
}

}  // namespace ringcast
