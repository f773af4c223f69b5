// HTTP/1.1 request parsing (RFC 9112) for the metrics and publish listener:
// origin-form targets, Content-Length bodies only, bounded header and body.
#include "http/request_parser.h"

#include <algorithm>
#include <charconv>

namespace ringcast::http {
namespace {

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar); }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Does a comma-separated header value (Connection, Expect) list `token`?
bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string_view Request::header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers)
    if (name == lower_name) return value;
  return {};
}

bool Request::has_header(std::string_view lower_name) const {
  return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return h.first == lower_name; });
}

void RequestParser::reset() {
  request_ = Request{};
  scanned_ = 0;
  searched_ = 0;
  have_request_line_ = false;
  header_done_ = false;
  header_bytes_ = 0;
  body_bytes_ = 0;
  expect_continue_ = false;
  error_status_ = 0;
  error_message_.clear();
}

ParseResult RequestParser::fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return {ParseStatus::Error, 0};
}

bool RequestParser::parse_request_line(std::string_view line) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    fail(400, "malformed request line: expected 'METHOD /path HTTP/1.1'");
    return false;
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method)) {
    fail(400, "malformed request line: invalid method");
    return false;
  }
  if (target.empty() || target.front() != '/' ||
      !std::all_of(target.begin(), target.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    fail(400, "malformed request line: the target must be a path starting with '/'");
    return false;
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9') {
    fail(400, "malformed request line: invalid HTTP version");
    return false;
  }
  if (version[5] != '1') {
    fail(505, "HTTP version not supported: use HTTP/1.1");
    return false;
  }
  request_.method = method;
  request_.target = target;
  request_.path = target.substr(0, target.find('?'));
  request_.minor_version = version[7] - '0';
  return true;
}

bool RequestParser::parse_header_line(std::string_view line) {
  const size_t colon = line.find(':');
  // Whitespace before the colon and folded continuation lines are both
  // request-smuggling vectors; RFC 9112 says to reject them.
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    fail(400, "malformed header line");
    return false;
  }
  const std::string_view value = trim(line.substr(colon + 1));
  if (std::any_of(value.begin(), value.end(), [](char c) { return (uint8_t(c) < 0x20 && c != '\t') || c == 0x7f; })) {
    fail(400, "control character in a header value");
    return false;
  }
  std::string name(line.substr(0, colon));
  for (char& c : name) c = lower(c);
  request_.headers.emplace_back(std::move(name), std::string(value));
  return true;
}

bool RequestParser::finish_header() {
  if (request_.has_header("transfer-encoding")) {
    fail(411, "Transfer-Encoding (chunked bodies) is not supported: send the body with a Content-Length");
    return false;
  }
  bool have_length = false;
  for (const auto& [name, value] : request_.headers) {
    if (name != "content-length") continue;
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size()) {
      fail(400, "invalid Content-Length");
      return false;
    }
    if (have_length && n != body_bytes_) {
      fail(400, "conflicting Content-Length headers");
      return false;
    }
    have_length = true;
    body_bytes_ = n;
  }
  if (body_bytes_ > limits_.max_body_bytes) {
    fail(413, "request body is larger than the limit of " + std::to_string(limits_.max_body_bytes) + " bytes");
    return false;
  }
  const std::string_view connection = request_.header("connection");
  request_.keep_alive = request_.minor_version >= 1 ? !lists_token(connection, "close")
                                                    : lists_token(connection, "keep-alive");
  expect_continue_ = request_.minor_version >= 1 && body_bytes_ > 0 &&
                     lists_token(request_.header("expect"), "100-continue");
  return true;
}

ParseResult RequestParser::parse(std::string_view in) {
  if (error_status_ != 0) return {ParseStatus::Error, 0};
  while (!header_done_) {
    const size_t nl = in.find('\n', std::max(scanned_, searched_));
    const size_t limit = limits_.max_header_bytes;
    if (nl == std::string_view::npos || nl >= limit) {
      if (in.size() >= limit) return fail(431, "request header is larger than " + std::to_string(limit) + " bytes");
      searched_ = in.size();
      return {ParseStatus::NeedMore, 0};
    }
    // Lines end in CRLF; a bare LF is accepted as RFC 9112 allows.
    std::string_view line = in.substr(scanned_, nl - scanned_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    scanned_ = nl + 1;
    if (!have_request_line_) {
      // Blank lines before a request line are ignored (RFC 9112 section 2.2):
      // some clients send a stray CRLF after a body.
      if (line.empty()) continue;
      if (!parse_request_line(line)) return {ParseStatus::Error, 0};
      have_request_line_ = true;
    } else if (line.empty()) {
      header_bytes_ = scanned_;
      header_done_ = true;
      if (!finish_header()) return {ParseStatus::Error, 0};
    } else if (!parse_header_line(line)) {
      return {ParseStatus::Error, 0};
    }
  }
  if (in.size() < header_bytes_ + body_bytes_) return {ParseStatus::NeedMore, 0};
  request_.body.assign(in.data() + header_bytes_, body_bytes_);
  return {ParseStatus::Done, header_bytes_ + body_bytes_};
}

}  // namespace ringcast::http
