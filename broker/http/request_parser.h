// Incremental HTTP/1.1 request parser: knows no sockets. Fed the bytes a
// connection has buffered so far, it says whether a whole request is there,
// how many bytes it used, or what is wrong with it as an HTTP status.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ringcast::http {

struct Request {
  std::string method;  // as sent (methods are case-sensitive)
  std::string target;  // origin-form: path plus optional ?query
  std::string path;    // target up to '?'
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, values trimmed
  std::string body;
  bool keep_alive = true;

  // First header named `lower_name`, or empty.
  std::string_view header(std::string_view lower_name) const;
  bool has_header(std::string_view lower_name) const;
};

struct ParseLimits {
  size_t max_header_bytes = 16 * 1024;  // request line + headers + blank line
  size_t max_body_bytes = 1024 * 1024;
};

enum class ParseStatus {
  NeedMore,  // no complete request yet
  Done,      // request() holds one; `consumed` bytes belong to it
  Error,     // error_status()/error_message() say why; the connection must close
};

struct ParseResult {
  ParseStatus status;
  size_t consumed = 0;
};

class RequestParser {
 public:
  explicit RequestParser(ParseLimits limits = {}) : limits_(limits) {}

  // `buffered` is everything unconsumed the connection holds, starting at
  // the first byte of the current request; call again with more bytes
  // appended after NeedMore. Work already done on the header is kept, so a
  // request trickling in byte by byte costs linear time.
  ParseResult parse(std::string_view buffered);

  // After Done: the request, movable-from. Call reset() before the next one.
  Request& request() { return request_; }
  // After NeedMore: true once the header is complete and a body is awaited,
  // and whether the client asked for "100 Continue" before sending it.
  bool awaiting_body() const { return header_done_; }
  bool expects_continue() const { return expect_continue_; }

  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

  void reset();

 private:
  ParseResult fail(int status, std::string message);
  bool parse_request_line(std::string_view line);
  bool parse_header_line(std::string_view line);
  bool finish_header();

  ParseLimits limits_;
  Request request_;
  size_t scanned_ = 0;   // start of the header line not yet parsed
  size_t searched_ = 0;  // bytes already searched for its newline
  bool have_request_line_ = false;
  bool header_done_ = false;
  size_t header_bytes_ = 0;  // includes the blank line
  size_t body_bytes_ = 0;    // Content-Length
  bool expect_continue_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace ringcast::http
