// Encodes a published message once, as the exact bytes a subscriber receives.
#pragma once

#include <cstdint>
#include <string_view>

#include "pubsub/frame.h"

namespace ringcast::pubsub {

enum class Kind : uint8_t { Channel, Pattern, ShardChannel };

// A frame plus where, inside it, the name subscribers are registered under
// sits (the channel, or the pattern for pmessage), so a receiving shard can
// look its subscribers up without a copy of the name.
struct MessageFrame {
  Frame* frame = nullptr;
  uint32_t key_offset = 0;
  uint32_t key_size = 0;
  Kind kind = Kind::Channel;
  bool remote = false;   // came from another node (counted in the shard's remote backlog)
  uint64_t version = 0;  // the directory version it was routed at

  std::string_view key() const { return {frame->data() + key_offset, key_size}; }
};

// RESP2 encoding (`*3 message`, `*4 pmessage`, `*3 smessage`); `pattern` is
// used only for Kind::Pattern. The frame starts with `refs` references.
MessageFrame encode_message(Kind kind, std::string_view pattern, std::string_view channel,
                            std::string_view payload, uint32_t refs);

// The RESP3 push variant of a RESP2 message frame: the same bytes with `>`
// for `*`. Starts with one reference.
Frame* push_variant(const Frame& resp2);

}  // namespace ringcast::pubsub
