// libFuzzer target for the body of HTTP POST /publish
// (ringcast::http::PublishBodyParser, simdjson + base64_decode).
//
// Input: the request body, any bytes. Checks:
//   - parse() terminates without a sanitizer report, and gives the same
//     result when the same parser parses the same body again (its buffers are
//     reused between requests);
//   - on success, there is at least one item, `is_array` says whether the
//     body was an array, and the items survive a round trip: written back as
//     JSON (channel as an escaped string, message as message_base64, so any
//     bytes) and parsed by a fresh parser, they come back byte for byte;
//   - on failure, the error is one non-empty line a client can be shown.
// The body is an exactly sized heap copy, so ASan reports any read past it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "http/publish_body.h"

namespace {

using ringcast::http::PublishBody;
using ringcast::http::PublishBodyParser;

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
      out += escaped;
    } else {
      out += c;  // simdjson accepted it, so the bytes are valid UTF-8
    }
  }
  return out + "\"";
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string write_back(const PublishBody& body) {
  std::string out = body.is_array ? "[" : "";
  for (size_t i = 0; i < body.items.size(); ++i) {
    if (i != 0) out += ",";
    out += "{\"channel\":" + json_string(body.items[i].channel) + ",\"message_base64\":\"" +
           base64(body.items[i].message) + "\"}";
  }
  return body.is_array ? out + "]" : out;
}

bool same(const PublishBody& a, const PublishBody& b) {
  if (a.is_array != b.is_array || a.items.size() != b.items.size()) return false;
  for (size_t i = 0; i < a.items.size(); ++i)
    if (a.items[i].channel != b.items[i].channel || a.items[i].message != b.items[i].message) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static PublishBodyParser reused;  // as an HTTP thread keeps one across requests
  const fuzz::ExactBuffer body_copy(data, size);
  const std::string_view body = body_copy.view();

  PublishBody first;
  const std::string error = reused.parse(body, first);
  PublishBody again;
  FUZZ_CHECK(reused.parse(body, again) == error);
  if (!error.empty()) {
    FUZZ_CHECK(error.find('\n') == std::string::npos && error.find('\r') == std::string::npos);
    return 0;
  }
  FUZZ_CHECK(same(first, again));
  FUZZ_CHECK(!first.items.empty());
  FUZZ_CHECK(first.is_array || first.items.size() == 1);

  PublishBodyParser fresh;
  PublishBody round_trip;
  const std::string written = write_back(first);
  FUZZ_CHECK(fresh.parse(written, round_trip).empty());
  FUZZ_CHECK(same(first, round_trip));
  return 0;
}
