// Maps a parsed request to a response: the endpoints, their methods, auth
// and ACL checks, and the listener's own request counters. No sockets.
//
// Threading: owned and used by the HTTP thread only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "http/http_backend.h"
#include "http/publish_body.h"
#include "http/request.h"
#include "http/response.h"

namespace ringcast::http {

// Figures about the listener itself, kept by the HTTP thread.
struct ListenerCounters {
  uint64_t connections = 0;        // open now
  uint64_t connections_total = 0;  // accepted since start
  uint64_t timeouts = 0;           // cut for being idle or too slow
};

class Router {
 public:
  explicit Router(HttpBackend& backend) : backend_(backend) {}

  // Answers one request. The request's body may be moved from.
  Response handle(Request& request);

  // Counts a reply that did not come from handle() (a 411 or 413 sent before
  // the body), so /metrics shows every status the listener chose.
  void count(std::string_view path, int status);

  ListenerCounters& counters() { return counters_; }
  // The listener's own metric families.
  std::string metrics_text() const;

 private:
  Response route(Request& request);
  Response publish(Request& request, const std::string& user);
  // Sets the user the request acts as, or fills a 401 and returns false.
  bool check_auth(const Request& request, std::string& user, Response& refusal);

  HttpBackend& backend_;
  PublishBodyParser body_parser_;
  PublishBody body_;
  std::vector<int64_t> receivers_;
  ListenerCounters counters_;
  std::map<std::pair<int, int>, uint64_t> requests_;  // (endpoint index, status) -> count
};

}  // namespace ringcast::http
