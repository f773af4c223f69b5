// Logging set-up for the daemon: level, destination (stderr, a file, or a
// size-rotated file) and format (text, or JSON lines for log shippers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <spdlog/formatter.h>

namespace ringcast {

struct LoggingOptions {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::string file;            // empty: standard error
  std::string format = "text";  // text | json
  uint64_t max_size = 0;        // bytes per file before rotating; 0: never rotate
  uint32_t max_files = 5;       // rotated files kept besides the current one
};

// Installs the default spdlog logger. Start-up only: throws
// std::runtime_error naming the file or the value when it cannot.
void setup_logging(const LoggingOptions& options);

// One JSON object per line: {"ts":"2024-05-01T12:00:00.123Z","level":"info","msg":"..."}.
// The time is UTC; msg is escaped so any bytes in it still yield valid JSON.
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace ringcast
