// ThreadDemand: the thread's CPU clock (exact) plus the wait it reports in
// /proc/thread-self/schedstat ("run_ns wait_ns timeslices"; the wait is
// brought up to date each time the thread gets a CPU). The file's run time
// is not used: it moves only on scheduler ticks, so a 10 ms period would
// read anywhere from 60% to 120% of a steady load.
#include "core/thread_demand.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace ringcast {
namespace {

// The wait field, or -1.
int64_t read_wait(int fd) {
  char text[96];
  const ssize_t n = pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return -1;
  text[n] = '\0';
  unsigned long long run = 0, wait = 0;
  if (std::sscanf(text, "%llu %llu", &run, &wait) != 2) return -1;
  return int64_t(wait);
}

int64_t thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
}

}  // namespace

ThreadDemand::ThreadDemand() {
  // The path resolves to the opening thread; the descriptor keeps naming it.
  schedstat_fd_ = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
  if (schedstat_fd_ >= 0 && read_wait(schedstat_fd_) < 0) {
    close(schedstat_fd_);
    schedstat_fd_ = -1;
  }
}

ThreadDemand::~ThreadDemand() {
  if (schedstat_fd_ >= 0) close(schedstat_fd_);
}

int64_t ThreadDemand::ns() {
  if (schedstat_fd_ >= 0)
    if (const int64_t wait = read_wait(schedstat_fd_); wait >= last_wait_ns_) last_wait_ns_ = wait;
  return thread_cpu_ns() + last_wait_ns_;
}

}  // namespace ringcast
