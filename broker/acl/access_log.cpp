// ACL LOG's grouping and bounds (Redis 7.0's addACLLogEntry).
#include "acl/access_log.h"

#include <algorithm>
#include <utility>

namespace ringcast::acl {

std::string_view reason_name(Denial reason) {
  switch (reason) {
    case Denial::auth: return "auth";
    case Denial::command: return "command";
    case Denial::channel: return "channel";
  }
  return "auth";
}

void AccessLog::add(AccessLogEntry entry, int64_t now_ms) {
  switch (entry.reason) {
    case Denial::auth: auth_.fetch_add(1, std::memory_order_relaxed); break;
    case Denial::command: command_.fetch_add(1, std::memory_order_relaxed); break;
    case Denial::channel: channel_.fetch_add(1, std::memory_order_relaxed); break;
  }
  entry.created_ms = now_ms;
  entry.count = 1;
  std::lock_guard lock(mutex_);
  const auto same = std::find_if(entries_.begin(), entries_.end(), [&](const AccessLogEntry& e) {
    return e.reason == entry.reason && e.context == entry.context && e.object == entry.object &&
           e.username == entry.username && now_ms - e.created_ms <= kGroupingMs;
  });
  if (same != entries_.end()) {
    entry.count = same->count + 1;
    entries_.erase(same);
  }
  entries_.push_front(std::move(entry));
  if (entries_.size() > kMaxEntries) entries_.pop_back();
}

std::vector<AccessLogEntry> AccessLog::newest(size_t count) const {
  std::lock_guard lock(mutex_);
  const size_t n = std::min(count, entries_.size());
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

void AccessLog::reset() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

AccessDenials AccessLog::denials() const {
  return {auth_.load(std::memory_order_relaxed), command_.load(std::memory_order_relaxed),
          channel_.load(std::memory_order_relaxed)};
}

}  // namespace ringcast::acl
