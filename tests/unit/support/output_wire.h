// What a socket would receive from an output queue: every queued byte,
// written out in order. For tests of whatever fills the queue.
#pragma once

#include <sys/uio.h>

#include <string>
#include <vector>

#include "output/output_queue.h"

namespace ringcast::testing {

inline std::string write_out(output::OutputQueue& out) {
  std::string wire;
  std::vector<iovec> iov;
  while (!out.empty()) {
    out.prepare(iov);
    size_t n = 0;
    for (const iovec& v : iov) {
      wire.append(static_cast<const char*>(v.iov_base), v.iov_len);
      n += v.iov_len;
    }
    out.complete(n);
  }
  return wire;
}

}  // namespace ringcast::testing
