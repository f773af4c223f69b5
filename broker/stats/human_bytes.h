// INFO's *_human figures: a byte count in B, K, M, G or T (powers of 1024),
// shared by INFO and the HTTP /stats rendering.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace ringcast {

inline std::string human_bytes(uint64_t n) {
  static constexpr const char* kUnits[] = {"B", "K", "M", "G", "T"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{}B", n) : fmt::format("{:.2f}{}", v, kUnits[u]);
}

}  // namespace ringcast
