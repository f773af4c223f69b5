// Base64 (RFC 4648) and the HTTP Basic authentication header (RFC 7617).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ringcast::http {

// Standard alphabet. Padding is optional; whitespace, other characters and
// impossible lengths make it fail.
std::optional<std::string> base64_decode(std::string_view text);
std::string base64_encode(std::string_view bytes);

struct Credentials {
  std::string user;
  std::string password;
};

// Parses an Authorization header value "Basic <base64(user:password)>".
// The user ends at the first colon, so a password may contain colons.
std::optional<Credentials> parse_basic_auth(std::string_view header_value);

}  // namespace ringcast::http
