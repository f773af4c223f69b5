// RESP request parsing with the exact acceptance rules and error texts of
// Redis 7 (networking.c processMultibulkBuffer / processInlineBuffer).
#include "resp/request_parser.h"

#include <cstdint>
#include <cstring>

namespace ringcast::resp {
namespace {

// Redis's string2ll: optional '-', no '+', no leading zeros (except "0"), no
// spaces, must fit in int64. Anything else is not a number.
bool parse_ll(const char* s, size_t len, int64_t* out) {
  if (len == 0) return false;
  if (len == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    if (++i == len) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < len; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool has_nul(const char* p, size_t len) { return std::memchr(p, '\0', len) != nullptr; }

// sdssplitargs skips leading blanks with isspace() in the C locale.
bool is_c_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

ParseStatus RequestParser::parse(std::string_view buf, ParseProgress* progress, bool authenticated) {
  consumed_ = 0;
  needed_ = 0;
  error_ = ProtocolError::None;
  error_got_ = 0;
  args_.clear();
  if (buf.empty()) return need_more(1);
  if (buf[0] != '*') return parse_inline(buf);
  const ParseStatus status = parse_multibulk(buf, progress, authenticated);
  if (progress != nullptr && status != ParseStatus::NeedMore) progress->reset();
  return status;
}

ParseStatus RequestParser::fail(ProtocolError e, char got) {
  error_ = e;
  error_got_ = got;
  args_.clear();
  return ParseStatus::Error;
}

// No usable end for the header line at `line_start`: Redis fails once more
// than inline_max bytes are buffered from the line start. A NUL before the
// '\r' counts as no end at all (`stalled`), because Redis finds the '\r' with
// strchr(), which stops at a NUL; only more bytes up to the limit can then
// change the outcome.
ParseStatus RequestParser::no_line_end(std::string_view buf, size_t line_start,
                                       ProtocolError too_big, bool stalled) {
  if (buf.size() - line_start > limits_.inline_max) return fail(too_big);
  return need_more(stalled ? line_start + limits_.inline_max + 1 : buf.size() + 1);
}

ParseStatus RequestParser::need_more(size_t total) {
  needed_ = total;
  args_.clear();
  return ParseStatus::NeedMore;
}

ParseStatus RequestParser::parse_multibulk(std::string_view buf, ParseProgress* progress, bool authenticated) {
  const char* const p = buf.data();
  const size_t n = buf.size();
  size_t pos;
  int64_t count = 0;
  int64_t first = 0;  // index of the first element still to read
  const char* cr;
  size_t cr_at;
  // Arguments are collected as offsets (kept across calls when resuming) and
  // turned into views once the request is complete.
  auto& offsets = progress != nullptr ? progress->args : offsets_;

  if (progress != nullptr && progress->next != 0) {
    // Resume at the element the last call stopped at.
    pos = progress->next;
    count = progress->count;
    first = int64_t(offsets.size());
  } else {
    offsets.clear();
    cr = static_cast<const char*>(std::memchr(p, '\r', n));
    if (cr == nullptr) return no_line_end(buf, 0, ProtocolError::TooBigMbulkCount, false);
    cr_at = static_cast<size_t>(cr - p);
    const bool whole_line = cr_at + 1 < n;  // Redis wants one byte after '\r'
    if (!whole_line || !parse_ll(p + 1, cr_at - 1, &count) ||
        (count > 0 && static_cast<uint64_t>(count) > limits_.max_multibulk_len)) {
      if (has_nul(p, cr_at)) return no_line_end(buf, 0, ProtocolError::TooBigMbulkCount, true);
      // A '\r' as the last byte waits for one more byte, with no size check.
      if (!whole_line) return need_more(n + 1);
      // Redis checks only INT_MAX before the pre-authentication limit.
      if (!authenticated && parse_ll(p + 1, cr_at - 1, &count) && count > kUnauthenticatedMaxMultibulk &&
          count <= INT32_MAX)
        return fail(ProtocolError::UnauthenticatedMultibulkLength);
      return fail(ProtocolError::InvalidMultibulkLength);
    }
    if (!authenticated && count > kUnauthenticatedMaxMultibulk)
      return fail(ProtocolError::UnauthenticatedMultibulkLength);
    // Redis skips the byte after '\r' without checking that it is '\n'.
    pos = cr_at + 2;
    if (count <= 0) {
      consumed_ = pos;
      return ParseStatus::Ok;
    }
  }

  for (int64_t i = first; i < count; ++i) {
    cr = static_cast<const char*>(std::memchr(p + pos, '\r', n - pos));
    if (cr == nullptr) {
      save_progress(progress, pos, count);
      return no_line_end(buf, pos, ProtocolError::TooBigBulkCount, false);
    }
    cr_at = static_cast<size_t>(cr - p);
    int64_t len = 0;
    const size_t bulk_line = pos;
    if (cr_at + 1 >= n || p[pos] != '$' || !parse_ll(p + pos + 1, cr_at - pos - 1, &len) ||
        len < 0 || static_cast<uint64_t>(len) > limits_.max_bulk_len) {
      // The checks are redone off the fast path to pick Redis's verdict.
      if (has_nul(p + pos, cr_at - pos)) {
        save_progress(progress, pos, count);
        return no_line_end(buf, pos, ProtocolError::TooBigBulkCount, true);
      }
      if (cr_at + 1 >= n) {
        save_progress(progress, pos, count);
        return need_more(n + 1);
      }
      if (p[pos] != '$') return fail(ProtocolError::ExpectedDollar, p[pos]);
      return fail(ProtocolError::InvalidBulkLength);
    }
    if (!authenticated && len > kUnauthenticatedMaxBulk) return fail(ProtocolError::UnauthenticatedBulkLength);
    pos = cr_at + 2;
    const size_t end = pos + static_cast<size_t>(len) + 2;
    // Everything before this bulk is known, so nothing can change until the
    // whole bulk and the two bytes after it are here.
    if (end > n) {
      save_progress(progress, bulk_line, count);
      return need_more(end);
    }
    offsets.emplace_back(pos, static_cast<size_t>(len));
    pos = end;  // the two bytes after the data are skipped unchecked, as Redis does
  }
  args_.reserve(offsets.size());
  for (const auto& [offset, len] : offsets) args_.emplace_back(p + offset, len);
  consumed_ = pos;
  return ParseStatus::Ok;
}

void RequestParser::save_progress(ParseProgress* progress, size_t next, int64_t count) {
  if (progress == nullptr) return;
  progress->next = next;
  progress->count = count;
}

ParseStatus RequestParser::parse_inline(std::string_view buf) {
  const char* const p = buf.data();
  const size_t n = buf.size();

  const auto* nl = static_cast<const char*>(std::memchr(p, '\n', n));
  const bool stalled = nl != nullptr && has_nul(p, static_cast<size_t>(nl - p));
  if (nl == nullptr || stalled) {
    if (n > limits_.inline_max) return fail(ProtocolError::TooBigInlineRequest);
    return need_more(stalled ? limits_.inline_max + 1 : n + 1);
  }
  size_t line_len = static_cast<size_t>(nl - p);
  const size_t consumed = line_len + 1;
  if (line_len > 0 && p[line_len - 1] == '\r') --line_len;

  if (!split_inline(std::string_view(p, line_len))) return fail(ProtocolError::UnbalancedQuotes);
  consumed_ = consumed;
  return ParseStatus::Ok;
}

// sdssplitargs: blanks separate arguments; "..." understands \n \r \t \b \a
// \xHH and \<any>; '...' only \'. A closing quote must be followed by a
// blank or the end of the line. The line holds no NUL (see parse_inline).
bool RequestParser::split_inline(std::string_view line) {
  size_t used = 0;
  const size_t n = line.size();
  // Bytes past the end read as NUL, like the C string Redis works on.
  const auto at = [&](size_t i) { return i < n ? line[i] : '\0'; };
  size_t i = 0;
  while (true) {
    while (i < n && is_c_space(line[i])) ++i;
    if (i == n) break;
    if (used == inline_storage_.size()) inline_storage_.emplace_back();
    std::string& cur = inline_storage_[used++];
    cur.clear();
    bool in_dq = false;
    bool in_sq = false;
    for (bool done = false; !done;) {
      const char c = at(i);
      if (in_dq) {
        if (c == '\\' && at(i + 1) == 'x' && is_hex(at(i + 2)) && is_hex(at(i + 3))) {
          cur.push_back(static_cast<char>(hex_value(at(i + 2)) * 16 + hex_value(at(i + 3))));
          i += 3;
        } else if (c == '\\' && at(i + 1) != '\0') {
          const char e = at(++i);
          switch (e) {
            case 'n': cur.push_back('\n'); break;
            case 'r': cur.push_back('\r'); break;
            case 't': cur.push_back('\t'); break;
            case 'b': cur.push_back('\b'); break;
            case 'a': cur.push_back('\a'); break;
            default: cur.push_back(e); break;
          }
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !is_c_space(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          cur.push_back(c);
        }
      } else if (in_sq) {
        if (c == '\\' && at(i + 1) == '\'') {
          cur.push_back('\'');
          ++i;
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !is_c_space(at(i + 1))) return false;
          done = true;
        } else if (c == '\0') {
          return false;
        } else {
          cur.push_back(c);
        }
      } else {
        switch (c) {
          // Only these end a bare word: \v and \f are kept inside it even
          // though they are skipped as leading blanks.
          case ' ': case '\n': case '\r': case '\t': case '\0': done = true; break;
          case '"': in_dq = true; break;
          case '\'': in_sq = true; break;
          default: cur.push_back(c); break;
        }
      }
      if (i < n) ++i;
    }
  }
  // Views are taken only now: growing inline_storage_ moves short strings.
  for (size_t k = 0; k < used; ++k) args_.emplace_back(inline_storage_[k]);
  return true;
}

std::string RequestParser::error_message() const {
  switch (error_) {
    case ProtocolError::None: return {};
    case ProtocolError::InvalidMultibulkLength: return "Protocol error: invalid multibulk length";
    case ProtocolError::InvalidBulkLength: return "Protocol error: invalid bulk length";
    case ProtocolError::ExpectedDollar: {
      // Redis maps CR and LF in error replies to spaces to keep the
      // reply on one line.
      const char got = (error_got_ == '\r' || error_got_ == '\n') ? ' ' : error_got_;
      return std::string("Protocol error: expected '$', got '") + got + "'";
    }
    case ProtocolError::TooBigInlineRequest: return "Protocol error: too big inline request";
    case ProtocolError::TooBigMbulkCount: return "Protocol error: too big mbulk count string";
    case ProtocolError::TooBigBulkCount: return "Protocol error: too big bulk count string";
    case ProtocolError::UnbalancedQuotes: return "Protocol error: unbalanced quotes in request";
    case ProtocolError::UnauthenticatedMultibulkLength: return "Protocol error: unauthenticated multibulk length";
    case ProtocolError::UnauthenticatedBulkLength: return "Protocol error: unauthenticated bulk length";
  }
  return {};
}

}  // namespace ringcast::resp
