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
  if (s.is_frame) {
    s.frame()->unref();
  } else if (!spare_reply_) {
    spare_reply_.reset(s.reply());
    spare_reply_->clear();
  } else {
    delete s.reply();
  }
  head_ = (head_ + 1) & (capacity_ - 1);
  --size_;
}

void OutputQueue::account_tail() const {
  if (!tail_open_) return;
  const size_t now = at(size_ - 1).reply()->size();
  bytes_ += now - tail_accounted_;
  tail_accounted_ = now;
}

size_t OutputQueue::bytes() const {
  account_tail();
  return bytes_ - (size_ == 0 ? 0 : at(0).offset);
}

std::string& OutputQueue::reply_bytes() {
  // An in-flight segment is frozen: its bytes are what the kernel is reading.
  if (tail_open_ && size_ > in_flight_) return *at(size_ - 1).reply();
  account_tail();
  std::string* reply = spare_reply_ ? spare_reply_.release() : new std::string;
  Segment& s = push_back();
  s = Segment{reply, 0, false};
  tail_open_ = true;
  tail_accounted_ = 0;
  return *reply;
}

void OutputQueue::push_frame(pubsub::LocalFrame* frame, bool may_copy) {
  if (may_copy && frame->size() <= copy_frame_max_) {
    reply_bytes().append(frame->data(), frame->size());
    // Counted now, so the limit check on the next delivery sees it.
    bytes_ += frame->size();
    tail_accounted_ += frame->size();
    return;
  }
  account_tail();
  tail_open_ = false;
  frame->ref();
  Segment& s = push_back();
  s = Segment{frame, 0, true};
  bytes_ += frame->size();
}

size_t OutputQueue::prepare(std::vector<iovec>& iov, size_t max_iovecs, size_t max_bytes) {
  assert(in_flight_ == 0);
  account_tail();
  const size_t limit = std::min({size_, max_iovecs, kMaxIovecs});
  iov.resize(limit);
  size_t used = 0, n = 0, offered = 0;
  while (n < limit && (n == 0 || offered < max_bytes)) {
    const Segment& s = at(n++);
    const size_t size = s.size();
    if (size == s.offset) continue;  // an empty reply segment
    iov[used].iov_base = const_cast<char*>(s.data() + s.offset);
    iov[used].iov_len = size - s.offset;
    offered += size - s.offset;
    ++used;
  }
  iov.resize(used);
  in_flight_ = n;
  // The open reply segment is now in flight and frozen; new replies start a new one.
  if (n == size_) tail_open_ = false;
  return used;
}

void OutputQueue::complete(size_t written) {
  for (size_t done = 0; done < in_flight_; ++done) {
    Segment& s = at(0);
    const size_t size = s.size();
    const size_t left = size - s.offset;
    if (written < left) {
      s.offset += uint32_t(written);
      break;
    }
    written -= left;
    bytes_ -= size;
    pop_front();
  }
  in_flight_ = 0;
}

size_t OutputQueue::drop_oldest_frames(size_t bytes) {
  account_tail();
  // Compact in place: segments in flight or already started stay where they
  // are; later ones are kept unless they are frames still to be dropped.
  size_t kept = 0, dropped = 0, freed = 0;
  for (size_t i = 0; i < size_; ++i) {
    Segment s = at(i);
    const bool droppable = i >= in_flight_ && s.is_frame && s.offset == 0;
    if (droppable && freed < bytes) {
      freed += s.frame()->size();
      bytes_ -= s.frame()->size();
      s.frame()->unref();
      ++dropped;
      continue;
    }
    at(kept++) = s;
  }
  size_ = kept;
  if (tail_open_ && (size_ == 0 || at(size_ - 1).is_frame)) tail_open_ = false;
  return dropped;
}

void OutputQueue::clear() {
  while (size_ != 0) pop_front();
  in_flight_ = 0;
  bytes_ = 0;
  tail_accounted_ = 0;
  tail_open_ = false;
}

}  // namespace ringcast::output
