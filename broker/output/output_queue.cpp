// Writev batching over a connection's output queue.
#include "output/output_queue.h"

#include <algorithm>
#include <cassert>

namespace ringcast::output {

void OutputQueue::account_tail() const {
  if (!tail_open_) return;
  const Segment& tail = segments_.back();
  bytes_ += tail.own.size() - tail_accounted_;
  tail_accounted_ = tail.own.size();
}

size_t OutputQueue::bytes() const {
  account_tail();
  size_t written_of_first = segments_.empty() ? 0 : segments_.front().offset;
  return bytes_ - written_of_first;
}

std::string& OutputQueue::reply_bytes() {
  // An in-flight segment is frozen: its bytes are what the kernel is reading.
  if (tail_open_ && segments_.size() > in_flight_) return segments_.back().own;
  account_tail();
  segments_.emplace_back();
  tail_open_ = true;
  tail_accounted_ = 0;
  return segments_.back().own;
}

void OutputQueue::push_frame(pubsub::LocalFrame* frame) {
  account_tail();
  tail_open_ = false;
  frame->ref();
  Segment& s = segments_.emplace_back();
  s.frame = frame;
  bytes_ += frame->size();
}

size_t OutputQueue::prepare(std::vector<iovec>& iov, size_t max_iovecs) {
  assert(in_flight_ == 0);
  account_tail();
  const size_t n = std::min({segments_.size(), max_iovecs, kMaxIovecs});
  iov.resize(n);
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    Segment& s = segments_[i];
    if (s.size() == s.offset) continue;  // an empty reply segment
    iov[used].iov_base = const_cast<char*>(s.data() + s.offset);
    iov[used].iov_len = s.size() - s.offset;
    ++used;
  }
  iov.resize(used);
  in_flight_ = n;
  // The open reply segment is now in flight and frozen; new replies start a new one.
  if (n == segments_.size()) tail_open_ = false;
  return used;
}

void OutputQueue::complete(size_t written) {
  size_t done = 0;
  while (done < in_flight_) {
    Segment& s = segments_.front();
    const size_t left = s.size() - s.offset;
    if (written < left) {
      s.offset += uint32_t(written);
      break;
    }
    written -= left;
    bytes_ -= s.size();
    release(s);
    segments_.pop_front();
    ++done;
  }
  in_flight_ = 0;
}

void OutputQueue::clear() {
  for (Segment& s : segments_) release(s);
  segments_.clear();
  in_flight_ = 0;
  bytes_ = 0;
  tail_accounted_ = 0;
  tail_open_ = false;
}

}  // namespace ringcast::output
