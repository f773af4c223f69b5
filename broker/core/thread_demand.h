// How much CPU time one thread has wanted: the time it ran plus the time it
// was ready to run but waited for a CPU. A shard judges whether it is near
// saturation by this share of the wall clock: on a machine shared with other
// work, a shard that cannot keep up is often runnable rather than running,
// and its own CPU time alone would read low exactly then.
#pragma once

#include <cstdint>

namespace ringcast {

class ThreadDemand {
 public:
  // Reads the calling thread's figures from now on: construct it on the
  // thread to be measured. Without scheduler statistics in /proc (a kernel
  // without CONFIG_SCHED_INFO), only the thread's CPU time counts.
  ThreadDemand();
  ~ThreadDemand();
  ThreadDemand(const ThreadDemand&) = delete;
  ThreadDemand& operator=(const ThreadDemand&) = delete;

  // Nanoseconds run and waited to run since the thread started.
  int64_t ns();

 private:
  int schedstat_fd_ = -1;
  int64_t last_wait_ns_ = 0;
};

}  // namespace ringcast
