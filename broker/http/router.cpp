// The endpoints: POST /publish, GET /stats, GET /metrics, GET /healthz.
#include "http/router.h"

#include <fmt/format.h>

#include "http/basic_auth.h"
#include "core/json_text.h"
#include "stats/prometheus_writer.h"

namespace ringcast::http {
namespace {

// Known endpoints; the last entry stands for everything else, so the
// request counter's labels stay a small fixed set whatever clients send.
constexpr std::string_view kEndpoints[] = {"/publish", "/stats", "/metrics", "/healthz", "other"};

int endpoint_index(std::string_view path) {
  for (int i = 0; i < 4; ++i)
    if (kEndpoints[i] == path) return i;
  return 4;
}

Response method_not_allowed(std::string_view allow) {
  Response r = error_response(405, fmt::format("method not allowed: use {}", allow));
  r.headers.emplace_back("Allow", allow);
  return r;
}

bool is_get(const Request& r) { return r.method == "GET" || r.method == "HEAD"; }

}  // namespace

void Router::count(std::string_view path, int status) { ++requests_[{endpoint_index(path), status}]; }

Response Router::handle(Request& request) {
  Response r = route(request);
  count(request.path, r.status);
  return r;
}

bool Router::check_auth(const Request& request, std::string& user, Response& refusal) {
  const std::string_view header = request.authorization;
  const char* problem = nullptr;
  if (header.empty()) {
    if (!backend_.auth_required()) {
      user = "default";
      return true;
    }
    problem = "authentication required: send HTTP Basic credentials of an ACL user";
  } else if (std::optional<Credentials> creds = parse_basic_auth(header); !creds) {
    problem = "malformed Authorization header: expected Basic base64(user:password)";
  } else if (!backend_.authenticate(creds->user, creds->password)) {
    backend_.authentication_failed(creds->user, request.peer);
    problem = "invalid username-password pair or user is disabled";
  } else {
    user = std::move(creds->user);
    return true;
  }
  refusal = error_response(401, problem);
  refusal.headers.emplace_back("WWW-Authenticate", "Basic realm=\"ringcast\", charset=\"UTF-8\"");
  return false;
}

Response Router::route(Request& request) {
  const std::string& path = request.path;
  if (path == "/healthz") {
    if (!is_get(request)) return method_not_allowed("GET, HEAD");
    Response r;
    // Probes need no credentials: they say nothing but up or down.
    if (backend_.accepting()) {
      r.body = "{\"status\":\"ok\"}\n";
    } else {
      r.status = 503;
      r.body = "{\"status\":\"unavailable\"}\n";
    }
    return r;
  }
  const int endpoint = endpoint_index(path);
  if (endpoint == 4) return error_response(404, "no such endpoint: try POST /publish, GET /stats, GET /metrics or GET /healthz");
  if (endpoint == 0 ? request.method != "POST" : !is_get(request))
    return method_not_allowed(endpoint == 0 ? "POST" : "GET, HEAD");
  std::string user;
  Response refusal;
  if (!check_auth(request, user, refusal)) return refusal;
  if (endpoint == 0) return publish(request, user);
  if (!backend_.may_read_stats(user))
    return error_response(403, "user '" + user + "' has no permission to run INFO, which " + path + " needs");
  Response r;
  if (endpoint == 1) {
    r.body = backend_.stats_json();
    r.body += '\n';
  } else {
    r.content_type = stats::kPrometheusContentType;
    r.body = backend_.metrics_text();
    r.body += metrics_text();
  }
  return r;
}

Response Router::publish(Request& request, const std::string& user) {
  if (std::string err = body_parser_.parse(request.body, body_); !err.empty()) return error_response(400, err);
  // Every channel is checked before anything is sent: a batch is refused
  // whole rather than half published.
  for (size_t i = 0; i < body_.items.size(); ++i) {
    const std::string& channel = body_.items[i].channel;
    if (backend_.may_publish(user, channel)) continue;
    std::string message = body_.is_array ? fmt::format("item {}: ", i) : std::string();
    message += "user '" + user + "' has no permission to publish to channel '" + channel + "'";
    return error_response(403, message);
  }
  receivers_.clear();
  if (!backend_.publish(body_.items, receivers_) || receivers_.size() != body_.items.size())
    return error_response(503, "the broker did not take the messages: it is shutting down or did not answer in time");
  Response r;
  if (!body_.is_array) {
    r.body = fmt::format("{{\"receivers\":{}}}\n", receivers_[0]);
    return r;
  }
  r.body = "[";
  for (size_t i = 0; i < receivers_.size(); ++i)
    fmt::format_to(std::back_inserter(r.body), "{}{{\"receivers\":{}}}", i == 0 ? "" : ",", receivers_[i]);
  r.body += "]\n";
  return r;
}

std::string Router::metrics_text() const {
  stats::PrometheusWriter w;
  w.family("ringcast_http_connections", "gauge", "Connections open to the HTTP listener.");
  w.sample("ringcast_http_connections", counters_.connections);
  w.family("ringcast_http_connections_total", "counter", "Connections the HTTP listener accepted.");
  w.sample("ringcast_http_connections_total", counters_.connections_total);
  w.family("ringcast_http_timeouts_total", "counter", "HTTP connections cut because a request or its reply took longer than the timeout, or it sat idle that long.");
  w.sample("ringcast_http_timeouts_total", counters_.timeouts);
  w.family("ringcast_http_requests_total", "counter", "HTTP requests answered, by endpoint and status code.");
  for (const auto& [key, n] : requests_) {
    const std::string code = std::to_string(key.second);
    w.sample("ringcast_http_requests_total", {{"endpoint", kEndpoints[key.first]}, {"code", code}}, n);
  }
  return w.take();
}

}  // namespace ringcast::http
