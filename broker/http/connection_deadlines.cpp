// The watchdog behind ConnectionDeadlines: sleeps until the earliest
// deadline, shuts down the sockets that passed theirs.
#include "http/connection_deadlines.h"

#include <pthread.h>
#include <sys/socket.h>

#include <algorithm>

namespace ringcast::http {

struct ConnectionDeadlines::Entry {
  int fd;
  Clock::time_point deadline;
  bool cut = false;
};

ConnectionDeadlines::ConnectionDeadlines(std::chrono::milliseconds timeout) : timeout_(timeout) {}

ConnectionDeadlines::~ConnectionDeadlines() { stop(); }

void ConnectionDeadlines::start() {
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), "ringcast-httpdl");
}

void ConnectionDeadlines::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ConnectionDeadlines::Entry* ConnectionDeadlines::add(int fd) {
  auto entry = std::make_unique<Entry>(Entry{fd, Clock::now() + timeout_});
  Entry* raw = entry.get();
  std::lock_guard lock(mutex_);
  entries_.emplace(raw, std::move(entry));
  // No wake-up needed: the watchdog never sleeps longer than one timeout
  // from when it last looked, and this deadline is a whole timeout away.
  return raw;
}

void ConnectionDeadlines::restart(Entry* entry) {
  std::lock_guard lock(mutex_);
  entry->deadline = Clock::now() + timeout_;  // only ever later: the watchdog's sleep stays short enough
}

bool ConnectionDeadlines::remove(Entry* entry) {
  std::lock_guard lock(mutex_);
  const bool cut = entry->cut;
  entries_.erase(entry);
  return cut;
}

void ConnectionDeadlines::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const Clock::time_point now = Clock::now();
    Clock::time_point next = now + timeout_;
    for (auto& [key, entry] : entries_) {
      if (entry->cut) continue;
      if (entry->deadline <= now) {
        // Not close(): the descriptor stays libmicrohttpd's, which sees
        // the end of the stream (or a failed send) and closes it.
        ::shutdown(entry->fd, SHUT_RDWR);
        entry->cut = true;
      } else {
        next = std::min(next, entry->deadline);
      }
    }
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

}  // namespace ringcast::http
