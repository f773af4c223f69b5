// The epoll backend, for where io_uring is refused: one edge-triggered epoll
// set per shard, non-blocking recv into one per-shard buffer, sendmsg done at
// once or parked until EPOLLOUT, an eventfd for wake-ups from other shards and
// threads, the tick as epoll_wait's timeout. See io/backend.h for the
// contract it keeps; the io_uring backend keeps the same one.
//
// Why edge-triggered: a socket is registered once, for reading and writing,
// and never touched again with epoll_ctl (level-triggered would need a
// MOD to drop EPOLLIN while a receive is paused and to add and drop EPOLLOUT
// around every parked write). The price is that readiness is remembered here:
// a connection is read until the kernel has nothing more (or its share of a
// dispatch is used up), and a receive that starts reads at once.
#pragma once

#include <sys/epoll.h>

#include <cstdint>
#include <vector>

#include "io/backend.h"
#include "io/handoff_queue.h"

namespace ringcast::io::epoll {

class EpollBackend final : public Backend {
 public:
  EpollBackend(Events& events, const Options& options);
  ~EpollBackend() override;
  EpollBackend(const EpollBackend&) = delete;
  EpollBackend& operator=(const EpollBackend&) = delete;

  int init() override;
  void wait(int64_t max_sleep_ns) override;
  void dispatch() override;
  void start_accepting(int listen_fd) override;
  void stop_accepting() override;
  void start_receiving(ConnId conn, int fd) override;
  void pause_receiving(ConnId conn) override;
  void stop(ConnId conn, int fd) override;
  void write(ConnId conn, int fd, const iovec* iov, unsigned count) override;
  void schedule_tick(int64_t interval_ms) override;
  void hand_socket(Backend& target, int fd) override;
  void wake(Backend& target) override;
  void wake_from_outside() override;

 private:
  // A connection as the shard sees it, from its first start_receiving() or
  // write() until stop(). The receive's three states follow the contract:
  // the shard counts it running until on_receive_ended() has been delivered.
  enum class Receive : uint8_t { idle, running, ending };
  struct Conn {
    int fd = -1;
    bool registered = false;  // in the epoll set (for EPOLLIN and EPOLLOUT, edge-triggered)
    Receive receive = Receive::idle;
    bool to_read = false;    // on read_queue_: may have bytes to read
    bool hung_up = false;    // EPOLLRDHUP/HUP/ERR seen: read on to the end, a short read proves nothing
    bool writable = true;    // no EAGAIN or short write since the last EPOLLOUT
    bool write_parked = false;  // a write waits for EPOLLOUT; iov/count below
    const iovec* iov = nullptr;
    unsigned iov_count = 0;
  };
  // A completion found outside dispatch(), delivered by the next one.
  struct Completion {
    enum class Kind : uint8_t { receive_ended, written } kind;
    ConnId conn;
    int result;
  };

  Conn& conn_state(ConnId conn);
  // Watches `fd` for `conn` (once per socket); 0 or -errno.
  int register_socket(ConnId conn, int fd);
  void on_socket_event(ConnId conn, uint32_t events);
  void read_ready();
  // Reads `conn` until it has nothing more or its share is used; true when
  // it may still have bytes (read again next dispatch).
  bool read_some(ConnId conn);
  void end_receive_now(ConnId conn, int result);
  // One sendmsg of the parked or new write; -EAGAIN when nothing fit.
  int send_now(Conn& c);
  void retry_parked_write(ConnId conn);
  void accept_ready();
  void take_wake_ups();
  void deliver_completions();
  bool has_work_now() const;
  // The longest wait() may sleep: `max_sleep_ns`, or less when the tick is due sooner.
  int64_t sleep_limit_ns(int64_t max_sleep_ns) const;

  Events& events_;
  const Options options_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // fixed by init(); other shards and threads write to it
  HandoffQueue handed_;  // sockets other shards handed us, announced on wake_fd_

  std::vector<Conn> conns_;  // by ConnId
  std::vector<ConnId> read_queue_, reading_;  // connections to read this dispatch / next
  std::vector<Completion> completions_, delivering_;
  std::vector<char> receive_buffer_;
  std::vector<epoll_event> ready_;
  int ready_count_ = 0;
  std::vector<int> handed_sockets_;  // scratch for take_wake_ups

  int listen_fd_ = -1;
  bool accepting_ = false;
  bool accept_paused_ = false;  // accepting failed; retried on the next tick
  bool accept_pending_ = false;  // the listener may hold more connections

  bool tick_pending_ = false;
  int64_t tick_deadline_ns_ = 0;  // CLOCK_MONOTONIC
  bool pwait2_works_ = true;      // epoll_pwait2 is there (Linux 5.11+) and allowed
};

}  // namespace ringcast::io::epoll
