// Monotonic nanosecond clock shared by publishers and subscribers of one process,
// so a payload's send time and its receive time are directly comparable.
#pragma once

#include <cstdint>
#include <ctime>

namespace ringcast::loadgen {

inline uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace ringcast::loadgen
