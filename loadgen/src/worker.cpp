// The per-thread event loop: connects, dispatches epoll events, pumps
// publishers, runs churn/slow timers, and publishes counters; see worker.h.
#include "worker.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "clock.h"
#include "publisher.h"
#include "resumer.h"
#include "subscriber.h"

namespace ringcast::loadgen {

Worker::Worker(RunContext& ctx, uint32_t index, uint32_t count)
    : ctx_(ctx), index_(index), count_(count), scratch_(new char[kScratch]), rng_(0x5eed0000 + index) {
  ep_ = ::epoll_create1(EPOLL_CLOEXEC);
}

Worker::~Worker() {
  conns_.clear();
  if (ep_ >= 0) ::close(ep_);
}

void Worker::start() { thread_ = std::thread([this] { loop(); }); }

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::drain_interval(Histogram& into) {
  std::lock_guard<std::mutex> lock(interval_mu_);
  into.merge(interval_shared_);
  interval_shared_.clear();
}

template <typename T>
T* Worker::add(std::unique_ptr<T> c) {
  T* raw = c.get();
  raw->slot = conns_.size();
  conns_.push_back(std::move(c));
  return raw;
}

void Worker::subscriber_ready(Subscriber* s) {
  if (s->kind() == Subscriber::Kind::kChurner) return;
  c_[kSubscribersReady]++;
}

void Worker::start_connects() {
  while (connecting_ < kMaxConnecting && connect_next_ < to_connect_.size()) {
    Conn* c = to_connect_[connect_next_++];
    if (c->start_connect()) {
      ++connecting_;
    } else {
      reap_later(c);
    }
  }
  if (connect_next_ == to_connect_.size() && !to_connect_.empty()) {
    to_connect_.clear();
    connect_next_ = 0;
  }
}

void Worker::spawn_churners(uint64_t now) {
  Phase ph = ctx_.current();
  if (churn_interval_ns_ == 0 || (ph != Phase::kWarmup && ph != Phase::kMeasure)) return;
  if (churn_next_ns_ == 0) churn_next_ns_ = now + churn_interval_ns_ * index_ / count_;
  while (churn_next_ns_ <= now) {
    churn_next_ns_ += churn_interval_ns_;
    uint64_t n = churn_spawned_++ * count_ + index_;
    Subscriber* s = add(std::make_unique<Subscriber>(*this, Subscriber::Kind::kChurner, ctx_.plan.churn_target(n)));
    s->node = ctx_.topo.churner_node(n);
    timed_.push_back(s);
    to_connect_.push_back(s);
  }
}

void Worker::service_timers(uint64_t now) {
  for (Subscriber* s : timed_) s->tick(now);
  for (Resumer* r : resumers_) r->tick(now);
}

void Worker::reconnect_resumers(uint64_t now) {
  for (auto& s : streams_) {
    if (s->reconnect_at != 0 && now >= s->reconnect_at && ctx_.current() != Phase::kStop) {
      s->reconnect_at = 0;
      Resumer* r = add(std::make_unique<Resumer>(*this, *s));
      r->node = ctx_.topo.subscriber_node(s->id);
      resumers_.push_back(r);
      to_connect_.push_back(r);
    }
  }
}

void Worker::count_behind(uint64_t now) {
  if (!ctx_.opt.resume) return;  // a worker without resumers still says so: the drain waits for every one
  uint64_t behind = 0;
  for (auto& s : streams_)
    if (!s->connected || s->shortfall(ctx_) > 0) ++behind;
  c_[kResumeBehind] = behind;
  c_[kResumeCheckedNs] = now;  // the drain trusts only counts taken after the last reply arrived
}

uint64_t Worker::resume_shortfall() const {
  uint64_t owed = 0;
  for (const auto& s : streams_) owed += s->shortfall(ctx_);
  return owed;
}

void Worker::reap() {
  if (dead_.empty()) return;
  for (Conn* c : dead_) {
    auto it = std::find(timed_.begin(), timed_.end(), c);
    if (it != timed_.end()) {
      *it = timed_.back();
      timed_.pop_back();
    }
    auto pit = std::find(publishers_.begin(), publishers_.end(), c);
    if (pit != publishers_.end()) publishers_.erase(pit);
    auto rit = std::find(resumers_.begin(), resumers_.end(), c);
    if (rit != resumers_.end()) {
      *rit = resumers_.back();
      resumers_.pop_back();
    }
    // Swap-remove from the table; the moved connection takes over the slot.
    size_t slot = c->slot;
    if (slot < conns_.size() && conns_[slot].get() == c) {
      std::swap(conns_[slot], conns_.back());
      conns_[slot]->slot = slot;
      conns_.pop_back();
    }
  }
  dead_.clear();
}

int64_t Worker::next_timeout_ns(uint64_t now) const {
  int64_t t = 5'000'000;  // notice phase changes promptly
  if (!timed_.empty() || !streams_.empty() || connecting_ > 0) t = 1'000'000;
  for (const Publisher* p : publishers_) {
    if (p->blocked()) t = std::min<int64_t>(t, 200'000);
    uint64_t due = p->next_due();
    if (due != UINT64_MAX) t = std::min<int64_t>(t, due > now ? static_cast<int64_t>(due - now) : 0);
  }
  return t;
}

void Worker::loop() {
  const Options& o = ctx_.opt;
  // Stable (and slow) subscribers first: publishing starts only once they are all subscribed.
  for (uint32_t j = index_; j < o.subscribers && o.resume; j += count_) {
    streams_.push_back(std::make_unique<ResumeStream>(j, j % o.channels, o.publishers));
    streams_.back()->reconnect_at = 1;  // the first connection: reconnect_resumers opens it
  }
  for (uint32_t j = index_; j < o.subscribers && !o.resume; j += count_) {
    Subscriber::Kind k = Subscriber::Kind::kStable;
    if (ctx_.plan.is_slow(j)) k = o.slow_mode == "throttle" ? Subscriber::Kind::kSlowThrottle : Subscriber::Kind::kSlowStop;
    Subscriber* s = add(std::make_unique<Subscriber>(*this, k, j));
    s->node = ctx_.topo.subscriber_node(j);
    if (k != Subscriber::Kind::kStable) timed_.push_back(s);
    to_connect_.push_back(s);
  }
  for (uint32_t p = index_; p < o.publishers; p += count_) {
    Publisher* pub = add(std::make_unique<Publisher>(*this, p));
    pub->node = ctx_.topo.publisher_node(p);
    publishers_.push_back(pub);
    to_connect_.push_back(pub);
  }
  if (o.churn_rate > 0) churn_interval_ns_ = static_cast<uint64_t>(1e9 * count_ / o.churn_rate);

  SharedCounters& shared = *ctx_.shared[index_];
  epoll_event events[512];
  while (ctx_.current() != Phase::kStop) {
    uint64_t now = now_ns();
    reconnect_resumers(now);
    start_connects();
    timespec ts{0, next_timeout_ns(now)};
    int n = ::epoll_pwait2(ep_, events, 512, &ts, nullptr);
    if (n < 0 && errno != EINTR) break;
    now = now_ns();
    for (int i = 0; i < n; ++i) static_cast<Conn*>(events[i].data.ptr)->handle_events(events[i].events, now);
    spawn_churners(now);
    service_timers(now);
    // Counters go out before publishers decide, so flow control sees this
    // iteration's deliveries from every thread.
    shared.publish(c_);
    lag_ok_ = ctx_.opt.rate_mode() || ctx_.inflight() < ctx_.max_lag;
    for (Publisher* p : publishers_) p->pump(now);
    reap();
    count_behind(now_ns());
    shared.publish(c_);
    if (now - last_export_ns_ > 100'000'000) {
      std::lock_guard<std::mutex> lock(interval_mu_);
      interval_shared_.merge(interval_local_);
      interval_local_.clear();
      last_export_ns_ = now;
    }
  }
  conns_.clear();
  shared.publish(c_);
}

}  // namespace ringcast::loadgen
