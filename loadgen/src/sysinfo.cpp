// OS helpers for loadgen; see sysinfo.h.
#include "sysinfo.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <thread>

namespace ringcast::loadgen {

uint64_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur;
}

uint32_t usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<uint32_t>(n) : 1;
}

double process_cpu_seconds(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!in || !std::getline(in, line)) return -1;
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto tv = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

namespace {
// Reads until `lines` CRLF-terminated lines arrived (or the 1 s timeout).
bool recv_lines(int fd, char* buf, size_t cap, int lines) {
  size_t have = 0;
  while (have < cap) {
    ssize_t n = ::recv(fd, buf + have, cap - have, 0);
    if (n <= 0) return have > 0;
    have += static_cast<size_t>(n);
    buf[have] = '\0';
    int seen = 0;
    for (const char* p = buf; (p = strstr(p, "\r\n")) != nullptr; p += 2) ++seen;
    if (seen >= lines) return true;
  }
  return true;
}
}  // namespace

std::string wait_for_server(const std::string& host, uint16_t port, double seconds, const std::string& user,
                            const std::string& password) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1) return fmt::format("'{}' is not an IPv4 address", host);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::string last = "no answer";
  do {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      std::string ping = "*1\r\n$4\r\nPING\r\n";
      if (!password.empty()) {
        auto bulk = [](const std::string& s) { return fmt::format("${}\r\n{}\r\n", s.size(), s); };
        ping = (user.empty() ? "*2\r\n$4\r\nAUTH\r\n" + bulk(password)
                             : "*3\r\n$4\r\nAUTH\r\n" + bulk(user) + bulk(password)) + ping;
      }
      char buf[256] = {};
      if (::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL) > 0 && recv_lines(fd, buf, sizeof buf - 1, password.empty() ? 1 : 2)) {
        if (!password.empty()) {  // skip the AUTH reply, or report it
          if (buf[0] == '-') {
            ::close(fd);
            return fmt::format("AUTH failed: {}", std::string(buf + 1, strcspn(buf, "\r\n") - 1));
          }
          const char* nl = strchr(buf, '\n');
          if (nl == nullptr) nl = buf + strlen(buf) - 1;
          std::memmove(buf, nl + 1, strlen(nl + 1) + 1);
        }
        ::close(fd);
        if (std::strncmp(buf, "+PONG", 5) == 0) return {};
        last = fmt::format("PING answered '{}'", std::string(buf, strcspn(buf, "\r\n")));
        // A server still loading answers -LOADING: keep waiting.
      } else {
        ::close(fd);
        last = "no PING reply";
      }
    } else {
      last = fmt::format("connect: {}", std::strerror(errno));
      ::close(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);
  return fmt::format("server {}:{} not ready after {} s ({})", host, port, seconds, last);
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double l = -1;
  if (!(in >> l)) return -1;
  return l;
}

std::string iso_time_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  return buf;
}

}  // namespace ringcast::loadgen
