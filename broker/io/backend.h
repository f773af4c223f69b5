// The I/O seam: what a shard asks of the kernel (accept, receive, write,
// wake another shard, a housekeeping tick) and the typed completions it gets
// back. One Backend per shard, of one kind for the whole daemon: io_uring
// (io/uring_backend.h) or epoll (io/epoll_backend.h), chosen at start-up;
// nothing above this layer knows which.
//
// Threads. A Backend is created anywhere, but init(), and every member below
// except those named here, run on its shard's thread only. Thread-safe:
//   - wake_from_outside(): any thread, once init() has returned;
//   - a backend passed as the `target` of another shard's wake() or
//     hand_socket(): those read only what the target's init() fixed.
// Events are delivered only from dispatch(), on the shard's thread, never
// from inside another member call, so a request never re-enters the caller.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ringcast::io {

// The caller's name for a connection (the shard's slot). The backend hands it
// back in events; it never dereferences anything through it.
using ConnId = uint32_t;

// Completions, implemented by the shard. Errors are negative errno values.
//
// Lifetime rule (what makes freeing a connection safe): the backend refers to
// a connection from start_receiving() until the matching on_receive_ended(),
// and to a write's iovecs (and the bytes they point at) from write() until the
// matching on_written(). Each comes exactly once, also after stop(). Only after
// both may the caller free the connection, reuse its ConnId, or close its fd.
class Events {
 public:
  // A socket accepted on the listener given to start_accepting(): the shard
  // serves it or hands it to another shard.
  virtual void on_accepted(int fd) = 0;
  // Accepting failed (e.g. -EMFILE). The backend keeps accepting, pausing
  // until the next on_tick() where retrying at once would spin: keep a tick
  // scheduled while accepting.
  virtual void on_accept_failed(int error) = 0;
  // Serve this socket: another shard handed it over, or our own hand_socket()
  // failed and the socket came back.
  virtual void on_socket_handed(int fd) = 0;
  // Bytes received on `conn`. The view is valid during the call only.
  virtual void on_data(ConnId conn, const char* data, size_t size) = 0;
  // Receiving on `conn` has ended: 0 when the peer closed, else -errno; after
  // stop() the value is whatever the cancelled receive ended with. A lack of
  // receive buffers is never reported: the backend waits and resumes itself.
  virtual void on_receive_ended(ConnId conn, int error) = 0;
  // The write on `conn` finished: bytes written (possibly fewer than asked),
  // or -errno.
  virtual void on_written(ConnId conn, int result) = 0;
  // The housekeeping tick asked for by schedule_tick().
  virtual void on_tick() = 0;

 protected:
  ~Events() = default;
};

// Sizes a backend is built with; the defaults are the daemon's.
struct Options {
  unsigned receive_buffers = 1024;  // shared by the shard's connections; a power of two
  unsigned receive_buffer_size = 16 * 1024;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Sets up the kernel side on the calling thread, which must be the shard's
  // own. Returns 0 or -errno.
  virtual int init() = 0;

  // The loop: wait() sends every queued request to the kernel and sleeps
  // until at least one completion is ready (or a wake-up arrives), for at
  // most `max_sleep_ns` (kSleepUntilEvent: no limit; kNoSleep: not at all);
  // dispatch() then delivers every ready completion to Events.
  static constexpr int64_t kSleepUntilEvent = -1;
  static constexpr int64_t kNoSleep = 0;
  virtual void wait(int64_t max_sleep_ns) = 0;
  virtual void dispatch() = 0;

  // Accepts on `listen_fd` until stop_accepting(); on_accepted() per socket.
  // Sockets accepted after stop_accepting() are closed here.
  virtual void start_accepting(int listen_fd) = 0;
  virtual void stop_accepting() = 0;

  // Receives on `fd` until it ends (see Events::on_receive_ended), handing
  // on_data() views of the bytes. Not while a receive of `conn` is running.
  virtual void start_receiving(ConnId conn, int fd) = 0;
  // Ends `conn`'s receive without touching the socket: unread bytes stay in
  // the kernel, which stops the peer once its buffers fill (back-pressure).
  // on_receive_ended(conn, -ECANCELED) follows (or the end that came first);
  // start_receiving() may follow that.
  virtual void pause_receiving(ConnId conn) = 0;
  // Shuts `fd` down in both directions and cancels `conn`'s receive, so that
  // its receive and any write in flight end soon. The fd stays open: the
  // caller closes it once both have ended.
  virtual void stop(ConnId conn, int fd) = 0;

  // One writev of `count` (at most IOV_MAX) iovecs to `fd`, then
  // on_written(). At most one write per connection at a time; `iov` and the
  // bytes it points at must stay untouched until on_written().
  virtual void write(ConnId conn, int fd, const iovec* iov, unsigned count) = 0;

  // One on_tick() after `interval_ms`. At most one tick pending at a time.
  virtual void schedule_tick(int64_t interval_ms) = 0;

  // Another shard's backend (the same kind as this one): gives it accepted
  // socket `fd` (it gets on_socket_handed), or wakes it so that it looks at
  // its inbox. Called on this backend's thread.
  virtual void hand_socket(Backend& target, int fd) = 0;
  virtual void wake(Backend& target) = 0;

  // From any thread: ends this backend's wait() soon (the caller has put work
  // where the shard looks after every dispatch()).
  virtual void wake_from_outside() = 0;
};

enum class BackendKind {
  io_uring,  // the default where the kernel allows it
  epoll,     // where io_uring is refused or lacks a feature we use
};

// "io_uring" or "epoll", as INFO's multiplexing_api says it.
std::string_view backend_name(BackendKind kind);

// Why the io_uring backend cannot run in this process, in one line naming
// the refusal (seccomp, kernel.io_uring_disabled, ENOSYS) or the first
// missing kernel feature; empty when it can. Sets up a small ring and tries
// each feature for real: call it once, at start-up.
std::string uring_unavailable_reason();

// A backend delivering to `events`, which must outlive it. Call init() next.
std::unique_ptr<Backend> make_backend(BackendKind kind, Events& events, const Options& options = {});

}  // namespace ringcast::io
