// spdlog sinks and formatters chosen from LoggingOptions.
#include "core/logging.h"

#include <ctime>
#include <iterator>
#include <string_view>
#include <stdexcept>

#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/json_text.h"

namespace ringcast {
namespace {

constexpr const char* kTextPattern = "[%Y-%m-%d %H:%M:%S.%e] [%l] %v";

// The names the config uses, also written as JSON "level" values (spdlog's
// own say "warning" and "err" in places).
constexpr std::string_view kLevelNames[] = {"trace", "debug", "info", "warn", "error", "critical", "off"};

spdlog::level::level_enum parse_level(const std::string& name) {
  // spdlog::level::from_str turns anything unknown into "off", which would
  // silence the log without a word; refuse instead.
  for (size_t l = 0; l < std::size(kLevelNames); ++l)
    if (name == kLevelNames[l]) return spdlog::level::level_enum(l);
  if (name == "warning") return spdlog::level::warn;
  throw std::runtime_error("log level '" + name + "' is not one of trace, debug, info, warn, error, critical, off");
}

std::string_view level_name(spdlog::level::level_enum level) {
  const auto i = size_t(level);
  return i < std::size(kLevelNames) ? kLevelNames[i] : "unknown";
}

}  // namespace

void JsonLineFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto since_epoch = msg.time.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - secs).count();
  const std::time_t t = std::time_t(secs.count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string line;
  line.reserve(64 + msg.payload.size());
  fmt::format_to(std::back_inserter(line), "{{\"ts\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z\",\"level\":\"{}\",\"msg\":",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis,
                 level_name(msg.level));
  append_json_string(line, std::string_view(msg.payload.data(), msg.payload.size()));
  line += "}\n";
  dest.append(line.data(), line.data() + line.size());
}

std::unique_ptr<spdlog::formatter> JsonLineFormatter::clone() const { return std::make_unique<JsonLineFormatter>(); }

void setup_logging(const LoggingOptions& o) {
  const spdlog::level::level_enum level = parse_level(o.level);
  if (o.format != "text" && o.format != "json")
    throw std::runtime_error("log format '" + o.format + "' is not one of text, json");
  spdlog::sink_ptr sink;
  try {
    if (o.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else if (o.max_size > 0) {
      // No rotation on open: a restart appends to the current file.
      sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(o.file, size_t(o.max_size), size_t(o.max_files),
                                                                    false);
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(o.file, false);
    }
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error("cannot open log file '" + o.file + "': " + e.what());
  }
  auto logger = std::make_shared<spdlog::logger>("ringcast", sink);
  if (o.format == "json") {
    logger->set_formatter(std::make_unique<JsonLineFormatter>());
  } else {
    logger->set_pattern(kTextPattern);
  }
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  // Info lines in a file should not sit in a buffer until the next warning.
  if (!o.file.empty()) spdlog::flush_every(std::chrono::seconds(1));
}

}  // namespace ringcast
