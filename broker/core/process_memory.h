// This process's resident memory (VmRSS), for INFO and /metrics.
#pragma once

#include <cstdint>

namespace ringcast {

uint64_t resident_memory_bytes();

}  // namespace ringcast
