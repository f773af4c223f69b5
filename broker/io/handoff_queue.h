// Sockets one epoll shard hands to another: a mutex-guarded list the sender
// appends to and the receiving shard takes whole, after the eventfd wake-up
// that follows every append.
//
// Threads: push() from any shard; take() on the owning shard only. The
// sockets in the list belong to the queue until take() returns them; the
// destructor closes any left behind (a daemon stopping mid-hand-off).
#pragma once

#include <unistd.h>

#include <mutex>
#include <vector>

namespace ringcast::io::epoll {

class HandoffQueue {
 public:
  HandoffQueue() = default;
  HandoffQueue(const HandoffQueue&) = delete;
  HandoffQueue& operator=(const HandoffQueue&) = delete;
  ~HandoffQueue() {
    for (int fd : sockets_) close(fd);
  }

  void push(int fd) {
    std::lock_guard lock(mutex_);
    sockets_.push_back(fd);
  }

  // Swaps the list into `out` (cleared first), so the lock is held for a swap only.
  void take(std::vector<int>& out) {
    out.clear();
    std::lock_guard lock(mutex_);
    out.swap(sockets_);
  }

 private:
  std::mutex mutex_;
  std::vector<int> sockets_;
};

}  // namespace ringcast::io::epoll
