// Test helpers for the I/O backends: an Events that records every completion,
// and a pump that runs a backend's loop until a condition holds.
#pragma once

#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "io/backend.h"

namespace ringcast::io {

// Test names and failure messages show the backend by name.
inline void PrintTo(BackendKind kind, std::ostream* out) { *out << backend_name(kind); }

}  // namespace ringcast::io

namespace ringcast::io::testing {

struct Recorder : Events {
  std::vector<int> accepted, accept_errors, handed;
  std::map<ConnId, std::string> data;
  std::map<ConnId, int> data_calls;
  std::vector<std::pair<ConnId, int>> ended, written;
  int ticks = 0;
  bool tick_pending = false;
  std::function<void(ConnId)> after_data;  // runs inside on_data, as a shard closing on input would
  std::function<void(ConnId)> after_written;  // runs inside on_written

  void on_accepted(int fd) override { accepted.push_back(fd); }
  void on_accept_failed(int error) override { accept_errors.push_back(error); }
  void on_socket_handed(int fd) override { handed.push_back(fd); }
  void on_data(ConnId conn, const char* bytes, size_t size) override {
    data[conn].append(bytes, size);
    ++data_calls[conn];
    if (after_data) after_data(conn);
  }
  void on_receive_ended(ConnId conn, int error) override { ended.emplace_back(conn, error); }
  void on_written(ConnId conn, int result) override {
    written.emplace_back(conn, result);
    if (after_written) after_written(conn);
  }
  void on_tick() override {
    ++ticks;
    tick_pending = false;
  }
};

// Runs wait/dispatch until done() or the time is up; a short tick keeps a
// blocking wait from sleeping past the deadline. False on time-out.
inline bool pump(Backend& io, Recorder& r, const std::function<bool()>& done, int timeout_ms = 3000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (!r.tick_pending) {
      r.tick_pending = true;
      io.schedule_tick(20);
    }
    io.wait(io::Backend::kSleepUntilEvent);
    io.dispatch();
  }
  return true;
}

// "io_uring" / "epoll" as the last part of a parameterized test's name.
inline std::string backend_test_name(const ::testing::TestParamInfo<BackendKind>& info) {
  return std::string(backend_name(info.param));
}

// Runs the loop for about `ms`, whatever arrives.
inline void pump_for(Backend& io, Recorder& r, int ms) {
  const int until = r.ticks + (ms + 19) / 20;
  pump(io, r, [&] { return r.ticks >= until; }, ms * 4 + 1000);
}

}  // namespace ringcast::io::testing
