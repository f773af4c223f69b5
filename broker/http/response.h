// An HTTP response as the endpoints build it; http_server.cpp hands it to
// libmicrohttpd, which writes the status line, framing and Connection header.
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

// A JSON error reply: {"error": message}.
Response error_response(int status, std::string_view message);

}  // namespace ringcast::http
