// The HTTP listener's view of the running daemon: HTTP publishes enter the
// same fan-out path as PUBLISH, /stats and /metrics read the live counters.
//
// Threading: constructed by main; every member runs on the HTTP thread
// except set_acl (any thread). A publish request is one task posted to
// shard 0 (Server::post_external), which runs the engine's publish for each
// item, so routing, frames and counters are exactly PUBLISH's; the HTTP
// thread waits for it. Always shard 0, so
// messages from the API keep their order, as one publisher connection's would.
#pragma once

#include <memory>
#include <mutex>

#include "http/http_backend.h"

namespace ringcast {
class Server;
namespace acl {
class Registry;
}
}  // namespace ringcast

namespace ringcast::http {

class DaemonBackend : public HttpBackend {
 public:
  // `acl`: the daemon's users (a Registry is immutable, so safe to read from
  // this thread), or null for no access control at all.
  DaemonBackend(Server& server, std::shared_ptr<const acl::Registry> acl);
  // After a reload: requests from now on are checked against `acl`. Any thread.
  void set_acl(std::shared_ptr<const acl::Registry> acl);
  ~DaemonBackend() override;

  bool publish(std::span<const PublishItem> items, std::vector<int64_t>& receivers) override;
  std::string stats_json() override;
  std::string metrics_text() override;
  bool accepting() override;
  // Redis's rules through acl::Registry: credentials as AUTH checks them,
  // POST /publish as the user's PUBLISH <channel>, /stats and /metrics as INFO.
  bool auth_required() override;
  bool authenticate(std::string_view user, std::string_view password) override;
  void authentication_failed(std::string_view user, std::string_view peer) override;
  bool may_publish(std::string_view user, std::string_view channel) override;
  bool may_read_stats(std::string_view user) override;

 private:
  std::shared_ptr<const acl::Registry> acl() const;

  Server& server_;
  mutable std::mutex acl_mutex_;
  std::shared_ptr<const acl::Registry> acl_;
};

}  // namespace ringcast::http
