// The monotonic clock every shard and the HTTP thread read.
#pragma once

#include <cstdint>

namespace ringcast {

int64_t monotonic_ns();
inline int64_t monotonic_ms() { return monotonic_ns() / 1000000; }

}  // namespace ringcast
