// Serializing responses; every reply carries Content-Length, so keep-alive
// clients always know where it ends.
#include "http/response.h"

#include <fmt/format.h>

#include "core/json_text.h"

namespace ringcast::http {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

std::string serialize(const Response& r, bool keep_alive, bool head_only) {
  std::string out;
  out.reserve(128 + r.body.size());
  fmt::format_to(std::back_inserter(out), "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n", r.status,
                 reason_phrase(r.status), r.content_type, r.body.size());
  for (const auto& [name, value] : r.headers) fmt::format_to(std::back_inserter(out), "{}: {}\r\n", name, value);
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  if (!head_only) out += r.body;
  return out;
}

Response error_response(int status, std::string_view message) {
  Response r;
  r.status = status;
  r.body = json_error(message);
  r.body += '\n';
  return r;
}

}  // namespace ringcast::http
