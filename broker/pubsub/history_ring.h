// A history channel's retained messages: the very bytes its subscribers
// were sent (RESP2 `message` frames), in offset order, evicted from the
// oldest end by count, age or memory. One stream's ring, owned by the
// stream's shard and touched by that shard's thread only.
//
// Messages are written back to back into blocks the ring owns (one
// reference each), and the fan-out sends slices of those blocks: a retained
// message costs its bytes and an 8-byte slot, no allocation of its own. A
// stream's blocks start at the size of its first message and double up to
// MessageArena's block size, so a channel with a few messages holds little
// more than them, and a busy one a 16 KiB block at a time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "pubsub/routed_message.h"
#include "pubsub/shared_frame.h"

namespace ringcast::pubsub {

class HistoryRing {
 public:
  static constexpr size_t kEntryBytes = 8;
  static constexpr uint32_t kMaxBlockBytes = MessageArena::kBlockSize;

  HistoryRing() = default;
  HistoryRing(const HistoryRing&) = delete;
  HistoryRing& operator=(const HistoryRing&) = delete;
  ~HistoryRing();

  struct Appended {
    uint64_t offset;
    // The message as a slice of its block, with `refs` references added
    // for the caller's fan-out (the ring's own is per block).
    RoutedMessage message;
  };
  // Writes Redis's RESP2 `message` frame of `payload` on `channel` as the
  // message at next_offset().
  Appended append(std::string_view channel, std::string_view payload, uint32_t refs, int64_t now_ms);
  // Drops the oldest message (the ring must not be empty); returns the bytes
  // freed: its block's, when it was the block's last message, else none.
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
  int64_t oldest_time_ms() const { return empty() ? 0 : blocks_[blocks_head_].base_ms + at(0).after_base_ms; }
  // Memory held: the blocks (with their headers), the slots and the block list.
  size_t bytes() const {
    return block_bytes_ + capacity_ * kEntryBytes + blocks_.capacity() * sizeof(Block);
  }

  // Calls visit(offset, message bytes) for each retained message with an
  // offset above `after`, oldest first, at most `count` of them.
  template <class Visit>
  void since(uint64_t after, size_t count, Visit&& visit) const {
    const uint64_t first = first_offset();
    size_t i = after < first ? 0 : size_t(after - first + 1);
    if (i >= size_ || count == 0) return;
    uint64_t offset = first + i;
    // The block holding `offset`: the last one that starts at or before it.
    size_t b = size_t(std::upper_bound(blocks_.begin() + long(blocks_head_), blocks_.end(), offset,
                                       [](uint64_t o, const Block& blk) { return o < blk.first_offset; }) -
                      blocks_.begin()) - 1;
    for (; i < size_ && count > 0; ++i, --count, ++offset) {
      if (b + 1 < blocks_.size() && blocks_[b + 1].first_offset == offset) ++b;
      const uint32_t begin = at(i).begin;
      visit(offset, std::string_view(blocks_[b].frame->data() + begin, end_of(i, b) - begin));
    }
  }

 private:
  // A message's slot: where it starts in its block (its end is where the
  // next one in the block starts, or the block's end of use) and when it
  // was published, after its block's base time.
  struct Entry {
    uint32_t begin;
    uint32_t after_base_ms;
  };
  static_assert(sizeof(Entry) == kEntryBytes);
  struct Block {
    SharedFrame* frame;
    uint64_t first_offset;  // of the first message written into it
    int64_t base_ms;        // its messages' times count from here
    uint32_t used;          // bytes written into it
  };

  const Entry& at(size_t i) const { return slots_[(head_ + i) & (capacity_ - 1)]; }
  Entry& at(size_t i) { return slots_[(head_ + i) & (capacity_ - 1)]; }
  // End of message i, which block b holds. Only a block's first message starts at 0.
  uint32_t end_of(size_t i, size_t b) const {
    return i + 1 < size_ && at(i + 1).begin != 0 ? at(i + 1).begin : blocks_[b].used;
  }
  void resize(size_t capacity);
  // A block for a message of `bytes` published at `now_ms`, at the end of the list.
  void open_block(size_t bytes, int64_t now_ms);
  size_t release_front_block();
  static size_t cost(const SharedFrame* frame) { return sizeof(SharedFrame) + frame->size(); }

  std::unique_ptr<Entry[]> slots_;
  size_t capacity_ = 0;  // a power of two, or 0
  size_t head_ = 0;
  size_t size_ = 0;
  uint64_t next_offset_ = 1;
  // Blocks in offset order from blocks_head_ on (the ones before it are
  // released, erased in bulk); the last one is written into.
  std::vector<Block> blocks_;
  size_t blocks_head_ = 0;
  uint32_t last_block_ = 0;  // size of the last block opened (the next doubles it)
  size_t block_bytes_ = 0;
};

// The payload of a RESP2 `message` frame (its last bulk string).
std::string_view message_payload(std::string_view message);

}  // namespace ringcast::pubsub
