// Cuts HTTP connections whose request, or whose reply, takes longer than the
// timeout. libmicrohttpd's own connection timeout restarts on every byte it
// receives, so a client trickling one byte a second would hold a connection
// for ever; here the clock starts when the connection opens, when its
// previous request completes, or when its request has fully arrived (for
// the reply), and nothing the client sends meanwhile moves it.
//
// Threading: add(), restart() and remove() are called on libmicrohttpd's
// thread. The watchdog thread only shuts a socket down (libmicrohttpd then
// sees the end of the stream and closes it itself), under the same mutex as
// remove(), which libmicrohttpd calls before it closes the descriptor: a
// descriptor number is never touched after it may have been reused.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace ringcast::http {

class ConnectionDeadlines {
 public:
  using Clock = std::chrono::steady_clock;
  struct Entry;  // one open connection

  explicit ConnectionDeadlines(std::chrono::milliseconds timeout);
  ~ConnectionDeadlines();
  ConnectionDeadlines(const ConnectionDeadlines&) = delete;
  ConnectionDeadlines& operator=(const ConnectionDeadlines&) = delete;

  void start();
  // Joins the watchdog. Idempotent.
  void stop();

  // A connection on socket `fd` opened: its deadline is now + timeout.
  Entry* add(int fd);
  // Its request completed, or fully arrived: the deadline is now + timeout again.
  void restart(Entry* entry);
  // It is about to be closed: forgets it. True when the watchdog cut it.
  bool remove(Entry* entry);

 private:
  void run();

  const std::chrono::milliseconds timeout_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::unordered_map<const Entry*, std::unique_ptr<Entry>> entries_;
  std::thread thread_;
};

}  // namespace ringcast::http
