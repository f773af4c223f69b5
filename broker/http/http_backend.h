// What the HTTP listener needs from the daemon. The listener depends on
// nothing else, so tests drive it with a fake; daemon_backend.h is the real one.
//
// Threading: every member is called on the HTTP thread only, one call at a
// time; an implementation must be safe against the daemon's own threads.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "http/publish_body.h"

namespace ringcast::http {

class HttpBackend {
 public:
  virtual ~HttpBackend() = default;

  // Publishes each item as PUBLISH would, in order, and appends one receiver
  // count per item to `receivers`. Returns once every item has been routed
  // (subscribers present now will get it), or false when the daemon cannot
  // take messages (shutting down, or no answer in time); the listener then
  // answers 503.
  virtual bool publish(std::span<const PublishItem> items, std::vector<int64_t>& receivers) = 0;

  // INFO's figures as one JSON object (GET /stats).
  virtual std::string stats_json() = 0;
  // The daemon's metric families in Prometheus text format (GET /metrics);
  // the listener appends its own.
  virtual std::string metrics_text() = 0;
  // True while the daemon accepts client connections (GET /healthz).
  virtual bool accepting() = 0;

  // Access control with Redis's semantics. A request carrying
  // "Authorization: Basic" acts as that user when authenticate() accepts the
  // pair, else it is refused with 401. A request without credentials acts as
  // "default" unless auth_required() (Redis: the default user is off or has
  // a password), in which case it gets 401. /healthz is never checked. Then
  // may_publish() for each item's channel (a batch is refused whole) and
  // may_read_stats() for /stats and /metrics decide, 403 when refused.
  virtual bool auth_required() { return false; }
  virtual bool authenticate(std::string_view /*user*/, std::string_view /*password*/) { return true; }
  // Told of each pair authenticate() refused (ACL LOG, INFO acl_access_denied_auth).
  virtual void authentication_failed(std::string_view /*user*/, std::string_view /*peer*/) {}
  virtual bool may_publish(std::string_view /*user*/, std::string_view /*channel*/) { return true; }
  virtual bool may_read_stats(std::string_view /*user*/) { return true; }
};

}  // namespace ringcast::http
