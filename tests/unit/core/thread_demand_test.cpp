// A thread's CPU demand: the time it ran, plus the time it was ready to run
// but waited for a CPU.
#include "core/thread_demand.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.h"

namespace ringcast {
namespace {

constexpr int64_t kMs = 1'000'000;

void spin_for(int64_t ns) {
  const int64_t until = monotonic_ns() + ns;
  while (monotonic_ns() < until) {
  }
}

TEST(ThreadDemand, CountsRunningAndNotSleeping) {
  ThreadDemand demand;
  int64_t before = demand.ns();
  spin_for(60 * kMs);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));  // lets the figures be brought up to date
  const int64_t spun = demand.ns() - before;
  EXPECT_GE(spun, 40 * kMs);
  before = demand.ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_LT(demand.ns() - before, 20 * kMs) << "asleep is not demand";
}

// Two threads spinning on one CPU each run about half the time; each wanted
// the CPU all of it. The shard's load must read the latter.
TEST(ThreadDemand, CountsTheWaitForABusyCpu) {
  cpu_set_t one;
  CPU_ZERO(&one);
  ASSERT_EQ(sched_getaffinity(0, sizeof one, &one), 0);
  int cpu = 0;
  while (!CPU_ISSET(cpu, &one)) ++cpu;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  std::atomic<bool> stop{false};
  std::thread rival([&] {
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    while (!stop.load(std::memory_order_relaxed)) {
    }
  });
  int64_t wall = 0, wanted = 0, ran = 0;
  std::thread measured([&] {
    pthread_setaffinity_np(pthread_self(), sizeof one, &one);
    ThreadDemand demand;
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    const int64_t ran_before = int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
    const int64_t before = demand.ns(), start = monotonic_ns();
    spin_for(300 * kMs);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    wall = monotonic_ns() - start;
    wanted = demand.ns() - before;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    ran = int64_t(t.tv_sec) * 1000000000 + t.tv_nsec - ran_before;
  });
  measured.join();
  stop = true;
  rival.join();
  EXPECT_LT(ran, wall * 3 / 4) << "the rival shared the CPU";
  EXPECT_GT(wanted, wall * 3 / 4) << "ran " << ran / kMs << " ms, wanted " << wanted / kMs << " ms of " << wall / kMs;
}

}  // namespace
}  // namespace ringcast
