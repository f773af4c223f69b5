// Writev batching over a connection's output queue.
#include "output/output_queue.h"

#include <algorithm>
#include <cassert>

namespace ringcast::output {

OutputQueue::~OutputQueue() { clear(); }

OutputQueue::Segment& OutputQueue::push_back() {
  if (size_ == capacity_) {
    const size_t grown = capacity_ == 0 ? 8 : capacity_ * 2;
    auto bigger = std::make_unique<Segment[]>(grown);
    for (size_t i = 0; i < size_; ++i) bigger[i] = at(i);
    ring_ = std::move(bigger);
    capacity_ = grown;
    head_ = 0;
  }
  ++size_;
  return at(size_ - 1);
}

void OutputQueue::pop_front() {
  Segment& s = at(0);
  if (s.is_frame()) {
    s.frame()->unref();
  } else if (!spare_reply_) {
    spare_reply_.reset(s.reply());
    spare_reply_->clear();
  } else {
    delete s.reply();
  }
  head_ = (head_ + 1) & (capacity_ - 1);
  --size_;
  front_started_ = false;
}

void OutputQueue::account_tail() const {
  if (!tail_open_) return;
  const size_t now = at(size_ - 1).reply()->size();
  bytes_ += now - tail_accounted_;
  tail_accounted_ = now;
}

size_t OutputQueue::bytes() const {
  account_tail();
  return bytes_;
}

std::string& OutputQueue::reply_bytes() {
  // An in-flight segment is frozen: its bytes are what the kernel is reading.
  if (tail_open_ && size_ > in_flight_) return *at(size_ - 1).reply();
  account_tail();
  std::string* reply = spare_reply_ ? spare_reply_.release() : new std::string;
  Segment& s = push_back();
  s = Segment{reply, 0, kReply};
  tail_open_ = true;
  tail_accounted_ = 0;
  return *reply;
}

void OutputQueue::push_message(pubsub::FrameRef* frame, uint32_t begin, uint32_t size, bool may_copy) {
  if (may_copy) {
    const bool has_open_tail = size_ > in_flight_;
    bool tail_is_slice = false;
    if (has_open_tail) {
      Segment& tail = at(size_ - 1);
      if (tail.ptr == frame && tail.end == begin) {
        tail.end += size;
        bytes_ += size;
        return;
      }
      tail_is_slice = tail.is_frame() && tail.frame()->block;
    }
    // A block's message starts a slice that the block's next messages extend
    // (under fan-out every subscriber gets the same run) when there is
    // nothing to append it to, or when it opens the next block of a run of
    // slices. Otherwise a small message is copied, and once copying, keeps
    // being copied: messages from several shards' blocks interleave, and one
    // growing byte run serves them better than a slice every few messages.
    const bool start_slice = frame->block && (!has_open_tail || (begin == 0 && tail_is_slice));
    if (size <= copy_frame_max_ && !start_slice) {
      reply_bytes().append(frame->data() + begin, size);
      // Counted now, so the limit check on the next delivery sees it.
      bytes_ += size;
      tail_accounted_ += size;
      return;
    }
  }
  account_tail();
  tail_open_ = false;
  frame->ref();
  Segment& s = push_back();
  s = Segment{frame, begin, begin + size};
  bytes_ += size;
}

size_t OutputQueue::prepare(std::vector<iovec>& iov, size_t max_iovecs, size_t max_bytes) {
  assert(in_flight_ == 0);
  account_tail();
  const size_t limit = std::min({size_, max_iovecs, kMaxIovecs});
  iov.resize(limit);
  size_t used = 0, n = 0, offered = 0;
  while (n < limit && (n == 0 || offered < max_bytes)) {
    const Segment& s = at(n++);
    const size_t remaining = s.remaining();
    if (remaining == 0) continue;  // an empty reply segment
    iov[used].iov_base = const_cast<char*>(s.data());
    iov[used].iov_len = remaining;
    offered += remaining;
    ++used;
  }
  iov.resize(used);
  in_flight_ = n;
  // The open reply segment is now in flight and frozen; new replies start a new one.
  if (n == size_) tail_open_ = false;
  return used;
}

void OutputQueue::complete(size_t written) {
  bool short_write = false;
  for (size_t done = 0; done < in_flight_; ++done) {
    Segment& s = at(0);
    const size_t left = s.remaining();
    if (written < left) {
      s.begin += uint32_t(written);
      bytes_ -= written;
      front_started_ = front_started_ || written != 0;
      short_write = true;
      break;
    }
    written -= left;
    bytes_ -= left;
    pop_front();
  }
  in_flight_ = 0;
  if (short_write) copy_out_block_slices();
}

void OutputQueue::copy_out_block_slices() {
  // Only sparse slices: one that covers a good part of its block keeps it
  // alive for its own bytes mostly, and copying it would only give this
  // reader a private copy of what the other subscribers share (under fan-out
  // every slice is dense). Each copy becomes a frame of its own, so what was
  // droppable stays droppable.
  for (size_t i = 0; i < size_; ++i) {
    Segment& s = at(i);
    if (!s.is_frame() || !s.frame()->block || s.remaining() * 4 >= s.frame()->size()) continue;
    const auto size = uint32_t(s.remaining());
    pubsub::FrameRef* own = s.frame()->pool->adopt(pubsub::SharedFrame::copy_of({s.data(), size}));
    own->ref();
    s.frame()->unref();
    s = Segment{own, 0, size};
  }
}

size_t OutputQueue::drop_oldest_frames(size_t bytes) {
  account_tail();
  // Compact in place: segments in flight or already started stay where they
  // are; later ones are kept unless they are frames still to be dropped.
  size_t kept = 0, dropped = 0, freed = 0;
  for (size_t i = 0; i < size_; ++i) {
    Segment s = at(i);
    const bool started = i == 0 && front_started_;
    const bool droppable = i >= in_flight_ && s.is_frame() && !started;
    if (droppable && freed < bytes) {
      freed += s.remaining();
      bytes_ -= s.remaining();
      s.frame()->unref();
      ++dropped;
      continue;
    }
    at(kept++) = s;
  }
  size_ = kept;
  if (tail_open_ && (size_ == 0 || at(size_ - 1).is_frame())) tail_open_ = false;
  return dropped;
}

void OutputQueue::clear() {
  while (size_ != 0) pop_front();
  in_flight_ = 0;
  bytes_ = 0;
  tail_accounted_ = 0;
  tail_open_ = false;
  front_started_ = false;
}

}  // namespace ringcast::output
