// Message frame encoding: one allocation, one pass, no intermediate strings.
#include "pubsub/message_frame.h"

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

}  // namespace

MessageFrame encode_message(Kind kind, std::string_view pattern, std::string_view channel,
                            std::string_view payload, uint32_t refs) {
  std::string_view head;
  switch (kind) {
    case Kind::Channel: head = "*3\r\n$7\r\nmessage\r\n"; break;
    case Kind::Pattern: head = "*4\r\n$8\r\npmessage\r\n"; break;
    case Kind::ShardChannel: head = "*3\r\n$8\r\nsmessage\r\n"; break;
  }
  const bool with_pattern = kind == Kind::Pattern;
  size_t size = head.size() + bulk_size(channel.size()) + bulk_size(payload.size());
  if (with_pattern) size += bulk_size(pattern.size());

  MessageFrame m;
  m.kind = kind;
  m.frame = Frame::create(size, refs);
  char* p = m.frame->data();
  std::memcpy(p, head.data(), head.size());
  p += head.size();
  const std::string_view key = with_pattern ? pattern : channel;
  m.key_offset = uint32_t(head.size() + 1 + digits(key.size()) + 2);
  m.key_size = uint32_t(key.size());
  if (with_pattern) p = put_bulk(p, pattern);
  p = put_bulk(p, channel);
  put_bulk(p, payload);
  return m;
}

Frame* push_variant(const Frame& resp2) {
  Frame* f = Frame::create(resp2.size(), 1);
  std::memcpy(f->data(), resp2.data(), resp2.size());
  f->data()[0] = '>';
  return f;
}

}  // namespace ringcast::pubsub
