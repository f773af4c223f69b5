// The io_uring backend: one ring per shard, multishot accept and recv (into a
// provided-buffer ring), writev, MSG_RING between shards, an eventfd poll for
// wake-ups from other threads. See io/backend.h for the contract it keeps.
#pragma once

#include <liburing.h>

#include <vector>

#include "io/backend.h"
#include "io/uring_ring.h"

namespace ringcast::io::uring {

class UringBackend final : public Backend {
 public:
  UringBackend(Events& events, const Options& options);
  ~UringBackend() override;
  UringBackend(const UringBackend&) = delete;
  UringBackend& operator=(const UringBackend&) = delete;

  int init() override;
  void wait(int64_t max_sleep_ns) override;
  void dispatch() override;
  void start_accepting(int listen_fd) override;
  void stop_accepting() override;
  void start_receiving(ConnId conn, int fd) override;
  void stop(ConnId conn, int fd) override;
  void pause_receiving(ConnId conn) override;
  void write(ConnId conn, int fd, const iovec* iov, unsigned count) override;
  void schedule_tick(int64_t interval_ms) override;
  void hand_socket(Backend& target, int fd) override;
  void wake(Backend& target) override;
  void wake_from_outside() override;

 private:
  // One connection's receive as the kernel sees it. The shard's view (from
  // start_receiving to on_receive_ended) spans all three states below.
  struct Receive {
    int fd = -1;
    bool in_kernel = false;      // a multishot recv is armed
    bool out_of_buffers = false;  // ended with -ENOBUFS; restarted after this dispatch
    bool stopped = false;        // stop() or pause_receiving() was called: never restart, report the end
  };

  void complete(const io_uring_cqe& cqe);
  void on_accept(int res, bool more);
  void on_recv(ConnId conn, int res, uint32_t flags);
  void submit_accept();
  void submit_recv(ConnId conn);
  void watch_wake_fd();
  void restart_receives();
  void end_receive(ConnId conn);

  Events& events_;
  const Options options_;
  Ring ring_;
  ProvidedBuffers buffers_;  // after ring_: unregistered before the ring goes
  int ring_fd_ = -1;         // fixed by init(); other shards' MSG_RINGs target it
  int wake_fd_ = -1;         // fixed by init(); eventfd other threads write to

  std::vector<Receive> receives_;        // by ConnId
  std::vector<ConnId> receive_restarts_;  // out of buffers in this dispatch

  int listen_fd_ = -1;
  bool accepting_ = false;
  bool accept_paused_ = false;  // accepting failed; resumed on the next tick
  __kernel_timespec tick_interval_{};  // read by the kernel when the timeout is submitted
};

}  // namespace ringcast::io::uring
