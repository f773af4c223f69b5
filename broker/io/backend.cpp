// Picks the I/O backend a shard runs on.
#include "io/backend.h"

#include "io/uring_backend.h"

namespace ringcast::io {

std::unique_ptr<Backend> make_backend(BackendKind kind, Events& events, const Options& options) {
  switch (kind) {
    case BackendKind::io_uring: break;
  }
  return std::make_unique<uring::UringBackend>(events, options);
}

}  // namespace ringcast::io
