// The history ring: a power-of-two array of slots that grows by doubling and
// shrinks when three quarters stand empty, so an evicted burst gives its
// memory back.
#include "pubsub/history_ring.h"

#include <charconv>

namespace ringcast::pubsub {

HistoryRing::~HistoryRing() {
  while (!empty()) evict_oldest();
}

void HistoryRing::resize(size_t capacity) {
  auto slots = std::make_unique<Entry[]>(capacity);
  for (size_t i = 0; i < size_; ++i) slots[i] = at(i);
  slots_ = std::move(slots);
  capacity_ = capacity;
  head_ = 0;
}

uint64_t HistoryRing::append(SharedFrame* frame, uint32_t begin, uint32_t size, int64_t now_ms) {
  if (size_ == capacity_) resize(capacity_ == 0 ? 4 : capacity_ * 2);
  Entry& e = slots_[(head_ + size_) & (capacity_ - 1)];
  e = Entry{frame, begin, size, now_ms};
  ++size_;
  frame_bytes_ += cost(e);
  return next_offset_++;
}

size_t HistoryRing::evict_oldest() {
  Entry& e = at(0);
  const size_t freed = cost(e);
  e.frame->release();
  frame_bytes_ -= freed;
  head_ = (head_ + 1) & (capacity_ - 1);
  --size_;
  if (capacity_ > 4 && size_ < capacity_ / 4) resize(capacity_ / 2);
  return freed;
}

size_t HistoryRing::trim(size_t max_messages, int64_t oldest_kept_ms) {
  size_t freed = 0;
  while (!empty() && ((max_messages != 0 && size_ > max_messages) || at(0).time_ms < oldest_kept_ms))
    freed += evict_oldest();
  return freed;
}

std::string_view message_payload(std::string_view message) {
  // "*3\r\n$7\r\nmessage\r\n$<n>\r\n<channel>\r\n$<m>\r\n<payload>\r\n"
  size_t pos = message.find("\r\n$", message.find("message\r\n"));
  if (pos == std::string_view::npos) return {};
  const auto bulk_at = [&](size_t at, size_t& len) {
    const char* begin = message.data() + at + 1;
    auto [end, ec] = std::from_chars(begin, message.data() + message.size(), len);
    (void)ec;
    return size_t(end - message.data()) + 2;
  };
  size_t len = 0;
  pos = bulk_at(pos + 2, len) + len + 2;  // past the channel
  const size_t start = bulk_at(pos, len);
  return message.substr(start, len);
}

}  // namespace ringcast::pubsub
