// Writing JSON text by hand: string escaping that always yields valid UTF-8,
// shared by the HTTP replies and the JSON-lines log format.
#pragma once

#include <string>
#include <string_view>

namespace ringcast {

// Appends `s` as a quoted JSON string. Quotes, backslashes and control
// characters are escaped; bytes that are not valid UTF-8 become U+FFFD, so
// the output parses even when `s` holds arbitrary client-supplied bytes.
void append_json_string(std::string& out, std::string_view s);

inline std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// {"error": "<message>"}: the body of every 4xx/5xx reply.
inline std::string json_error(std::string_view message) {
  std::string out = "{\"error\":";
  append_json_string(out, message);
  out += "}";
  return out;
}

}  // namespace ringcast
