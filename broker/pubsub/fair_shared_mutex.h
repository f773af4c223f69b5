// A reader-writer lock that hands over in order: writers in arrival order,
// and readers and writers taking turns (Brandenburg and Anderson's
// phase-fair ticket lock, PF-T). std::shared_mutex (glibc's rwlock) lets a
// thread that unlocks and locks again in a loop, as a shard subscribing
// 200,000 names in one command does, keep the lock for hundreds of
// milliseconds while another shard's SUBSCRIBE or PUBLISH waits. Here a
// waiting writer is next once the current writer or readers leave, and a
// waiting reader enters after at most one writer.
//
// A reader costs two atomic increments, as with std::shared_mutex. Waits spin
// briefly, then sleep on the counter (C++20 atomic wait, a futex).
// Meets the SharedMutex requirements: use with std::unique_lock/shared_lock.
#pragma once

#include <atomic>
#include <cstdint>

namespace ringcast::pubsub {

class FairSharedMutex {
 public:
  void lock_shared() {
    const uint32_t writer = rin_.fetch_add(kReader, std::memory_order_acquire) & kWriterBits;
    if (writer == 0) return;
    // A writer is in, or waiting for the readers before us: wait for its phase to end.
    wait_until(rin_, [&](uint32_t v) { return (v & kWriterBits) != writer; });
  }

  void unlock_shared() {
    rout_.fetch_add(kReader, std::memory_order_seq_cst);
    if (writer_waiting_.load(std::memory_order_seq_cst)) rout_.notify_all();
  }

  void lock() {
    const uint32_t ticket = win_.fetch_add(1, std::memory_order_relaxed);
    wait_until(wout_, [&](uint32_t v) { return v == ticket; });
    // Readers arriving from now on wait; those already in are counted by `entered`.
    const uint32_t entered = rin_.fetch_add(kPresent | (ticket & kPhase), std::memory_order_acquire);
    if (rout_.load(std::memory_order_acquire) == entered) return;
    writer_waiting_.store(true, std::memory_order_seq_cst);
    wait_until(rout_, [&](uint32_t v) { return v == entered; });
    writer_waiting_.store(false, std::memory_order_relaxed);
  }

  // Writers holding or waiting for the lock (a snapshot, for tests).
  uint32_t writers_queued() const {
    return win_.load(std::memory_order_acquire) - wout_.load(std::memory_order_acquire);
  }

  void unlock() {
    rin_.fetch_and(~kWriterBits, std::memory_order_release);
    rin_.notify_all();
    wout_.fetch_add(1, std::memory_order_release);
    wout_.notify_all();
  }

 private:
  static constexpr uint32_t kReader = 0x100;  // readers count above the low byte
  static constexpr uint32_t kPresent = 0x2;   // a writer is in or waiting for readers
  static constexpr uint32_t kPhase = 0x1;     // which writer: readers wait for this to change
  static constexpr uint32_t kWriterBits = kPresent | kPhase;

  template <class Done>
  static void wait_until(std::atomic<uint32_t>& word, Done&& done) {
    for (int spin = 0; spin < 128; ++spin) {
      if (done(word.load(std::memory_order_seq_cst))) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    // seq_cst: a writer's loads of rout_ must not pass its store to writer_waiting_.
    for (uint32_t v = word.load(std::memory_order_seq_cst); !done(v); v = word.load(std::memory_order_seq_cst))
      word.wait(v, std::memory_order_seq_cst);
  }

  // Separate lines: readers touch rin_ and rout_, writers all four.
  alignas(64) std::atomic<uint32_t> rin_{0};   // readers in (x kReader) | writer bits
  alignas(64) std::atomic<uint32_t> rout_{0};  // readers out (x kReader)
  alignas(64) std::atomic<uint32_t> win_{0};   // writer tickets taken
  std::atomic<uint32_t> wout_{0};              // writer tickets served
  std::atomic<bool> writer_waiting_{false};    // a writer sleeps on rout_
};

}  // namespace ringcast::pubsub
