// Shared by the C++ end-to-end tests: hiredis RAII handles and the server
// process (ringcast or redis-server), started by fork/exec and stopped by PID.
// Server: RINGCAST_BIN=/path/to/ringcast, or RINGCAST_TEST_SERVER=redis;
// RINGCAST_TEST_IO=uring|epoll|auto passes ringcast that as --io.
#pragma once

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace e2e {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

inline timeval to_timeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

// Connects with bounded connect and I/O timeouts; null on failure.
inline Context connect_to(int port, std::chrono::milliseconds timeout = 10s) {
  Context c(redisConnectWithTimeout("127.0.0.1", port, to_timeval(1s)));
  if (!c || c->err) return nullptr;
  if (redisSetTimeout(c.get(), to_timeval(timeout)) != REDIS_OK) return nullptr;
  return c;
}

inline Reply get_reply(redisContext* c) {
  void* r = nullptr;
  if (redisGetReply(c, &r) != REDIS_OK) return nullptr;
  return Reply(static_cast<redisReply*>(r));
}

// The `shard` field of every subscribed client in ringcast's CLIENT LIST, in
// list order: where the daemon placed them (tests that rely on placement
// assert it). Empty on a failed request.
inline std::vector<std::string> pubsub_client_shards(redisContext* asker) {
  std::vector<std::string> shards;
  Reply r(static_cast<redisReply*>(redisCommand(asker, "CLIENT LIST TYPE pubsub")));
  if (!r || r->type != REDIS_REPLY_STRING) return shards;
  std::istringstream lines(std::string(r->str, r->len));
  for (std::string line; std::getline(lines, line);) {
    const size_t at = line.find(" shard=");
    if (at != std::string::npos) shards.push_back(line.substr(at + 7));
  }
  return shards;
}

inline int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// The server process: started by fork/exec, stopped by PID (SIGTERM, then SIGKILL after a bound).
class ServerProcess {
 public:
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (!log_path_.empty()) unlink(log_path_.c_str());
  }

  bool is_redis() const { return redis_; }
  int port() const { return port_; }

  // Returns an empty string on success, else why it failed (with the server's log).
  std::string start(int shards, std::vector<std::string> extra_args = {}) {
    const char* kind = std::getenv("RINGCAST_TEST_SERVER");
    const char* bin = std::getenv("RINGCAST_BIN");
    redis_ = kind != nullptr && std::string(kind) == "redis";
    if (!redis_ && (bin == nullptr || *bin == '\0')) {
      return "set RINGCAST_BIN=/path/to/ringcast or RINGCAST_TEST_SERVER=redis";
    }
    char tmpl[] = "/tmp/ringcast-hiredis-XXXXXX";
    int log_fd = mkstemp(tmpl);
    if (log_fd < 0) return "mkstemp failed";
    log_path_ = tmpl;
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_port();
      std::string port = std::to_string(port_);
      std::string shard_count = std::to_string(shards);
      std::vector<std::string> argv;
      if (redis_) {
        argv = {"/usr/bin/redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"};
      } else {
        argv = {bin, "--bind", "127.0.0.1", "--port", port, "--shards", shard_count};
        const char* io = std::getenv("RINGCAST_TEST_IO");
        if (io != nullptr && *io != '\0') argv.insert(argv.end(), {"--io", io});
        argv.insert(argv.end(), extra_args.begin(), extra_args.end());
      }
      pid_ = fork();
      if (pid_ < 0) return "fork failed";
      if (pid_ == 0) {
        dup2(log_fd, STDOUT_FILENO);
        dup2(log_fd, STDERR_FILENO);
        int null_fd = open("/dev/null", O_RDONLY);
        dup2(null_fd, STDIN_FILENO);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
      }
      if (wait_ready()) {
        close(log_fd);
        return "";
      }
      bool exited = exited_early_;
      if (!exited) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
      }
      pid_ = -1;
      if (!exited || log().find("in use") == std::string::npos) break;  // retry only port collisions
    }
    close(log_fd);
    return std::string(exited_early_ ? "server exited at start-up" : "server did not answer PING within 10s") +
           "\n" + log();
  }

  // SIGTERM, then SIGKILL after `bound`. Returns the exit status as "exit N" / "signal N" / "killed".
  std::string stop(std::chrono::milliseconds bound = 10s) {
    if (pid_ <= 0) return "not running";
    kill(pid_, SIGTERM);
    auto deadline = Clock::now() + bound;
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
        return "signal " + std::to_string(WTERMSIG(status));
      }
      std::this_thread::sleep_for(10ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return "killed";
  }

  std::string log() const {
    std::ifstream f(log_path_);
    std::stringstream ss;
    ss << f.rdbuf();
    return "---- server log (" + log_path_ + ") ----\n" + ss.str() + "---- end of log ----";
  }

 private:
  bool wait_ready() {
    exited_early_ = false;
    auto deadline = Clock::now() + 10s;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {  // exited early (reaped here)
        exited_early_ = true;
        return false;
      }
      if (Context c = connect_to(port_, 1s)) {
        Reply r(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
        if (r && r->type == REDIS_REPLY_STATUS && std::string(r->str, r->len) == "PONG") return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  pid_t pid_ = -1;
  int port_ = -1;
  bool redis_ = false;
  bool exited_early_ = false;
  std::string log_path_;
};

}  // namespace e2e
