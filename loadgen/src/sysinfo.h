// Small start-up helpers that touch the operating system: file-descriptor
// limit, CPU accounting, free ports and waiting for a server to answer.
#pragma once

#include <cstdint>
#include <string>

namespace ringcast::loadgen {

// Raises RLIMIT_NOFILE's soft limit to the hard limit; returns the new soft limit.
uint64_t raise_fd_limit();

// CPUs this process may run on (respects taskset).
uint32_t usable_cpus();

// utime+stime of a process in seconds, from /proc/PID/stat; negative if unreadable.
double process_cpu_seconds(int pid);

// This process's user+system CPU seconds.
double own_cpu_seconds();

// An ephemeral port that was free on 127.0.0.1 a moment ago (0 on failure).
uint16_t free_port();

// Connects and PINGs until the server answers +PONG or `seconds` pass.
// Returns an empty string on success, else what went wrong.
std::string wait_for_server(const std::string& host, uint16_t port, double seconds, const std::string& user = {},
                            const std::string& password = {});

// The 1-minute load average (-1 if unknown): on a shared machine, the first
// thing to look at when two runs disagree.
double load_average();

// Local time as ISO 8601, for result files.
std::string iso_time_now();

}  // namespace ringcast::loadgen
