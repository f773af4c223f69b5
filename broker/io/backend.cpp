// Picks the I/O backend a shard runs on.
#include "io/backend.h"

#include "io/uring_backend.h"

namespace ringcast::io {

std::unique_ptr<Backend> make_backend(BackendKind kind, Events& events, const Options& options) {
  switch (kind) {
    case BackendKind::io_uring: return std::make_unique<uring::UringBackend>(events, options);
  }
  return nullptr;  // not reached: every kind is handled above
}

}  // namespace ringcast::io
