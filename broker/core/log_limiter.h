// Keeps a warning that a client (or a flood of them) can trigger at will from
// flooding the log: at most one line per interval, and that line says how
// many like it were held back. Not thread-safe: one per thread, or guarded by
// its owner's lock.
#pragma once

#include <cstdint>
#include <optional>

namespace ringcast {

class LogLimiter {
 public:
  explicit LogLimiter(int64_t interval_ms = 1000) : interval_ms_(interval_ms) {}

  // Called at each occurrence: the number of occurrences held back since the
  // last line when a line may be written now, nullopt when this one is held back.
  std::optional<uint64_t> allow(int64_t now_ms) {
    if (written_ && now_ms - last_ms_ < interval_ms_) {
      ++held_back_;
      return std::nullopt;
    }
    written_ = true;
    last_ms_ = now_ms;
    const uint64_t held = held_back_;
    held_back_ = 0;
    return held;
  }

 private:
  int64_t interval_ms_;
  int64_t last_ms_ = 0;
  bool written_ = false;
  uint64_t held_back_ = 0;
};

}  // namespace ringcast
