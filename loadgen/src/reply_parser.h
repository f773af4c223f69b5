// Incremental RESP2/RESP3 reply parser for the subset a pub/sub client needs:
// integers, simple strings, errors, and message/pmessage/smessage/subscribe
// frames as RESP2 arrays or RESP3 pushes. Anything else is skipped as kOther.
// Knows nothing of sockets: give it bytes, it says how many it consumed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ringcast::loadgen {

enum class ReplyKind : uint8_t {
  kInteger,         // :N
  kSimple,          // +OK
  kError,           // -ERR ... or RESP3 !blob error
  kMessage,         // [message, channel, payload], or ringcast's [message, channel, payload, :offset]
  kPMessage,        // [pmessage, pattern, channel, payload]
  kSMessage,        // [smessage, channel, payload]
  kSubscribeAck,    // [subscribe|psubscribe|ssubscribe, name, count]
  kUnsubscribeAck,  // [unsubscribe|punsubscribe|sunsubscribe, name|nil, count]
  kPong,            // +PONG or [pong, ""]
  kResumeAck,       // ringcast's [resume, channel, count, recovered, epoch, next offset]
  kOther,           // any other well-formed value (HELLO map, bulk string, ...)
};

// Views point into the parsed buffer and stay valid while it is unchanged.
struct Reply {
  ReplyKind kind = ReplyKind::kOther;
  int64_t integer = 0;    // kInteger value; ack subscription count
  std::string_view text;  // simple string / error text; ack kind name
  std::string_view channel;
  std::string_view pattern;
  std::string_view payload;
  // A RESUME subscription's message: its offset (0: a plain Redis message).
  // kResumeAck: recovered (0|1), the stream's epoch and next offset.
  uint64_t offset = 0;
  bool recovered = false;
  uint64_t epoch = 0;
  uint64_t next_offset = 0;
};

enum class ParseStatus : uint8_t { kOk, kNeedMore, kProtocolError };

struct ParseResult {
  ParseStatus status;
  size_t consumed;  // bytes of one complete value when kOk, else 0
};

// Parses exactly one value from the front of [data, data+len).
ParseResult parse_reply(const char* data, size_t len, Reply& out);

}  // namespace ringcast::loadgen
