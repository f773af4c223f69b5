// Incremental parser for client requests: RESP multibulk and inline commands.
// It knows nothing of sockets, shards or commands; it reports what it found.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ringcast::resp {

enum class ParseStatus : uint8_t {
  Ok,        // one request parsed; consumed() bytes used (args() may be empty: skip it)
  NeedMore,  // incomplete; retry once the buffer holds at least bytes_needed()
  Error,     // protocol error; error_message() is Redis's text, the connection must close
};

enum class ProtocolError : uint8_t {
  None,
  InvalidMultibulkLength,  // "Protocol error: invalid multibulk length"
  InvalidBulkLength,       // "Protocol error: invalid bulk length"
  ExpectedDollar,          // "Protocol error: expected '$', got 'X'"
  TooBigInlineRequest,     // "Protocol error: too big inline request"
  TooBigMbulkCount,        // "Protocol error: too big mbulk count string"
  TooBigBulkCount,         // "Protocol error: too big bulk count string"
  UnbalancedQuotes,        // "Protocol error: unbalanced quotes in request"
  UnauthenticatedMultibulkLength,  // "Protocol error: unauthenticated multibulk length"
  UnauthenticatedBulkLength,       // "Protocol error: unauthenticated bulk length"
};

struct ParseLimits {
  uint64_t max_bulk_len = 512ull * 1024 * 1024;  // Redis proto-max-bulk-len
  uint64_t max_multibulk_len = 1024 * 1024;      // argument count
  size_t inline_max = 64 * 1024;                 // Redis PROTO_INLINE_MAX_SIZE
};

// Redis 6.2.6+: a client that has not authenticated may send no multibulk
// of more than 10 arguments and no bulk of more than 16 KiB.
inline constexpr int64_t kUnauthenticatedMaxMultibulk = 10;
inline constexpr int64_t kUnauthenticatedMaxBulk = 16384;

// Where an incomplete multibulk request stopped. Kept by the caller (one per
// connection) and passed back with the same request grown by new bytes, so
// parsing resumes at the element it stopped at instead of re-reading every
// argument: a request of a million small arguments trickling in stays linear.
struct ParseProgress {
  size_t next = 0;        // offset of the first unread element (0: nothing saved)
  int64_t count = 0;      // elements in the request
  std::vector<std::pair<size_t, size_t>> args;  // offset and length of those read
  void reset() {
    next = 0;
    args.clear();
  }
};

class RequestParser {
 public:
  explicit RequestParser(ParseLimits limits = {}) : limits_(limits) {}

  // Parses one request from the front of `buf`. Without `progress` an
  // incomplete request is parsed again from its start once more bytes
  // arrived (bytes_needed() says when that is useful). With it, `buf` must
  // start with the same request as on the call that saved it. A client not
  // `authenticated` yet is held to Redis's small pre-authentication limits.
  ParseStatus parse(std::string_view buf, ParseProgress* progress = nullptr, bool authenticated = true);

  // Ok: bytes of `buf` the request occupied (including its trailing CRLF).
  size_t consumed() const { return consumed_; }
  // NeedMore: the smallest total buffer size at which parse() can progress
  // (always > the size just given). For a large bulk this is its whole end.
  size_t bytes_needed() const { return needed_; }
  // Ok: the arguments. Multibulk arguments point into `buf`; inline ones may
  // point into the parser's own storage. Valid until the next parse() and only
  // while `buf` is alive and unchanged.
  std::span<const std::string_view> args() const { return args_; }
  // Error: what went wrong, and Redis's reply text for it (without "-ERR ").
  ProtocolError error() const { return error_; }
  std::string error_message() const;

  const ParseLimits& limits() const { return limits_; }
  void set_limits(const ParseLimits& limits) { limits_ = limits; }

 private:
  ParseStatus parse_multibulk(std::string_view buf, ParseProgress* progress, bool authenticated);
  ParseStatus parse_inline(std::string_view buf);
  ParseStatus fail(ProtocolError e, char got = 0);
  ParseStatus need_more(size_t total);
  ParseStatus no_line_end(std::string_view buf, size_t line_start, ProtocolError too_big,
                          bool stalled);
  bool split_inline(std::string_view line);
  static void save_progress(ParseProgress* progress, size_t next, int64_t count);

  ParseLimits limits_;
  size_t consumed_ = 0;
  size_t needed_ = 0;
  ProtocolError error_ = ProtocolError::None;
  char error_got_ = 0;
  std::vector<std::string_view> args_;
  std::vector<std::pair<size_t, size_t>> offsets_;  // arguments of the request being parsed
  std::vector<std::string> inline_storage_;
};

}  // namespace ringcast::resp
