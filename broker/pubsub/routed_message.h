// Encodes a published message once, as the exact bytes a subscriber receives.
#pragma once

#include <cstdint>
#include <string_view>

#include "pubsub/shared_frame.h"

namespace ringcast::pubsub {

enum class Kind : uint8_t { Channel, Pattern, ShardChannel };

// A message's bytes (`size` bytes at `begin` in `frame`: the whole frame, or
// a slice of an arena block) plus where in them the name subscribers are
// registered under sits (the channel, or the pattern for pmessage), so a
// receiving shard can look its subscribers up without a copy of the name.
struct RoutedMessage {
  SharedFrame* frame = nullptr;
  uint32_t begin = 0;
  uint32_t size = 0;
  uint32_t key_offset = 0;  // from begin
  uint32_t key_size = 0;
  Kind kind = Kind::Channel;
  bool remote = false;    // came from another node (counted in the shard's remote backlog)
  bool in_block = false;  // frame is a MessageArena block shared with other messages
  // From another node, on a history channel: for the shard that owns its
  // stream to number and retain, and send to RESUME subscribers; the
  // directory's subscribers got their own copy (cluster/remote_delivery.h).
  bool to_number = false;
  uint64_t version = 0;   // the directory version it was routed at
  // The client that published it, when that client asked not to hear its
  // own messages (CLIENT NO-ECHO); 0 otherwise, which costs delivery nothing.
  uint64_t publisher = 0;

  std::string_view bytes() const { return {frame->data() + begin, size}; }
  std::string_view key() const { return {frame->data() + begin + key_offset, key_size}; }
};

// RESP2 encoding (`*3 message`, `*4 pmessage`, `*3 smessage`); `pattern` is
// used only for Kind::Pattern. The frame starts with `refs` references.
RoutedMessage encode_message(Kind kind, std::string_view pattern, std::string_view channel,
                             std::string_view payload, uint32_t refs);

// The size of encode_message()'s frame for a Kind::Channel message.
size_t channel_message_size(std::string_view channel, std::string_view payload);
// Writes that frame into `frame` at `begin` (channel_message_size() bytes
// must fit there) and returns it as a slice of `frame`, marked in_block;
// references are the caller's business.
RoutedMessage write_channel_message(SharedFrame* frame, uint32_t begin, std::string_view channel,
                                    std::string_view payload);

// A message of a RESUME subscription: Redis's `message` with the offset
// appended (`*4 message channel payload :offset`), so code that reads the
// channel and payload where Redis puts them still works. One reference.
SharedFrame* encode_offset_message(std::string_view channel, std::string_view payload, uint64_t offset);

// The RESP3 push variant of a RESP2 message: the same bytes with `>` for
// `*`, in a frame of its own with one reference.
SharedFrame* push_variant(std::string_view resp2);

// Encodes a shard's consecutive small messages back to back in shared
// blocks, so a subscriber receiving a run of them gets one slice, written
// with one iovec and copied by nobody (output/output_queue.h). Larger
// messages get a frame of their own, as encode_message gives.
class MessageArena {
 public:
  // Blocks are small enough that a subscriber holding one message of a
  // block keeps little else alive, large enough for ~100 small messages;
  // with the frame's header, four pages.
  static constexpr uint32_t kBlockSize = 16 * 1024 - 64;
  static constexpr uint32_t kMaxMessage = 512;

  MessageArena() = default;
  MessageArena(const MessageArena&) = delete;
  MessageArena& operator=(const MessageArena&) = delete;
  ~MessageArena();

  // As encode_message: the result carries `refs` references to its frame.
  RoutedMessage encode(Kind kind, std::string_view pattern, std::string_view channel, std::string_view payload,
                      uint32_t refs);

 private:
  SharedFrame* block_ = nullptr;  // holds one reference of its own until full
  uint32_t used_ = 0;
};

}  // namespace ringcast::pubsub
