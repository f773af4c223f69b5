// The history ring: a power-of-two array of slots that grows by doubling and
// shrinks when three quarters stand empty, so an evicted burst gives its
// memory back; the messages' bytes live in the ring's blocks.
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

void HistoryRing::open_block(size_t bytes, int64_t now_ms) {
  const size_t doubled = std::min<size_t>(kMaxBlockBytes, size_t(last_block_) * 2);
  const size_t size = std::max(bytes, doubled);
  // Full-size blocks in pages of their own, as MessageArena's: an evicted
  // history gives its memory back to the system.
  SharedFrame* frame = size == kMaxBlockBytes ? SharedFrame::create_mapped(size, 1) : SharedFrame::create(size, 1);
  blocks_.push_back(Block{frame, next_offset_, now_ms, 0});
  last_block_ = uint32_t(std::min<size_t>(size, kMaxBlockBytes));
  block_bytes_ += cost(frame);
}

HistoryRing::Appended HistoryRing::append(std::string_view channel, std::string_view payload, uint32_t refs,
                                          int64_t now_ms) {
  const size_t bytes = channel_message_size(channel, payload);
  // A new block when the message does not fit, or when its time is too far
  // from the block's base for a slot (49 days on a quiet channel).
  if (blocks_head_ == blocks_.size() || blocks_.back().used + bytes > blocks_.back().frame->size() ||
      now_ms - blocks_.back().base_ms > int64_t(UINT32_MAX))
    open_block(bytes, now_ms);
  Block& block = blocks_.back();
  const RoutedMessage m = write_channel_message(block.frame, block.used, channel, payload);
  if (refs != 0) block.frame->add_refs(refs);
  block.used += uint32_t(bytes);
  if (size_ == capacity_) resize(capacity_ == 0 ? 4 : capacity_ * 2);
  // A clock that steps back counts as no time passed.
  slots_[(head_ + size_) & (capacity_ - 1)] = Entry{m.begin, uint32_t(std::max<int64_t>(0, now_ms - block.base_ms))};
  ++size_;
  return {next_offset_++, m};
}

size_t HistoryRing::release_front_block() {
  SharedFrame* frame = blocks_[blocks_head_++].frame;
  const size_t freed = cost(frame);
  block_bytes_ -= freed;
  frame->release();
  // Released entries are erased once they are half the list (amortized
  // O(1)), and the list's spare capacity goes when evictions outrun appends.
  if (blocks_head_ * 2 >= blocks_.size()) {
    blocks_.erase(blocks_.begin(), blocks_.begin() + long(blocks_head_));
    blocks_head_ = 0;
    if (blocks_.capacity() > 2 * blocks_.size() + 4) blocks_.shrink_to_fit();
  }
  return freed;
}

size_t HistoryRing::evict_oldest() {
  const uint64_t offset = first_offset();
  head_ = (head_ + 1) & (capacity_ - 1);
  --size_;
  if (capacity_ > 4 && size_ < capacity_ / 4) resize(capacity_ / 2);
  // The block goes with its last message: the next block starts right
  // after it, or there is no message left at all.
  const bool last_of_block =
      size_ == 0 || (blocks_head_ + 1 < blocks_.size() && blocks_[blocks_head_ + 1].first_offset == offset + 1);
  return last_of_block ? release_front_block() : 0;
}

size_t HistoryRing::trim(size_t max_messages, int64_t oldest_kept_ms) {
  size_t freed = 0;
  while (!empty() && ((max_messages != 0 && size_ > max_messages) || oldest_time_ms() < oldest_kept_ms))
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
