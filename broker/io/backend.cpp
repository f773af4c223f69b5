// Picks the I/O backend a shard runs on.
#include "io/backend.h"

#include "io/epoll_backend.h"
#include "io/uring_backend.h"

namespace ringcast::io {

std::string_view backend_name(BackendKind kind) {
  switch (kind) {
    case BackendKind::io_uring: return "io_uring";
    case BackendKind::epoll: return "epoll";
  }
  return "unknown";  // not reached: every kind is named above
}

std::unique_ptr<Backend> make_backend(BackendKind kind, Events& events, const Options& options) {
  switch (kind) {
    case BackendKind::io_uring: return std::make_unique<uring::UringBackend>(events, options);
    case BackendKind::epoll: return std::make_unique<epoll::EpollBackend>(events, options);
  }
  return nullptr;  // not reached: every kind is handled above
}

}  // namespace ringcast::io
