// The HTTP listener's thread: accept, read, parse, answer, write, time out.
// Level-triggered epoll over at most max_connections sockets; the
// connections are few, so a linear sweep for deadlines is cheap.
#include "http/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "http/request_parser.h"
#include "http/response.h"
#include "http/router.h"

namespace ringcast::http {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Past this much unsent output we stop reading, so a client that pipelines
// requests without reading the answers cannot grow our memory.
constexpr size_t kOutputHighWater = 256 * 1024;
// After an error reply we read and discard for this long before closing, so
// the client sees the reply instead of a reset from its unread request bytes.
constexpr int64_t kLingerMs = 1000;

int64_t now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

std::string peer_name(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "?";
  char ip[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
    port = ntohs(a->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

struct Conn {
  explicit Conn(int fd_, ParseLimits limits) : fd(fd_), parser(limits) {}
  int fd;
  std::string peer;
  std::string in;   // unconsumed input, starting at the current request
  std::string out;  // serialized responses not yet written, from out_offset
  size_t out_offset = 0;
  RequestParser parser;
  int64_t request_started_ms = 0;  // first byte of the current request
  int64_t last_progress_ms = 0;    // last read or write
  uint32_t registered = 0;         // epoll events we asked for
  bool peer_closed = false;        // read returned 0: answer what is buffered, then close
  bool close_after_write = false;
  // The request was refused unread: its remaining bytes may still come.
  bool linger_before_close = false;
  bool lingering = false;          // output done, write side shut, discarding input
  bool continue_sent = false;
  bool served = false;  // has had a response

  size_t pending_output() const { return out.size() - out_offset; }
};

}  // namespace

struct HttpServer::Loop {
  Loop(HttpBackend& backend, const HttpServerOptions& options, int listen_fd, int wake_fd)
      : options(options), listen_fd(listen_fd), wake_fd(wake_fd), router(backend) {}

  void run();
  void accept_all(int64_t now);
  void on_event(Conn& c, uint32_t events, int64_t now);
  void read_input(Conn& c, int64_t now);
  void process(Conn& c);
  void write_output(Conn& c, int64_t now);
  // Re-registers interest, finishes closing; returns false when `c` was destroyed.
  bool settle(Conn& c, int64_t now);
  int64_t deadline(const Conn& c) const;
  void expire(int64_t now);
  void close_conn(Conn& c);
  // At the connection limit, a keep-alive connection waiting between
  // requests makes room for a new one (the one idle longest), so idle
  // clients cannot lock out a health probe.
  void evict_idle();
  int next_timeout_ms(int64_t now) const;
  size_t input_cap() const { return options.max_header_bytes + options.max_body_bytes + kReadChunk; }

  const HttpServerOptions& options;
  int listen_fd;
  int wake_fd;
  int epoll_fd = -1;
  Router router;
  std::unordered_map<int, std::unique_ptr<Conn>> conns;
  int64_t listen_paused_until_ms = 0;
  std::string scratch;
};

void HttpServer::Loop::run() {
  epoll_event events[64];
  bool stopping = false;
  while (!stopping) {
    int64_t now = now_ms();
    const int n = epoll_wait(epoll_fd, events, 64, next_timeout_ms(now));
    if (n < 0 && errno != EINTR) {
      spdlog::error("http: epoll_wait failed: {}", strerror(errno));
      break;
    }
    now = now_ms();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wake_fd) {
        stopping = true;
      } else if (fd == listen_fd) {
        accept_all(now);
      } else if (auto it = conns.find(fd); it != conns.end()) {
        on_event(*it->second, events[i].events, now);
      }
    }
    if (listen_paused_until_ms != 0 && now >= listen_paused_until_ms) {
      listen_paused_until_ms = 0;
      epoll_event ev{EPOLLIN, {.fd = listen_fd}};
      epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
    }
    expire(now);
  }
  while (!conns.empty()) close_conn(*conns.begin()->second);
}

void HttpServer::Loop::accept_all(int64_t now) {
  for (;;) {
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Level-triggered: the backlog would wake us in a tight loop. Look
        // again in a moment, when descriptors may have been freed.
        spdlog::warn("http: cannot accept: {}; pausing the listener for 100ms", strerror(errno));
        epoll_event ev{0, {.fd = listen_fd}};
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &ev);
        listen_paused_until_ms = now + 100;
      }
      return;  // EAGAIN, or a connection that died in the backlog
    }
    if (conns.size() >= options.max_connections) evict_idle();
    if (conns.size() >= options.max_connections) {
      // A short reply into a fresh socket buffer does not block.
      const std::string reply =
          serialize(error_response(503, "too many HTTP connections: the listener's limit is " +
                                            std::to_string(options.max_connections)),
                    false);
      (void)!send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      close(fd);
      ++router.counters().rejected_connections;
      router.count("", 503);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto conn = std::make_unique<Conn>(fd, ParseLimits{options.max_header_bytes, options.max_body_bytes});
    conn->peer = peer_name(fd);
    conn->last_progress_ms = now;
    conn->registered = EPOLLIN;
    epoll_event ev{EPOLLIN, {.fd = fd}};
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      close(fd);
      continue;
    }
    conns.emplace(fd, std::move(conn));
    ++router.counters().connections_total;
    router.counters().connections = conns.size();
  }
}

void HttpServer::Loop::on_event(Conn& c, uint32_t events, int64_t now) {
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_input(c, now);
  if (!c.lingering && !c.close_after_write) process(c);
  if (c.pending_output() > 0) write_output(c, now);
  settle(c, now);
}

void HttpServer::Loop::read_input(Conn& c, int64_t now) {
  scratch.resize(kReadChunk);
  while (!c.peer_closed) {
    // While lingering, input is read only to be thrown away.
    if (!c.lingering && c.in.size() >= input_cap()) break;
    const ssize_t n = recv(c.fd, scratch.data(), scratch.size(), 0);
    if (n > 0) {
      if (!c.lingering) {
        if (c.in.empty()) c.request_started_ms = now;
        c.in.append(scratch.data(), size_t(n));
      }
      c.last_progress_ms = now;
      if (size_t(n) < scratch.size()) break;  // drained for now; saves an EAGAIN round
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    // EOF: answer what is already buffered, then close. A reset: nothing
    // more can reach the peer, so drop its output too.
    c.peer_closed = true;
    if (n < 0) {
      c.close_after_write = true;
      c.out.clear();
      c.out_offset = 0;
    }
    break;
  }
}

void HttpServer::Loop::process(Conn& c) {
  while (!c.close_after_write && c.pending_output() < kOutputHighWater && !c.in.empty()) {
    const ParseResult result = c.parser.parse(c.in);
    if (result.status == ParseStatus::NeedMore) {
      // curl and others wait for "100 Continue" before sending a large body.
      if (c.parser.awaiting_body() && c.parser.expects_continue() && !c.continue_sent) {
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        c.continue_sent = true;
      }
      break;
    }
    if (result.status == ParseStatus::Error) {
      const int status = c.parser.error_status();
      spdlog::debug("http: {}: bad request, answered {}: {}", c.peer, status, c.parser.error_message());
      router.count(c.parser.request().path, status);
      c.out += serialize(error_response(status, c.parser.error_message()), false);
      c.close_after_write = true;
      c.linger_before_close = true;
      c.in.clear();
      break;
    }
    Request& request = c.parser.request();
    Response response = router.handle(request);
    spdlog::debug("http: {}: {} {} -> {}", c.peer, request.method, request.target, response.status);
    const bool keep_alive = request.keep_alive && !c.peer_closed;
    c.out += serialize(response, keep_alive, request.method == "HEAD");
    if (!keep_alive) c.close_after_write = true;
    c.in.erase(0, result.consumed);
    c.parser.reset();
    c.continue_sent = false;
    c.served = true;
    c.request_started_ms = c.last_progress_ms;
  }
  // A client that closed its side mid-request will never finish it.
  if (c.peer_closed) c.close_after_write = true;
}

void HttpServer::Loop::write_output(Conn& c, int64_t now) {
  while (c.pending_output() > 0) {
    const ssize_t n = send(c.fd, c.out.data() + c.out_offset, c.pending_output(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      c.out_offset += size_t(n);
      c.last_progress_ms = now;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) {
      // The peer is gone; nothing more can reach it.
      c.out.clear();
      c.out_offset = 0;
      c.close_after_write = true;
      c.peer_closed = true;
    }
    break;
  }
  if (c.pending_output() == 0) {
    c.out.clear();
    c.out_offset = 0;
  }
}

bool HttpServer::Loop::settle(Conn& c, int64_t now) {
  if (c.close_after_write && c.pending_output() == 0 && !c.lingering) {
    if (c.peer_closed || !c.linger_before_close) {
      close_conn(c);
      return false;
    }
    shutdown(c.fd, SHUT_WR);
    c.lingering = true;
    c.in.clear();
    c.last_progress_ms = now;
  }
  if (c.lingering && c.peer_closed) {
    close_conn(c);
    return false;
  }
  uint32_t want = 0;
  if (c.lingering || (!c.close_after_write && !c.peer_closed && c.pending_output() < kOutputHighWater &&
                      c.in.size() < input_cap()))
    want |= EPOLLIN;
  if (c.pending_output() > 0) want |= EPOLLOUT;
  if (want != c.registered) {
    epoll_event ev{want, {.fd = c.fd}};
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
    c.registered = want;
  }
  return true;
}

int64_t HttpServer::Loop::deadline(const Conn& c) const {
  if (c.lingering) return c.last_progress_ms + kLingerMs;
  if (c.pending_output() > 0) return c.last_progress_ms + options.request_timeout_ms;
  if (!c.in.empty()) return c.request_started_ms + options.request_timeout_ms;
  // A connection that has not sent a request yet gets the shorter timeout.
  return c.last_progress_ms + (c.served ? options.idle_timeout_ms : options.request_timeout_ms);
}

void HttpServer::Loop::expire(int64_t now) {
  std::vector<Conn*> late;
  for (auto& [fd, c] : conns)
    if (now >= deadline(*c)) late.push_back(c.get());
  for (Conn* c : late) {
    if (c->lingering || c->pending_output() > 0 || c->in.empty()) {
      if (!c->lingering) ++router.counters().timeouts;
      close_conn(*c);
      continue;
    }
    // A request that is still arriving after the timeout gets a 408.
    ++router.counters().timeouts;
    spdlog::debug("http: {}: request not complete after {}ms", c->peer, options.request_timeout_ms);
    router.count(c->parser.request().path, 408);
    c->out += serialize(error_response(408, "request not received in time"), false);
    c->close_after_write = true;
    c->linger_before_close = true;
    c->in.clear();
    write_output(*c, now);
    settle(*c, now);
  }
}

void HttpServer::Loop::close_conn(Conn& c) {
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, c.fd, nullptr);
  close(c.fd);
  conns.erase(c.fd);  // destroys c
  router.counters().connections = conns.size();
}

void HttpServer::Loop::evict_idle() {
  Conn* oldest = nullptr;
  for (auto& [fd, c] : conns) {
    const bool idle =
        c->served && c->in.empty() && c->pending_output() == 0 && !c->lingering && !c->close_after_write;
    if (idle && (oldest == nullptr || c->last_progress_ms < oldest->last_progress_ms)) oldest = c.get();
  }
  if (oldest != nullptr) close_conn(*oldest);
}

int HttpServer::Loop::next_timeout_ms(int64_t now) const {
  int64_t next = now + 1000;
  for (const auto& [fd, c] : conns) next = std::min(next, deadline(*c));
  if (listen_paused_until_ms != 0) next = std::min(next, listen_paused_until_ms);
  return int(std::max<int64_t>(0, next - now));
}

HttpServer::HttpServer(HttpBackend& backend, HttpServerOptions options)
    : backend_(backend), options_(std::move(options)) {}

HttpServer::~HttpServer() {
  stop();
  if (listen_fd_ >= 0) close(listen_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

std::string HttpServer::start() {
  sockaddr_storage ss{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, options_.bind.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(options_.port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, options_.bind.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(options_.port);
    len = sizeof(sockaddr_in6);
  } else {
    return "HTTP bind address '" + options_.bind + "' is not an IPv4 or IPv6 address";
  }
  const std::string where = options_.bind + ":" + std::to_string(options_.port);
  listen_fd_ = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return std::string("HTTP socket: ") + strerror(errno);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&ss), len) < 0)
    return "cannot bind HTTP listener to " + where + ": " + strerror(errno);
  if (listen(listen_fd_, options_.tcp_backlog) < 0) return std::string("HTTP listen: ") + strerror(errno);
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &blen);
  port_ = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                           : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);

  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) return std::string("HTTP eventfd: ") + strerror(errno);
  loop_ = std::make_unique<Loop>(backend_, options_, listen_fd_, wake_fd_);
  loop_->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (loop_->epoll_fd < 0) return std::string("HTTP epoll: ") + strerror(errno);
  epoll_event ev{EPOLLIN, {.fd = listen_fd_}};
  epoll_ctl(loop_->epoll_fd, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev = epoll_event{EPOLLIN, {.fd = wake_fd_}};
  epoll_ctl(loop_->epoll_fd, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this] { loop_->run(); });
  pthread_setname_np(thread_.native_handle(), "ringcast-http");
  return {};
}

void HttpServer::stop() {
  if (thread_.joinable()) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  if (loop_ && loop_->epoll_fd >= 0) {
    close(loop_->epoll_fd);
    loop_->epoll_fd = -1;
  }
}

}  // namespace ringcast::http
