// ringcast: command line, configuration, logging, signals; the server does the rest.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include "acl/registry.h"
#include "commands/command_table.h"
#include "config.h"
#include "server/config_reload.h"
#include "server/http_daemon_backend.h"
#include "http/http_server.h"
#include "core/logging.h"
#include "server/server.h"
#include "core/version.h"

namespace {

constexpr const char* kUsage =
    "Usage: ringcast [--config FILE] [--port N] [--bind ADDR] [--shards N|auto]\n"
    "                [--io auto|uring|epoll] [--check-config] [--version] [--help]\n"
    "\n"
    "A Redis-protocol pub/sub broker. Flags override the config file.\n"
    "  --config FILE    YAML configuration (see config/ringcast.yaml)\n"
    "  --port N         TCP port (default 6379; 0 picks a free one)\n"
    "  --bind ADDR      address to listen on (default 127.0.0.1)\n"
    "  --shards N|auto  reactor threads (default auto: one per online CPU)\n"
    "  --io auto|uring|epoll\n"
    "                   I/O backend (default auto: io_uring where the kernel allows it, else epoll)\n"
    "  --check-config   validate the configuration and exit\n"
    "  --version        print the version and exit\n";

struct Options {
  std::optional<std::string> config_file;
  std::optional<std::string> port, bind, shards, io;
  bool check_config = false;
};

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "ringcast: %s\n\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--version" || arg == "-v") {
      std::printf("ringcast %s (Redis protocol %s compatible)\n", ringcast::kVersion.data(),
                  ringcast::kRedisCompatVersion.data());
      std::exit(0);
    } else if (arg == "--config") {
      o.config_file = value();
    } else if (arg == "--port") {
      o.port = value();
    } else if (arg == "--bind") {
      o.bind = value();
    } else if (arg == "--shards") {
      o.shards = value();
    } else if (arg == "--io") {
      o.io = value();
    } else if (arg == "--check-config") {
      o.check_config = true;
    } else {
      usage_error("unknown option '" + arg + "'");
    }
  }
  return o;
}

bool parse_uint(const std::string& s, unsigned long max, unsigned long& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty() && out <= max;
}

void apply_overrides(const Options& o, ringcast::config::Config& cfg) {
  unsigned long n;
  if (o.port) {
    if (!parse_uint(*o.port, 65535, n)) usage_error("--port: expected 0..65535, got '" + *o.port + "'");
    cfg.port = uint16_t(n);
  }
  if (o.bind) cfg.bind = *o.bind;
  if (o.io && !ringcast::config::parse_io_backend(*o.io, cfg.io))
    usage_error("--io: expected auto, uring or epoll, got '" + *o.io + "'");
  if (o.shards) {
    if (*o.shards == "auto") {
      cfg.shards = 0;
    } else if (!parse_uint(*o.shards, 64, n) || n == 0) {
      usage_error("--shards: expected 1..64 or auto, got '" + *o.shards + "'");
    } else {
      cfg.shards = unsigned(n);
    }
  }
}

std::string size_text(uint64_t bytes) {
  if (bytes == 0) return "0 (off)";
  if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "gb";
  if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "mb";
  if (bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "kb";
  return std::to_string(bytes);
}

// Every client is a descriptor: like Redis, ask for maxclients plus some
// room for listeners, rings and logs, up to what the hard limit allows.
void raise_fd_limit(uint32_t maxclients) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = rlim_t(maxclients) + 64;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  setrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted)
    spdlog::warn("open file limit is {}: fewer than maxclients ({}) clients can connect; raise `ulimit -n`",
                 limit.rlim_cur, maxclients);
}

std::shared_ptr<const ringcast::acl::Registry> load_users(const ringcast::config::Config& cfg) {
  return std::make_shared<const ringcast::acl::Registry>(
      ringcast::acl::Registry::from_config(cfg, ringcast::commands::acl_catalog()));
}

// SIGHUP: re-read the file; apply what can change live, log every change,
// and keep the running configuration whole if the file is invalid.
void reload(const Options& options, ringcast::config::Config& running, ringcast::Server& server,
            ringcast::http::DaemonBackend* http_backend) {
  if (!options.config_file) {
    spdlog::warn("SIGHUP: started without --config, nothing to reload");
    return;
  }
  ringcast::config::Config loaded;
  std::shared_ptr<const ringcast::acl::Registry> acl;
  try {
    loaded = ringcast::config::load_file(*options.config_file);
    apply_overrides(options, loaded);
    acl = load_users(loaded);
  } catch (const ringcast::config::ConfigError& e) {
    spdlog::error("SIGHUP: {} is invalid, keeping the running configuration: {}", *options.config_file, e.what());
    return;
  }
  const ringcast::ConfigChanges changes = ringcast::compare_configs(running, loaded);
  for (const std::string& line : changes.need_restart) spdlog::warn("SIGHUP: {}", line);
  if (changes.applied.empty()) {
    spdlog::info("SIGHUP: {} reloaded, no live setting changed", *options.config_file);
    return;
  }
  running = ringcast::merge_reloadable(running, loaded);
  spdlog::set_level(spdlog::level::from_str(running.log_level));
  server.reload(running, acl);
  if (http_backend) http_backend->set_acl(acl);
  for (const std::string& line : changes.applied) spdlog::info("SIGHUP: {}", line);
}

}  // namespace

int main(int argc, char** argv) {
  ringcast::acl::init_crypto_library();
  const Options options = parse_args(argc, argv);
  ringcast::config::Config cfg;
  std::shared_ptr<const ringcast::acl::Registry> acl;
  try {
    if (options.config_file) cfg = ringcast::config::load_file(*options.config_file);
    apply_overrides(options, cfg);
    acl = load_users(cfg);
  } catch (const ringcast::config::ConfigError& e) {
    std::fprintf(stderr, "ringcast: config error: %s\n", e.what());
    return 1;
  }
  if (options.check_config) {
    std::printf("ringcast: configuration %s is valid\n", options.config_file ? options.config_file->c_str() : "(defaults)");
    return 0;
  }
  try {
    ringcast::setup_logging({cfg.log_level, cfg.log_file, cfg.log_format, cfg.log_max_size, cfg.log_max_files});
  } catch (const std::runtime_error& e) {
    std::fprintf(stderr, "ringcast: %s\n", e.what());
    return 1;
  }

  // Large frames come and go with traffic: a fixed mmap threshold hands their
  // memory back to the system when freed instead of letting the heap keep it.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  // A peer that vanished must surface as a write error, not kill the process.
  signal(SIGPIPE, SIG_IGN);
  // Block the signals we act on in every thread; main waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  raise_fd_limit(cfg.maxclients);
  ringcast::Server server(cfg, acl);
  if (std::string err = server.start(); !err.empty()) {
    spdlog::critical("cannot start: {}", err);
    return 1;
  }
  spdlog::info("ringcast {} ready: listening on {}:{}, {} shard(s) on {}, maxclients {}, max bulk {}, query buffer {}",
               ringcast::kVersion, cfg.bind, server.port(), server.shard_count(), server.io_backend(), cfg.maxclients,
               size_text(cfg.max_bulk_len), size_text(cfg.query_buffer_limit));
  spdlog::info("output limits: pubsub hard {} soft {} for {}s; normal hard {} soft {} for {}s; shutdown timeout {}ms",
               size_text(cfg.pubsub_output.hard_bytes), size_text(cfg.pubsub_output.soft_bytes),
               cfg.pubsub_output.soft_seconds, size_text(cfg.normal_output.hard_bytes),
               size_text(cfg.normal_output.soft_bytes), cfg.normal_output.soft_seconds, cfg.shutdown_timeout_ms);
  if (auto warning = acl->open_access_warning(cfg.bind)) spdlog::warn("{}", *warning);

  // Started after the signal mask is set, so the HTTP thread never takes a signal.
  std::unique_ptr<ringcast::http::DaemonBackend> http_backend;
  std::unique_ptr<ringcast::http::HttpServer> http;
  if (cfg.metrics.enabled) {
    ringcast::http::HttpServerOptions http_options;
    http_options.bind = cfg.metrics.bind;
    http_options.port = cfg.metrics.port;
    http_options.max_body_bytes = cfg.metrics.max_body;
    http_options.max_connections = cfg.metrics.max_connections;
    http_options.max_connections_per_ip = cfg.metrics.max_connections_per_ip;
    http_options.timeout_ms = int64_t(cfg.metrics.timeout_seconds) * 1000;
    http_backend = std::make_unique<ringcast::http::DaemonBackend>(server, acl);
    http = std::make_unique<ringcast::http::HttpServer>(*http_backend, http_options);
    if (std::string err = http->start(); !err.empty()) {
      spdlog::critical("cannot start: {}", err);
      server.request_stop();
      server.join();
      return 1;
    }
    spdlog::info("HTTP listening on {}:{}: GET /metrics /stats /healthz, POST /publish", cfg.metrics.bind,
                 http->port());
    if (auto warning = acl->open_access_warning(cfg.metrics.bind)) spdlog::warn("HTTP: {}", *warning);
  }

  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) reload(options, cfg, server, http_backend.get());
  spdlog::info("received {}, shutting down: no new connections, flushing queued output (up to {}ms)",
               sig == SIGINT ? "SIGINT" : "SIGTERM", cfg.shutdown_timeout_ms);
  server.request_stop();
  // Before join(): the HTTP thread reads the shards, which join() frees.
  if (http) http->stop();
  server.join();
  // libnats's own threads and memory, so the leak checker sees a clean exit.
  if (cfg.cluster.enabled()) nats_CloseAndWait(2000);
  spdlog::info("bye");
  return 0;
}
