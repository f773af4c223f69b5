// libmicrohttpd wired to the router: the listening socket, the daemon's
// options (limits), and the callbacks that collect a request, answer it and
// keep each connection's deadline. libmicrohttpd does the HTTP/1.1 itself:
// parsing, keep-alive and pipelining, 100-continue, HEAD, framing.
#include "http/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <optional>

#include <spdlog/spdlog.h>

#include "http/connection_deadlines.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace ringcast::http {

struct HttpServer::Impl {
  Impl(HttpBackend& backend, const HttpServerOptions& options)
      : options(options), router(backend), deadlines(std::chrono::milliseconds(options.timeout_ms)) {}

  const HttpServerOptions& options;
  Router router;  // used on libmicrohttpd's thread only
  ConnectionDeadlines deadlines;
  MHD_Daemon* daemon = nullptr;
  // libmicrohttpd's latest message, for start()'s error when it refuses to
  // start; read only then, when it has no thread running.
  std::string last_message;
};

namespace {

using Impl = HttpServer::Impl;

// libmicrohttpd's per-request context: the request while its body arrives.
struct PendingRequest {
  Request request;
};

ConnectionDeadlines::Entry* deadline_of(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info == nullptr ? nullptr : static_cast<ConnectionDeadlines::Entry*>(info->socket_context);
}

// "ip:port" of the client, as CLIENT LIST writes addresses.
std::string peer_address(MHD_Connection* connection) {
  const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (info == nullptr || info->client_addr == nullptr) return "?";
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (info->client_addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(info->client_addr);
    inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
  } else if (info->client_addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(info->client_addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
    port = ntohs(in6->sin6_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

MHD_Result queue(MHD_Connection* connection, Response&& response) {
  // The body moves to the heap and libmicrohttpd frees it once sent: no copy.
  auto* body = new std::string(std::move(response.body));
  MHD_Response* reply = MHD_create_response_from_buffer_with_free_callback_cls(
      body->size(), body->data(), [](void* owned) { delete static_cast<std::string*>(owned); }, body);
  if (reply == nullptr) {
    delete body;
    return MHD_NO;  // out of memory: libmicrohttpd closes the connection
  }
  MHD_add_response_header(reply, MHD_HTTP_HEADER_CONTENT_TYPE, response.content_type.c_str());
  for (const auto& [name, value] : response.headers) MHD_add_response_header(reply, name.c_str(), value.c_str());
  // HTTP/1.1 implies keep-alive; the header says it anyway, as before.
  MHD_set_response_options(reply, MHD_RF_SEND_KEEP_ALIVE_HEADER, MHD_RO_END);
  const MHD_Result queued = MHD_queue_response(connection, unsigned(response.status), reply);
  MHD_destroy_response(reply);  // the connection holds its own reference
  return queued;
}

// Refusals decided from the header alone. Queued before the body is read,
// they make libmicrohttpd skip the body and close the connection after the
// reply, so a client cannot make us read what we would refuse.
std::optional<Response> refuse_before_body(MHD_Connection* connection, size_t max_body) {
  // Chunked bodies have no size up front; /publish bodies are small and
  // every client can send a Content-Length.
  if (MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) != nullptr)
    return error_response(411, "Transfer-Encoding (chunked bodies) is not supported: send the body with a Content-Length");
  const char* length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (length == nullptr) return std::nullopt;
  uint64_t bytes = 0;
  // libmicrohttpd has already refused a malformed value; one past 64 bits is too large here too.
  const auto [end, ec] = std::from_chars(length, length + std::strlen(length), bytes);
  if (ec != std::errc() || bytes > max_body)
    return error_response(413, "request body is larger than the limit of " + std::to_string(max_body) + " bytes");
  return std::nullopt;
}

// Called once when the header is in, then once per piece of body, then once
// more with nothing when the request is whole.
MHD_Result on_request(void* cls, MHD_Connection* connection, const char* url, const char* method,
                      const char* /*version*/, const char* upload_data, size_t* upload_data_size, void** req_cls) {
  Impl& impl = *static_cast<Impl*>(cls);
  auto* pending = static_cast<PendingRequest*>(*req_cls);
  if (pending == nullptr) {
    pending = new PendingRequest;  // freed by on_completed
    *req_cls = pending;
    Request& request = pending->request;
    request.method = method;
    request.path = url;  // libmicrohttpd has taken the ?query off
    if (const char* auth = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION))
      request.authorization = auth;
    request.peer = peer_address(connection);
    if (std::optional<Response> refusal = refuse_before_body(connection, impl.options.max_body_bytes)) {
      spdlog::debug("http: {} {} refused before its body: {}", request.method, request.path, refusal->status);
      impl.router.count(request.path, refusal->status);
      return queue(connection, std::move(*refusal));
    }
    // Answering on a later call lets libmicrohttpd send "100 Continue" first
    // when asked, and keep the connection for the next request.
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    // Bounded: Content-Length was checked against max_body_bytes above.
    pending->request.body.append(upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  // The request is whole: the client now has a full timeout to take the reply.
  if (ConnectionDeadlines::Entry* deadline = deadline_of(connection)) impl.deadlines.restart(deadline);
  Response response = impl.router.handle(pending->request);
  spdlog::debug("http: {} {} -> {}", pending->request.method, pending->request.path, response.status);
  return queue(connection, std::move(response));
}

void on_completed(void* cls, MHD_Connection* connection, void** req_cls, MHD_RequestTerminationCode code) {
  delete static_cast<PendingRequest*>(*req_cls);
  *req_cls = nullptr;
  // The next request on this connection gets a full timeout from now.
  if (code == MHD_REQUEST_TERMINATED_COMPLETED_OK)
    if (ConnectionDeadlines::Entry* deadline = deadline_of(connection))
      static_cast<Impl*>(cls)->deadlines.restart(deadline);
}

void on_connection(void* cls, MHD_Connection* connection, void** socket_context, MHD_ConnectionNotificationCode code) {
  Impl& impl = *static_cast<Impl*>(cls);
  ListenerCounters& counters = impl.router.counters();
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const MHD_ConnectionInfo* info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (info == nullptr) return;  // never for a plain TCP connection; it then only misses its deadline
    *socket_context = impl.deadlines.add(info->connect_fd);
    ++counters.connections_total;
    ++counters.connections;
    return;
  }
  // MHD_CONNECTION_NOTIFY_CLOSED comes before libmicrohttpd closes the descriptor.
  auto* deadline = static_cast<ConnectionDeadlines::Entry*>(*socket_context);
  if (deadline == nullptr) return;
  if (impl.deadlines.remove(deadline)) ++counters.timeouts;
  *socket_context = nullptr;
  --counters.connections;
}

// libmicrohttpd's messages are mostly about clients (a malformed request,
// an address over its limit): debug level, so a hostile client cannot fill
// the log.
__attribute__((format(printf, 2, 0))) void log_mhd(void* cls, const char* format, va_list args) {
  char line[512];
  std::vsnprintf(line, sizeof line, format, args);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  spdlog::debug("http: libmicrohttpd: {}", text);
  static_cast<Impl*>(cls)->last_message = text;
}

// Our own socket rather than libmicrohttpd's, so a bad address or a port in
// use comes back as a sentence, and port 0 can be read back.
std::string open_listener(const HttpServerOptions& options, int& fd, uint16_t& port) {
  sockaddr_storage ss{};
  socklen_t len;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, options.bind.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(options.port);
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, options.bind.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(options.port);
    len = sizeof(sockaddr_in6);
  } else {
    return "HTTP bind address '" + options.bind + "' is not an IPv4 or IPv6 address";
  }
  const std::string where = options.bind + ":" + std::to_string(options.port);
  fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("HTTP socket: ") + strerror(errno);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) < 0)
    return "cannot bind HTTP listener to " + where + ": " + strerror(errno);
  if (listen(fd, options.tcp_backlog) < 0) return std::string("HTTP listen: ") + strerror(errno);
  sockaddr_storage bound{};
  socklen_t blen = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &blen);
  port = ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                          : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return {};
}

}  // namespace

HttpServer::HttpServer(HttpBackend& backend, HttpServerOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(backend, options_)) {}

HttpServer::~HttpServer() { stop(); }

std::string HttpServer::start() {
  int fd = -1;
  if (std::string err = open_listener(options_, fd, port_); !err.empty()) {
    if (fd >= 0) close(fd);
    return err;
  }
  impl_->deadlines.start();
  // libmicrohttpd's own timeout restarts with every byte received; it stays
  // as a backstop a second past ours, which ConnectionDeadlines enforces.
  const auto backstop_seconds = unsigned((options_.timeout_ms + 999) / 1000 + 1);
  impl_->daemon = MHD_start_daemon(
      // One internal thread polling with epoll (MHD_USE_AUTO picks it on
      // Linux): every backend call on one thread, as HttpBackend requires.
      MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, nullptr, nullptr, &on_request, impl_.get(),
      // First, or libmicrohttpd prints the other options' errors itself.
      MHD_OPTION_EXTERNAL_LOGGER, &log_mhd, impl_.get(),
      MHD_OPTION_LISTEN_SOCKET, MHD_socket(fd),
      MHD_OPTION_CONNECTION_LIMIT, unsigned(options_.max_connections),
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, unsigned(options_.max_connections_per_ip),
      MHD_OPTION_CONNECTION_TIMEOUT, backstop_seconds,
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, size_t(options_.max_header_bytes),
      MHD_OPTION_NOTIFY_CONNECTION, &on_connection, impl_.get(),
      MHD_OPTION_NOTIFY_COMPLETED, &on_completed, impl_.get(),
      MHD_OPTION_END);
  if (impl_->daemon == nullptr) {
    // libmicrohttpd closes the socket on some failures and not others: it
    // is left open rather than risk closing a descriptor reused meanwhile.
    impl_->deadlines.stop();
    return "HTTP listener on " + options_.bind + ":" + std::to_string(port_) + ": libmicrohttpd did not start: " +
           (impl_->last_message.empty() ? std::string("no reason given") : impl_->last_message);
  }
  return {};
}

void HttpServer::stop() {
  if (impl_->daemon != nullptr) {
    // Joins libmicrohttpd's thread, which closes every connection (and the
    // listening socket) on its way out.
    MHD_stop_daemon(impl_->daemon);
    impl_->daemon = nullptr;
  }
  impl_->deadlines.stop();
}

}  // namespace ringcast::http
