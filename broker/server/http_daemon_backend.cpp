// HttpBackend over ringcast::Server: publishes through shard 0, figures
// from the shards' atomic counters.
#include "server/http_daemon_backend.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "acl/registry.h"
#include "core/clock.h"
#include "engine/pubsub_engine.h"
#include "server/server.h"

namespace ringcast::http {
namespace {

// One request's messages, owned jointly by the waiting HTTP thread and the
// shard's task: if the HTTP thread gives up (shutdown), the task may still
// run later and must find its data alive.
struct PublishJob {
  std::vector<PublishItem> items;
  std::vector<int64_t> receivers;
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
};

constexpr auto kPublishWait = std::chrono::seconds(5);

}  // namespace

DaemonBackend::DaemonBackend(Server& server, std::shared_ptr<const acl::Registry> acl)
    : server_(server), acl_(std::move(acl)) {}
DaemonBackend::~DaemonBackend() = default;

bool DaemonBackend::publish(std::span<const PublishItem> items, std::vector<int64_t>& receivers) {
  if (server_.stopping() || server_.shard_count() == 0) return false;
  auto job = std::make_shared<PublishJob>();
  job->items.assign(items.begin(), items.end());
  job->receivers.assign(items.size(), 0);
  // The whole request is one task: one wake-up, and its items stay together.
  server_.post_external(0, [job](engine::ShardContext& shard) {
    engine::PubSubEngine& engine = shard.engine();
    // Items on history channels are published by their stream's owner
    // shard, which answers back here; the job is done after the last answer.
    auto pending = std::make_shared<size_t>(1);  // touched on this shard's thread only
    auto answered = [job, pending] {
      if (--*pending != 0) return;
      std::lock_guard lock(job->mutex);
      job->done = true;
      job->done_cv.notify_one();
    };
    for (size_t i = 0; i < job->items.size(); ++i) {
      const PublishItem& item = job->items[i];
      if (!engine.history_elsewhere(pubsub::Kind::Channel, item.channel)) {
        job->receivers[i] = engine.publish(pubsub::Kind::Channel, item.channel, item.message);
        continue;
      }
      ++*pending;
      engine.publish_at_owner(item.channel, {item.message}, 0, [job, i, answered](engine::ShardContext&, int64_t n) {
        job->receivers[i] = n;
        answered();
      });
    }
    answered();
  });

  // A shard that is shutting down may exit without running the task, and a
  // wedged one must not hold the HTTP thread (and /healthz) forever.
  const auto deadline = std::chrono::steady_clock::now() + kPublishWait;
  std::unique_lock lock(job->mutex);
  while (!job->done) {
    if (job->done_cv.wait_for(lock, std::chrono::milliseconds(100)) == std::cv_status::no_timeout) continue;
    if (!job->done && (server_.stopping() || std::chrono::steady_clock::now() >= deadline)) return false;
  }
  receivers.insert(receivers.end(), job->receivers.begin(), job->receivers.end());
  return true;
}

std::string DaemonBackend::stats_json() { return stats::render_stats_json(server_.snapshot()); }
std::string DaemonBackend::metrics_text() { return stats::render_prometheus(server_.snapshot()); }
bool DaemonBackend::accepting() { return server_.accepting(); }

void DaemonBackend::set_acl(std::shared_ptr<const acl::Registry> acl) {
  std::lock_guard lock(acl_mutex_);
  acl_ = std::move(acl);
}

std::shared_ptr<const acl::Registry> DaemonBackend::acl() const {
  std::lock_guard lock(acl_mutex_);
  return acl_;
}

bool DaemonBackend::auth_required() {
  const auto acl = this->acl();
  return acl != nullptr && !acl->starts_authenticated();
}

bool DaemonBackend::authenticate(std::string_view user, std::string_view password) {
  const auto acl = this->acl();
  return acl == nullptr || acl->authenticate(user, password) != nullptr;
}

void DaemonBackend::authentication_failed(std::string_view user, std::string_view peer) {
  acl::AccessLogEntry entry;
  entry.reason = acl::Denial::auth;
  entry.context = "http";
  entry.object = "Authorization";
  entry.username = user;
  entry.client_info = "addr=" + std::string(peer) + " http=1";
  server_.access_log().add(std::move(entry), monotonic_ms());
}

bool DaemonBackend::may_publish(std::string_view user, std::string_view channel) {
  const auto acl = this->acl();
  if (acl == nullptr) return true;
  const acl::User* u = acl->find(user);
  const std::string_view args[] = {"PUBLISH", channel, ""};
  return u != nullptr && acl->check(*u, "publish", args) == acl::Verdict::allowed;
}

bool DaemonBackend::may_read_stats(std::string_view user) {
  const auto acl = this->acl();
  if (acl == nullptr) return true;
  const acl::User* u = acl->find(user);
  const std::string_view args[] = {"INFO"};
  return u != nullptr && acl->check(*u, "info", args) == acl::Verdict::allowed;
}

}  // namespace ringcast::http
