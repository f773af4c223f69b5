// The HTTP/1.1 listener for /metrics, /stats, /healthz and POST /publish:
// one thread of its own with non-blocking sockets and epoll, so no shard
// ever waits on an HTTP client.
//
// Threading: start() and stop() are called by the owner (main); everything
// else runs on the listener's thread, which owns the sockets, the router
// and the backend calls. stop() joins the thread before returning.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "http/http_backend.h"

namespace ringcast::http {

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 9121;  // 0 picks a free port; port() says which
  size_t max_body_bytes = 1024 * 1024;
  size_t max_header_bytes = 16 * 1024;
  unsigned max_connections = 64;
  // A keep-alive connection with nothing to do is closed after this.
  int64_t idle_timeout_ms = 60'000;
  // A request must arrive whole, and a response be taken by the client,
  // within this; slower clients are answered 408 or dropped.
  int64_t request_timeout_ms = 10'000;
  int tcp_backlog = 128;
};

class HttpServer {
 public:
  HttpServer(HttpBackend& backend, HttpServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on the calling thread (so errors come back here as
  // text, empty on success), then starts the listener's thread.
  std::string start();
  // Closes every connection and joins the thread. Idempotent. A publish in
  // progress finishes (or gives up, see HttpBackend::publish) first.
  void stop();

  uint16_t port() const { return port_; }

 private:
  struct Loop;

  HttpBackend& backend_;
  HttpServerOptions options_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  uint16_t port_ = 0;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
};

}  // namespace ringcast::http
