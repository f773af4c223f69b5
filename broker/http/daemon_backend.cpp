// HttpBackend over ringcast::Server: publishes through a shard, figures
// from the shards' atomic counters.
#include "http/daemon_backend.h"

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include <spdlog/spdlog.h>

#include "acl/registry.h"
#include "http/metrics.h"
#include "server.h"
#include "shard/shard.h"
#include "uring/ring.h"

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

}  // namespace

DaemonBackend::DaemonBackend(Server& server, std::shared_ptr<const acl::Registry> acl)
    : server_(server), acl_(std::move(acl)) {}
DaemonBackend::~DaemonBackend() = default;

void DaemonBackend::wake(int ring_fd) {
  if (!ring_ && !ring_failed_) {
    ring_ = std::make_unique<uring::Ring>();
    if (int rc = ring_->init(8, 16); rc < 0) {
      // Not fatal: the shard's 100 ms tick drains its inbox anyway.
      spdlog::warn("http: cannot create an io_uring to wake shards ({}); HTTP publishes may wait up to 100ms",
                   strerror(-rc));
      ring_.reset();
      ring_failed_ = true;
    }
  }
  if (!ring_) return;
  ring_->post_to(ring_fd, uring::Op::Wake, 0, 0);
  io_uring_submit(ring_->raw());
  // Only failed posts complete (CQE_SKIP_SUCCESS); the tick covers those too.
  ring_->drain([](const io_uring_cqe&) {});
}

bool DaemonBackend::publish(std::span<const PublishItem> items, std::vector<int64_t>& receivers) {
  if (server_.stopping() || server_.shard_count() == 0) return false;
  auto job = std::make_shared<PublishJob>();
  job->items.assign(items.begin(), items.end());
  job->receivers.reserve(items.size());
  // The last shard: shard 0 also accepts every connection.
  Shard& shard = server_.shard(server_.shard_count() - 1);
  std::vector<Envelope> batch;
  batch.push_back(Envelope{{}, [job](Shard& s) {
                             for (const PublishItem& item : job->items)
                               job->receivers.push_back(s.publish(pubsub::Kind::Channel, item.channel, item.message));
                             std::lock_guard lock(job->mutex);
                             job->done = true;
                             job->done_cv.notify_one();
                           }});
  if (shard.inbox().push(batch)) wake(shard.ring_fd());

  std::unique_lock lock(job->mutex);
  while (!job->done) {
    // A shard that is shutting down may exit without running the task.
    if (job->done_cv.wait_for(lock, std::chrono::milliseconds(100)) == std::cv_status::timeout && !job->done &&
        server_.stopping())
      return false;
  }
  receivers.insert(receivers.end(), job->receivers.begin(), job->receivers.end());
  return true;
}

std::string DaemonBackend::stats_json() { return daemon_stats_json(server_); }
std::string DaemonBackend::metrics_text() { return daemon_metrics_text(server_); }
bool DaemonBackend::accepting() { return !server_.stopping() && server_.listen_fd() >= 0; }

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
