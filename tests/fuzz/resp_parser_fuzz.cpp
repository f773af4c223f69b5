// libFuzzer target for ringcast::resp::RequestParser.
//
// The input is a byte stream from a client. It is parsed several ways, each
// with the broker's limits and with tight limits derived from the input:
//   whole  all bytes in one buffer, without a ParseProgress (the reference);
//   split  the bytes up to a position derived from the first byte, then the
//          rest (two reads), once without and once with a ParseProgress;
//   drip   one byte at a time, retrying a NeedMore only once the buffer holds
//          bytes_needed() bytes, with a ParseProgress kept across calls, as
//          Shard::execute_requests() does for a connection.
// All must produce the same requests (and the same final error), and every
// single parse() must keep the contract in request_parser.h. Every buffer
// handed to the parser is an exactly sized heap copy, so ASan reports any
// read past its end.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "resp/request_parser.h"
#include "fuzz_check.h"

namespace {

using ringcast::resp::ParseLimits;
using ringcast::resp::ParseProgress;
using ringcast::resp::ParseStatus;
using ringcast::resp::ProtocolError;
using ringcast::resp::RequestParser;

struct Request {
  size_t offset = 0;  // where in the stream it started
  size_t consumed = 0;
  std::vector<std::string> args;
  bool operator==(const Request&) const = default;
};

struct Trace {
  std::vector<Request> requests;
  size_t end_offset = 0;           // stream offset of the final state
  bool ended_in_error = false;     // else: everything parsed, or NeedMore at end_offset
  ProtocolError error = ProtocolError::None;
  std::string error_message;
  bool operator==(const Trace&) const = default;
};

bool overlaps(const char* a, size_t a_len, const char* b, size_t b_len) {
  const auto a0 = reinterpret_cast<uintptr_t>(a);
  const auto b0 = reinterpret_cast<uintptr_t>(b);
  return a_len != 0 && b_len != 0 && a0 < b0 + b_len && b0 < a0 + a_len;
}

// The args of an Ok, checked and copied out (the copy reads every byte).
std::vector<std::string> checked_args(const RequestParser& parser, std::string_view buf) {
  std::vector<std::string> out;
  for (std::string_view arg : parser.args()) {
    if (arg.empty()) {
      out.emplace_back();
      continue;
    }
    FUZZ_CHECK(arg.data() != nullptr);
    if (overlaps(arg.data(), arg.size(), buf.data(), buf.size())) {
      // Inside the buffer: then wholly inside the bytes the request used.
      FUZZ_CHECK(arg.data() >= buf.data());
      FUZZ_CHECK(arg.data() + arg.size() <= buf.data() + parser.consumed());
    } else {
      // Not in the buffer: only inline requests copy into the parser's storage.
      FUZZ_CHECK(buf[0] != '*');
    }
    out.emplace_back(arg);
  }
  return out;
}

// One parse() of `buf`, checked against the contract.
ParseStatus checked_parse(RequestParser& parser, std::string_view buf, ParseProgress* progress = nullptr) {
  const ParseStatus status = parser.parse(buf, progress);
  if (progress != nullptr) {
    if (status != ParseStatus::NeedMore) {
      // A finished request leaves nothing behind for the next one.
      FUZZ_CHECK(progress->next == 0);
      FUZZ_CHECK(progress->args.empty());
    } else if (progress->next != 0) {
      // Saved arguments lie before the saved position, inside this buffer.
      FUZZ_CHECK(buf[0] == '*');
      FUZZ_CHECK(progress->next <= buf.size());
      FUZZ_CHECK(progress->count > 0 && static_cast<uint64_t>(progress->count) > progress->args.size());
      for (const auto& [offset, len] : progress->args) {
        FUZZ_CHECK(offset <= progress->next && len <= progress->next - offset);
      }
    }
  }
  switch (status) {
    case ParseStatus::Ok:
      // Ok with consumed() == 0 would make the broker's loop spin forever,
      // whether or not the request has arguments.
      FUZZ_CHECK(parser.consumed() > 0);
      FUZZ_CHECK(parser.consumed() <= buf.size());
      FUZZ_CHECK(parser.error() == ProtocolError::None);
      break;
    case ParseStatus::NeedMore:
      FUZZ_CHECK(parser.bytes_needed() > buf.size());
      FUZZ_CHECK(parser.error() == ProtocolError::None);
      break;
    case ParseStatus::Error: {
      FUZZ_CHECK(parser.error() != ProtocolError::None);
      const std::string message = parser.error_message();
      FUZZ_CHECK(message.starts_with("Protocol error: "));
      // It goes out as a one-line error reply.
      FUZZ_CHECK(message.find_first_of("\r\n") == std::string::npos);
      break;
    }
    default:
      FUZZ_CHECK(!"unknown ParseStatus");
  }
  return status;
}

bool is_too_big(ProtocolError e) {
  return e == ProtocolError::TooBigInlineRequest || e == ProtocolError::TooBigMbulkCount ||
         e == ProtocolError::TooBigBulkCount;
}

enum class Feed { Whole, Split, Drip };

Trace run(const uint8_t* data, size_t size, Feed feed, size_t split, bool resume, const ParseLimits& limits) {
  RequestParser parser(limits);
  RequestParser truncated_parser(limits);
  ParseProgress progress_store;
  ParseProgress* const progress = resume ? &progress_store : nullptr;
  Trace trace;
  size_t pos = 0;    // stream offset of the unparsed bytes
  size_t avail = 0;  // stream bytes received so far
  size_t need = 1;   // buffered bytes (from pos) worth a parse() attempt
  switch (feed) {
    case Feed::Whole: avail = size; break;
    case Feed::Split: avail = split; break;
    case Feed::Drip: avail = size == 0 ? 0 : 1; break;
  }
  while (true) {
    if (avail - pos < need) {
      if (avail == size) break;  // all bytes are in: done, or NeedMore at pos
      avail = feed == Feed::Drip ? std::min(size, pos + need) : size;
      continue;
    }
    const fuzz::ExactBuffer buffer(data + pos, avail - pos);
    const std::string_view buf = buffer.view();
    const ParseStatus status = checked_parse(parser, buf, progress);
    if (status == ParseStatus::NeedMore) {
      need = parser.bytes_needed();
      continue;
    }
    if (status == ParseStatus::Error) {
      // A line is only too big once more than inline_max bytes are buffered.
      if (is_too_big(parser.error())) FUZZ_CHECK(buf.size() > limits.inline_max);
      trace.ended_in_error = true;
      trace.error = parser.error();
      trace.error_message = parser.error_message();
      break;
    }
    Request request{pos, parser.consumed(), checked_args(parser, buf)};
    // The request is decided by the bytes it used: parsing exactly those
    // gives the same result.
    const fuzz::ExactBuffer exact(data + pos, parser.consumed());
    FUZZ_CHECK(checked_parse(truncated_parser, exact.view()) == ParseStatus::Ok);
    FUZZ_CHECK(truncated_parser.consumed() == parser.consumed());
    FUZZ_CHECK(checked_args(truncated_parser, exact.view()) == request.args);

    pos += parser.consumed();
    need = 1;
    trace.requests.push_back(std::move(request));
  }
  trace.end_offset = pos;
  return trace;
}

void print_escaped(std::string_view bytes) {
  for (const char ch : bytes) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7f && u != '\\' && u != '"') {
      std::fputc(u, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", u);
    }
  }
}

void print_trace(const char* name, const Trace& trace) {
  std::fprintf(stderr, "  %s:\n", name);
  for (const Request& r : trace.requests) {
    std::fprintf(stderr, "    Ok at %zu, consumed %zu:", r.offset, r.consumed);
    for (const std::string& arg : r.args) {
      std::fputs(" \"", stderr);
      print_escaped(arg);
      std::fputc('"', stderr);
    }
    std::fputc('\n', stderr);
  }
  if (trace.ended_in_error) {
    std::fprintf(stderr, "    Error at %zu: %s\n", trace.end_offset, trace.error_message.c_str());
  } else {
    std::fprintf(stderr, "    %s at %zu\n", "end (all parsed, or NeedMore)", trace.end_offset);
  }
}

void check_same(const Trace& whole, const Trace& other, const char* other_name, const ParseLimits& limits,
                const char* file, int line) {
  if (other == whole) return;
  // Redis gives up on a line without its end once more than inline_max bytes
  // are buffered, so a "too big" error may end a fragmented stream that one
  // large read parses further, or leaves waiting (a header line whose '\r' is
  // the last byte waits with no size check). That is the only difference
  // allowed; run() checked that the error came with > inline_max bytes.
  if (other.ended_in_error && is_too_big(other.error) && other.requests.size() <= whole.requests.size() &&
      std::equal(other.requests.begin(), other.requests.end(), whole.requests.begin()) &&
      whole.end_offset >= other.end_offset) {
    return;
  }
  std::fprintf(stderr, "\nresp_parser_fuzz: feeding the stream %s changed the result (limits: max_bulk_len %llu, "
               "max_multibulk_len %llu, inline_max %zu)\n", other_name,
               static_cast<unsigned long long>(limits.max_bulk_len),
               static_cast<unsigned long long>(limits.max_multibulk_len), limits.inline_max);
  print_trace("whole", whole);
  print_trace(other_name, other);
  fuzz::violation("split/drip and whole runs agree", file, line);
}

void check_stream(const uint8_t* data, size_t size, const ParseLimits& limits) {
  const Trace whole = run(data, size, Feed::Whole, 0, false, limits);
  const size_t split = size == 0 ? 0 : (data[0] * 131u + size * 7u) % (size + 1);
  check_same(whole, run(data, size, Feed::Split, split, false, limits), "split", limits, __FILE__, __LINE__);
  check_same(whole, run(data, size, Feed::Split, split, true, limits), "split, resumed with ParseProgress", limits,
             __FILE__, __LINE__);
  check_same(whole, run(data, size, Feed::Drip, 0, true, limits), "drip, resumed with ParseProgress", limits,
             __FILE__, __LINE__);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The broker's limits (shard_loop.cpp), with max_bulk_len at its default.
  check_stream(data, size, ParseLimits{});
  // Tight limits so that the size checks are reached by short inputs; the
  // last byte picks them, which mutations can change without disturbing the
  // requests before it.
  const uint8_t knob = size == 0 ? 0 : data[size - 1];
  ParseLimits tight;
  tight.max_bulk_len = 1 + knob % 23;
  tight.max_multibulk_len = 1 + (knob / 23) % 5;
  tight.inline_max = 1 + knob % 37;
  check_stream(data, size, tight);
  return 0;
}
