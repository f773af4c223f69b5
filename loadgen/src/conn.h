// One non-blocking TCP connection driven by a Worker's epoll loop: connect,
// buffered writes, reads parsed into RESP replies. Publisher and Subscriber
// add what to send and what to do with each reply. Owned and touched only by
// the worker thread that created it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "byte_buffer.h"
#include "reply_parser.h"

namespace ringcast::loadgen {

class Worker;

class Conn {
 public:
  explicit Conn(Worker& w) : w_(w) {}
  virtual ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Starts a non-blocking connect; false (and counted) if the socket fails at once.
  bool start_connect();
  void handle_events(uint32_t events, uint64_t now);
  bool dead() const { return dead_; }
  bool connecting() const { return connecting_; }
  size_t pending_out() const { return out_.size() - out_off_; }

  size_t slot = 0;  // index in the worker's connection table
  uint32_t node = 0;  // which endpoint it connects to (RunContext::addrs)

 protected:
  virtual void on_connected(uint64_t now) = 0;
  // Returns false to stop reading and close this connection (expected close).
  virtual bool on_reply(const Reply& r, uint64_t now) = 0;
  // The connection failed or the peer closed it while we still wanted it.
  virtual void on_lost(bool during_connect) = 0;

  void send(std::string_view bytes);
  std::string& out_buffer() { return out_; }
  bool flush();  // false: fatal write error (connection closed)
  void set_reading(bool on);
  bool reading() const { return want_read_; }
  // Upper bound on bytes one read may take (throttled subscribers lower it).
  virtual size_t read_budget() const { return SIZE_MAX; }
  virtual void on_bytes_read(size_t) {}
  void close_now();

  Worker& w_;

 private:
  void update_events();
  void read_ready(uint64_t now);
  bool parse_buffer(const char* data, size_t len, size_t& consumed, uint64_t now);

  int fd_ = -1;
  bool connecting_ = false;
  bool dead_ = false;
  bool want_read_ = true;
  uint32_t registered_ = 0;
  std::string out_;
  size_t out_off_ = 0;
  ByteBuffer carry_;  // a partial reply left over from the last read
};

}  // namespace ringcast::loadgen
