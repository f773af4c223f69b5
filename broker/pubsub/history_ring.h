// A history channel's retained messages: the very frames its subscribers
// were sent (RESP2 `message` bytes), in offset order, evicted from the
// oldest end by count, age or memory. One stream's ring, owned by the
// stream's shard and touched by that shard's thread only; it holds one
// reference on each frame it keeps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "pubsub/shared_frame.h"

namespace ringcast::pubsub {

class HistoryRing {
 public:
  // What one retained message costs besides its frame's bytes: the ring
  // slot and the frame's header.
  static constexpr size_t kEntryBytes = 24;
  static constexpr size_t kOverheadBytes = kEntryBytes + sizeof(SharedFrame);

  HistoryRing() = default;
  HistoryRing(const HistoryRing&) = delete;
  HistoryRing& operator=(const HistoryRing&) = delete;
  ~HistoryRing();

  // Keeps `size` bytes at `begin` of `frame` (a whole RESP2 message) as the
  // message at next_offset(), taking over one of the frame's references.
  // Returns its offset.
  uint64_t append(SharedFrame* frame, uint32_t begin, uint32_t size, int64_t now_ms);
  // Drops the oldest message (the ring must not be empty); returns the bytes freed.
  size_t evict_oldest();
  // Drops the oldest messages past `max_messages` (0: no count limit) and
  // those published before `oldest_kept_ms`; returns the bytes freed.
  size_t trim(size_t max_messages, int64_t oldest_kept_ms);

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // Offset of the oldest message retained (next_offset() when none is).
  uint64_t first_offset() const { return next_offset_ - size_; }
  // Offset the next append() gets: 1 for a new ring.
  uint64_t next_offset() const { return next_offset_; }
  int64_t oldest_time_ms() const { return empty() ? 0 : at(0).time_ms; }
  // Memory held: frames, their headers and the ring's slots.
  size_t bytes() const { return frame_bytes_ + capacity_ * kEntryBytes; }

  // Calls visit(offset, message bytes) for each retained message with an
  // offset above `after`, oldest first, at most `count` of them.
  template <class Visit>
  void since(uint64_t after, size_t count, Visit&& visit) const {
    const uint64_t first = first_offset();
    size_t i = after < first ? 0 : size_t(after - first + 1);
    for (; i < size_ && count > 0; ++i, --count) {
      const Entry& e = at(i);
      visit(first + i, std::string_view(e.frame->data() + e.begin, e.size));
    }
  }

 private:
  struct Entry {
    SharedFrame* frame;
    uint32_t begin;
    uint32_t size;
    int64_t time_ms;
  };
  static_assert(sizeof(Entry) == kEntryBytes);

  const Entry& at(size_t i) const { return slots_[(head_ + i) & (capacity_ - 1)]; }
  Entry& at(size_t i) { return slots_[(head_ + i) & (capacity_ - 1)]; }
  void resize(size_t capacity);
  static size_t cost(const Entry& e) { return sizeof(SharedFrame) + e.size; }

  std::unique_ptr<Entry[]> slots_;
  size_t capacity_ = 0;  // a power of two, or 0
  size_t head_ = 0;
  size_t size_ = 0;
  uint64_t next_offset_ = 1;
  size_t frame_bytes_ = 0;
};

// The payload of a RESP2 `message` frame (its last bulk string).
std::string_view message_payload(std::string_view message);

}  // namespace ringcast::pubsub
