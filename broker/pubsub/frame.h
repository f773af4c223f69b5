// Encoded message bytes shared by every subscriber that receives them.
//
// Ownership: a publishing shard creates a Frame holding one reference per shard
// that will deliver it (itself included) and hands the pointer over through the
// target shards' inboxes. Each shard wraps it in one LocalFrame, whose plain
// counter counts that shard's queued references; only when that counter drops
// to zero does the shard touch the atomic count, once. The last shard to let
// go frees the Frame, from whichever thread that is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <vector>

#include "pubsub/mapped_blocks.h"

namespace ringcast::pubsub {

class Frame {
 public:
  static Frame* create(size_t size, uint32_t refs) {
    void* mem = ::operator new(sizeof(Frame) + size);
    return new (mem) Frame(uint32_t(size), refs, false);
  }
  // A frame in pages of its own (mapped_blocks.h): for arena blocks, whose
  // memory must go back to the system once traffic drops, not stay in a
  // heap fragmented by the small allocations around them.
  static Frame* create_mapped(size_t size, uint32_t refs) {
    return new (mapped_blocks::take(sizeof(Frame) + size)) Frame(uint32_t(size), refs, true);
  }
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

  char* data() { return reinterpret_cast<char*>(this + 1); }
  const char* data() const { return reinterpret_cast<const char*>(this + 1); }
  uint32_t size() const { return size_; }
  std::string_view view() const { return {data(), size_}; }

  void add_refs(uint32_t n) { refs_.fetch_add(n, std::memory_order_relaxed); }
  void release(uint32_t n = 1) {
    if (refs_.fetch_sub(n, std::memory_order_acq_rel) != n) return;
    const bool mapped = mapped_;
    const size_t bytes = sizeof(Frame) + size_;
    this->~Frame();
    if (mapped) {
      mapped_blocks::give_back(this, bytes);
    } else {
      ::operator delete(this);
    }
  }
  uint32_t refs_for_test() const { return refs_.load(); }

 private:
  Frame(uint32_t size, uint32_t refs, bool mapped) : refs_(refs), size_(size), mapped_(mapped) {}
  std::atomic<uint32_t> refs_;
  uint32_t size_;
  bool mapped_;
};

class LocalFramePool;

// One shard's hold on a Frame: counts that shard's queued references.
struct LocalFrame {
  Frame* frame = nullptr;
  uint32_t refs = 0;
  LocalFramePool* pool = nullptr;
  // An arena block holding many messages (MessageArena): queues hold slices
  // of it, and must not keep one alive for long (OutputQueue::complete).
  bool block = false;

  void ref() { ++refs; }
  inline void unref();
  const char* data() const { return frame->data(); }
  uint32_t size() const { return frame->size(); }
};

// Recycles LocalFrame objects so delivering a message allocates nothing per
// subscriber and, after warm-up, nothing per message either.
class LocalFramePool {
 public:
  LocalFramePool() = default;
  LocalFramePool(const LocalFramePool&) = delete;
  LocalFramePool& operator=(const LocalFramePool&) = delete;
  ~LocalFramePool() {
    for (LocalFrame* lf : free_) delete lf;
  }

  // Takes over one of the Frame's references. The result has no queued refs
  // yet: pair every queueing with ref(), and call drop_if_unused() after.
  LocalFrame* adopt(Frame* frame) {
    LocalFrame* lf;
    if (free_.empty()) {
      lf = new LocalFrame;
    } else {
      lf = free_.back();
      free_.pop_back();
    }
    lf->frame = frame;
    lf->refs = 0;
    lf->pool = this;
    lf->block = false;
    ++live_;
    return lf;
  }

  // adopt() for a message that lives in an arena block: consecutive messages
  // of one block share one LocalFrame, so a subscriber's queue can hold a run
  // of them as one slice (the message's own reference is folded into it).
  LocalFrame* adopt_block(Frame* block) {
    if (last_block_ != nullptr && last_block_->frame == block) {
      block->release();  // last_block_ holds one already
      return last_block_;
    }
    LocalFrame* lf = adopt(block);
    lf->block = true;
    last_block_ = lf;
    return lf;
  }

  // Releases a LocalFrame that ended up queued nowhere.
  void drop_if_unused(LocalFrame* lf) {
    if (lf->refs == 0) recycle(lf);
  }

  void recycle(LocalFrame* lf) {
    if (lf == last_block_) last_block_ = nullptr;
    lf->frame->release();
    lf->frame = nullptr;
    --live_;
    free_.push_back(lf);
  }

  size_t live() const { return live_; }

 private:
  std::vector<LocalFrame*> free_;
  size_t live_ = 0;
  LocalFrame* last_block_ = nullptr;
};

inline void LocalFrame::unref() {
  if (--refs == 0) pool->recycle(this);
}

}  // namespace ringcast::pubsub
