// An HTTP response before it is serialized, and its serialization.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringcast::http {

inline constexpr std::string_view kJsonContentType = "application/json";

struct Response {
  int status = 200;
  std::string content_type{kJsonContentType};
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Allow, WWW-Authenticate)
};

std::string_view reason_phrase(int status);

// Status line, headers and (unless `head_only`) the body, ready to write.
// `keep_alive` chooses the Connection header.
std::string serialize(const Response& r, bool keep_alive, bool head_only = false);

// A JSON error reply: {"error": message}.
Response error_response(int status, std::string_view message);

}  // namespace ringcast::http
