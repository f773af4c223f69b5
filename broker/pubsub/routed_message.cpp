// Message frame encoding: one allocation, one pass, no intermediate strings.
#include "pubsub/routed_message.h"

#include <charconv>
#include <cstring>

namespace ringcast::pubsub {
namespace {

size_t digits(size_t n) {
  size_t d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

size_t bulk_size(size_t n) { return 1 + digits(n) + 2 + n + 2; }

char* put_bulk(char* p, std::string_view s) {
  *p++ = '$';
  p = std::to_chars(p, p + 20, s.size()).ptr;
  *p++ = '\r';
  *p++ = '\n';
  std::memcpy(p, s.data(), s.size());
  p += s.size();
  *p++ = '\r';
  *p++ = '\n';
  return p;
}

struct Layout {
  std::string_view head;
  size_t size;
};

Layout layout(Kind kind, std::string_view pattern, std::string_view channel, std::string_view payload) {
  std::string_view head;
  switch (kind) {
    case Kind::Channel: head = "*3\r\n$7\r\nmessage\r\n"; break;
    case Kind::Pattern: head = "*4\r\n$8\r\npmessage\r\n"; break;
    case Kind::ShardChannel: head = "*3\r\n$8\r\nsmessage\r\n"; break;
  }
  size_t size = head.size() + bulk_size(channel.size()) + bulk_size(payload.size());
  if (kind == Kind::Pattern) size += bulk_size(pattern.size());
  return {head, size};
}

// Writes the message at `p`; sets the key fields of `m`.
void write_message(char* p, const Layout& l, RoutedMessage& m, std::string_view pattern, std::string_view channel,
                   std::string_view payload) {
  const bool with_pattern = m.kind == Kind::Pattern;
  std::memcpy(p, l.head.data(), l.head.size());
  p += l.head.size();
  const std::string_view key = with_pattern ? pattern : channel;
  m.key_offset = uint32_t(l.head.size() + 1 + digits(key.size()) + 2);
  m.key_size = uint32_t(key.size());
  if (with_pattern) p = put_bulk(p, pattern);
  p = put_bulk(p, channel);
  put_bulk(p, payload);
}

}  // namespace

RoutedMessage encode_message(Kind kind, std::string_view pattern, std::string_view channel,
                             std::string_view payload, uint32_t refs) {
  const Layout l = layout(kind, pattern, channel, payload);
  RoutedMessage m;
  m.kind = kind;
  m.frame = SharedFrame::create(l.size, refs);
  m.size = uint32_t(l.size);
  write_message(m.frame->data(), l, m, pattern, channel, payload);
  return m;
}

size_t channel_message_size(std::string_view channel, std::string_view payload) {
  return layout(Kind::Channel, {}, channel, payload).size;
}

RoutedMessage write_channel_message(SharedFrame* frame, uint32_t begin, std::string_view channel,
                                    std::string_view payload) {
  const Layout l = layout(Kind::Channel, {}, channel, payload);
  RoutedMessage m;
  m.frame = frame;
  m.begin = begin;
  m.size = uint32_t(l.size);
  m.in_block = true;
  write_message(frame->data() + begin, l, m, {}, channel, payload);
  return m;
}

MessageArena::~MessageArena() {
  if (block_ != nullptr) block_->release();
}

RoutedMessage MessageArena::encode(Kind kind, std::string_view pattern, std::string_view channel,
                                  std::string_view payload, uint32_t refs) {
  const Layout l = layout(kind, pattern, channel, payload);
  if (l.size > kMaxMessage) return encode_message(kind, pattern, channel, payload, refs);
  if (block_ == nullptr || used_ + l.size > kBlockSize) {
    if (block_ != nullptr) block_->release();
    block_ = SharedFrame::create_mapped(kBlockSize, 1);
    used_ = 0;
  }
  block_->add_refs(refs);
  RoutedMessage m;
  m.kind = kind;
  m.frame = block_;
  m.begin = used_;
  m.size = uint32_t(l.size);
  m.in_block = true;
  write_message(block_->data() + used_, l, m, pattern, channel, payload);
  used_ += uint32_t(l.size);
  return m;
}

SharedFrame* encode_offset_message(std::string_view channel, std::string_view payload, uint64_t offset) {
  constexpr std::string_view kHead = "*4\r\n$7\r\nmessage\r\n";
  char number[24];
  const size_t digits_len = size_t(std::to_chars(number, number + sizeof number, offset).ptr - number);
  const size_t size = kHead.size() + bulk_size(channel.size()) + bulk_size(payload.size()) + 1 + digits_len + 2;
  SharedFrame* f = SharedFrame::create(size, 1);
  char* p = f->data();
  std::memcpy(p, kHead.data(), kHead.size());
  p = put_bulk(p + kHead.size(), channel);
  p = put_bulk(p, payload);
  *p++ = ':';
  std::memcpy(p, number, digits_len);
  p += digits_len;
  *p++ = '\r';
  *p = '\n';
  return f;
}

SharedFrame* push_variant(std::string_view resp2) {
  SharedFrame* f = SharedFrame::copy_of(resp2);
  f->data()[0] = '>';
  return f;
}

}  // namespace ringcast::pubsub
