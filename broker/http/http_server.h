// The HTTP/1.1 listener for /metrics, /stats, /healthz and POST /publish:
// libmicrohttpd on one internal thread of its own (epoll), so no shard ever
// waits on an HTTP client, with limits that keep hostile clients from
// holding it shut: connections in total and per address, request sizes, and
// a deadline per request that trickled bytes do not push back.
//
// Threading: start() and stop() are called by the owner (main). The router
// and every HttpBackend call run on libmicrohttpd's single thread, one at a
// time, as HttpBackend requires; a second thread only enforces deadlines
// (connection_deadlines.h). stop() joins both before returning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/http_backend.h"

namespace ringcast::http {

struct HttpServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 9121;  // 0 picks a free port; port() says which
  size_t max_body_bytes = 1024 * 1024;
  // Request line and headers must fit in this (libmicrohttpd's memory pool
  // per connection); a larger header is answered 431.
  size_t max_header_bytes = 16 * 1024;
  unsigned max_connections = 64;
  // From one IP address; further connections from it are closed at once.
  unsigned max_connections_per_ip = 24;
  // A connection must deliver its request within this from its opening or
  // its previous request's end (so it is also the keep-alive idle limit),
  // and take the reply within this from the request's arrival.
  int64_t timeout_ms = 10'000;
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
  // Closes every connection and joins the threads. Idempotent. A publish in
  // progress finishes (or gives up, see HttpBackend::publish) first.
  void stop();

  uint16_t port() const { return port_; }

  struct Impl;  // public so the C callbacks in http_server.cpp can name it

 private:
  HttpServerOptions options_;
  uint16_t port_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringcast::http
