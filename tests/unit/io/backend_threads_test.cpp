// Each backend's entry points for other threads: a wake-up from a thread
// that is not a shard, and one shard waking another or handing it a socket.
// Each backend runs on its own thread, as the shards' do. Every test runs on
// io_uring and on epoll.
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "io/backend.h"
#include "recorder.h"

namespace ringcast::io {
namespace {

using namespace std::chrono_literals;
using testing::Recorder;

// Blocks in wait() with only a far-off tick pending; how long until it returns.
std::chrono::steady_clock::duration time_to_wake(Backend& io) {
  const auto from = std::chrono::steady_clock::now();
  io.wait(io::Backend::kSleepUntilEvent);
  io.dispatch();
  return std::chrono::steady_clock::now() - from;
}

class BackendThreads : public ::testing::TestWithParam<BackendKind> {};

TEST_P(BackendThreads, WakeFromOutsideEndsAWait) {
  Recorder events;
  auto io = make_backend(GetParam(), events);
  ASSERT_EQ(io->init(), 0);
  io->schedule_tick(10000);  // the fallback, should the wake-up be lost
  for (int round = 0; round < 3; ++round) {  // the watch must survive each wake-up
    std::thread waker([&] {
      std::this_thread::sleep_for(30ms);
      io->wake_from_outside();
    });
    EXPECT_LT(time_to_wake(*io), 5s) << "round " << round;
    waker.join();
  }
  EXPECT_EQ(events.ticks, 0);
}

// A backend running on a thread of its own until told to stop.
struct ShardThread {
  Recorder events;
  std::unique_ptr<Backend> io;
  std::atomic<int> wakes{0};
  std::atomic<int> handed{-1};
  std::atomic<bool> stop{false};
  std::promise<int> ready;
  std::thread thread;

  explicit ShardThread(BackendKind kind) : io(make_backend(kind, events)) {
    std::future<int> up = ready.get_future();
    thread = std::thread([this] {
      ready.set_value(io->init());
      io->schedule_tick(10000);
      while (!stop.load()) {
        io->wait(io::Backend::kSleepUntilEvent);
        io->dispatch();
        if (!events.handed.empty()) handed.store(events.handed.back());
        wakes.fetch_add(1);
      }
    });
    EXPECT_EQ(up.get(), 0);
  }
  ~ShardThread() {
    stop.store(true);
    io->wake_from_outside();
    thread.join();
  }
};

template <class Pred>
bool eventually(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST_P(BackendThreads, OneShardWakesAnother) {
  ShardThread other(GetParam());
  Recorder events;
  auto io = make_backend(GetParam(), events);
  ASSERT_EQ(io->init(), 0);
  std::this_thread::sleep_for(20ms);  // let the other thread fall asleep
  const int before = other.wakes.load();
  io->wake(*other.io);
  io->wait(io::Backend::kNoSleep);  // sends the request
  EXPECT_TRUE(eventually([&] { return other.wakes.load() > before; }));
}

TEST_P(BackendThreads, HandsASocketToAnotherShard) {
  ShardThread other(GetParam());
  Recorder events;
  auto io = make_backend(GetParam(), events);
  ASSERT_EQ(io->init(), 0);
  int pair[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  io->hand_socket(*other.io, pair[0]);
  io->wait(io::Backend::kNoSleep);
  EXPECT_TRUE(eventually([&] { return other.handed.load() == pair[0]; }));
  // Handed over, not back: nothing returns to the sender.
  io->schedule_tick(30);
  while (events.ticks == 0) {
    io->wait(io::Backend::kSleepUntilEvent);
    io->dispatch();
  }
  EXPECT_TRUE(events.handed.empty());
  close(pair[0]);
  close(pair[1]);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendThreads, ::testing::Values(BackendKind::io_uring, BackendKind::epoll),
                         testing::backend_test_name);

}  // namespace
}  // namespace ringcast::io
