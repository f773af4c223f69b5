// maxclients accounting and client ids, shared by every shard (atomics).
#pragma once

#include <atomic>
#include <cstdint>

namespace ringcast {

class ClientAdmission {
 public:
  explicit ClientAdmission(uint32_t maxclients) : maxclients_(maxclients) {}

  // False when the new client must be refused (counted as rejected).
  bool admit() {
    total_.fetch_add(1, std::memory_order_relaxed);
    if (clients_.fetch_add(1, std::memory_order_relaxed) >= maxclients()) {
      clients_.fetch_sub(1, std::memory_order_relaxed);
      rejected_.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  void gone() { clients_.fetch_sub(1, std::memory_order_relaxed); }
  void set_maxclients(uint32_t n) { maxclients_.store(n, std::memory_order_relaxed); }
  uint64_t next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  uint32_t clients() const { return clients_.load(std::memory_order_relaxed); }
  uint32_t maxclients() const { return maxclients_.load(std::memory_order_relaxed); }
  uint64_t total() const { return total_.load(std::memory_order_relaxed); }
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint32_t> clients_{0};
  std::atomic<uint32_t> maxclients_;
  std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace ringcast
