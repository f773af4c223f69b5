// RESP reply parsing; see reply_parser.h. The message path takes one pass over
// the frame header and jumps over payloads by their declared length.
#include "reply_parser.h"

#include <cstring>

namespace ringcast::loadgen {
namespace {

constexpr int kMaxDepth = 16;
constexpr int64_t kMaxBulk = int64_t{1} << 32;

struct Cursor {
  const char* p;
  const char* end;
};

// Reads "<digits>\r\n" (optionally signed). kNeedMore if the line is incomplete.
// A plain digit loop: lengths are short, and this runs several times per message.
inline ParseStatus read_int_line(Cursor& c, int64_t& v) {
  const char* p = c.p;
  bool neg = false;
  if (p < c.end && (*p == '-' || *p == '+')) neg = (*p++ == '-');
  const char* digits = p;
  int64_t x = 0;
  while (p < c.end && static_cast<unsigned>(*p - '0') < 10) x = x * 10 + (*p++ - '0');
  if (p >= c.end || (p + 1 >= c.end && *p == '\r')) return p - digits > 19 ? ParseStatus::kProtocolError : ParseStatus::kNeedMore;
  if (p == digits || p - digits > 18 || p[0] != '\r' || p[1] != '\n') return ParseStatus::kProtocolError;
  v = neg ? -x : x;
  c.p = p + 2;
  return ParseStatus::kOk;
}

inline ParseStatus read_line(Cursor& c, std::string_view& line) {
  const char* nl = static_cast<const char*>(std::memchr(c.p, '\r', static_cast<size_t>(c.end - c.p)));
  if (nl == nullptr || nl + 1 >= c.end) return ParseStatus::kNeedMore;
  if (nl[1] != '\n') return ParseStatus::kProtocolError;
  line = std::string_view(c.p, static_cast<size_t>(nl - c.p));
  c.p = nl + 2;
  return ParseStatus::kOk;
}

// Reads the body of a length-prefixed string ($, !, =) after its type byte.
ParseStatus read_blob(Cursor& c, std::string_view& s, bool& is_null) {
  int64_t n;
  ParseStatus st = read_int_line(c, n);
  if (st != ParseStatus::kOk) return st;
  is_null = n < 0;
  if (n < 0) return n == -1 ? ParseStatus::kOk : ParseStatus::kProtocolError;
  if (n > kMaxBulk) return ParseStatus::kProtocolError;
  if (c.end - c.p < n + 2) return ParseStatus::kNeedMore;
  if (c.p[n] != '\r' || c.p[n + 1] != '\n') return ParseStatus::kProtocolError;
  s = std::string_view(c.p, static_cast<size_t>(n));
  c.p += n + 2;
  return ParseStatus::kOk;
}

// A scalar element of a message frame.
struct Element {
  enum Type : uint8_t { kString, kInt, kNull } type = kNull;
  std::string_view s;
  int64_t i = 0;
};

ParseStatus skip_value(Cursor& c, int depth);

ParseStatus skip_aggregate(Cursor& c, int depth, int64_t per_entry) {
  int64_t n;
  ParseStatus st = read_int_line(c, n);
  if (st != ParseStatus::kOk) return st;
  for (int64_t k = 0; k < n * per_entry; ++k) {
    st = skip_value(c, depth + 1);
    if (st != ParseStatus::kOk) return st;
  }
  return ParseStatus::kOk;
}

ParseStatus skip_value(Cursor& c, int depth) {
  if (depth > kMaxDepth) return ParseStatus::kProtocolError;
  if (c.p >= c.end) return ParseStatus::kNeedMore;
  char t = *c.p++;
  std::string_view s;
  bool is_null;
  switch (t) {
    case '+': case '-': case ':': case '_': case '#': case ',': case '(':
      return read_line(c, s);
    case '$': case '!': case '=':
      return read_blob(c, s, is_null);
    case '*': case '~': case '>':
      return skip_aggregate(c, depth, 1);
    case '%': case '|': {
      ParseStatus st = skip_aggregate(c, depth, 2);
      // An attribute precedes the value it annotates.
      return (st == ParseStatus::kOk && t == '|') ? skip_value(c, depth + 1) : st;
    }
    default:
      return ParseStatus::kProtocolError;
  }
}

ParseStatus read_element(Cursor& c, Element& e, bool& scalar) {
  scalar = true;
  if (c.p >= c.end) return ParseStatus::kNeedMore;
  char t = *c.p;
  if (t == '$') {
    ++c.p;
    bool is_null = false;
    ParseStatus st = read_blob(c, e.s, is_null);
    e.type = is_null ? Element::kNull : Element::kString;
    return st;
  }
  if (t == ':') {
    ++c.p;
    e.type = Element::kInt;
    return read_int_line(c, e.i);
  }
  if (t == '+' || t == '_') {
    ++c.p;
    e.type = t == '+' ? Element::kString : Element::kNull;
    return read_line(c, e.s);
  }
  scalar = false;
  return skip_value(c, 1);
}

bool eq(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char ch = a[i];
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    if (ch != lower[i]) return false;
  }
  return true;
}

void classify(const Element* el, int64_t n, Reply& out) {
  out.kind = ReplyKind::kOther;
  if (n < 2 || el[0].type != Element::kString) return;
  std::string_view k = el[0].s;
  if (n == 3 && eq(k, "message")) {
    out = Reply{ReplyKind::kMessage, 0, k, el[1].s, {}, el[2].s};
  } else if (n == 4 && eq(k, "message") && el[3].type == Element::kInt && el[3].i > 0) {
    out = Reply{ReplyKind::kMessage, 0, k, el[1].s, {}, el[2].s};
    out.offset = static_cast<uint64_t>(el[3].i);
  } else if (n == 6 && eq(k, "resume") && el[2].type == Element::kInt && el[3].type == Element::kInt &&
             el[4].type == Element::kInt && el[5].type == Element::kInt && el[4].i >= 0 && el[5].i >= 0) {
    out = Reply{ReplyKind::kResumeAck, el[2].i, k, el[1].s, {}, {}};
    out.recovered = el[3].i != 0;
    out.epoch = static_cast<uint64_t>(el[4].i);
    out.next_offset = static_cast<uint64_t>(el[5].i);
  } else if (n == 4 && eq(k, "pmessage")) {
    out = Reply{ReplyKind::kPMessage, 0, k, el[2].s, el[1].s, el[3].s};
  } else if (n == 3 && eq(k, "smessage")) {
    out = Reply{ReplyKind::kSMessage, 0, k, el[1].s, {}, el[2].s};
  } else if (n == 3 && el[2].type == Element::kInt &&
             (eq(k, "subscribe") || eq(k, "psubscribe") || eq(k, "ssubscribe"))) {
    out = Reply{ReplyKind::kSubscribeAck, el[2].i, k, el[1].s, {}, {}};
  } else if (n == 3 && el[2].type == Element::kInt &&
             (eq(k, "unsubscribe") || eq(k, "punsubscribe") || eq(k, "sunsubscribe"))) {
    out = Reply{ReplyKind::kUnsubscribeAck, el[2].i, k, el[1].s, {}, {}};
  } else if (n == 2 && eq(k, "pong")) {
    out = Reply{ReplyKind::kPong, 0, k, {}, {}, el[1].s};
  }
}


// The hot path: a message or pmessage frame whose elements are all bulk
// strings, matched by its fixed prefix. Returns false to fall back to the
// general parser (anything unusual), with `st` set when it decided.
bool parse_message_fast(const char* data, size_t len, Reply& out, ParseStatus& st, size_t& consumed) {
  static constexpr std::string_view kMessage = "3\r\n$7\r\nmessage\r\n";
  static constexpr std::string_view kPMessage = "4\r\n$8\r\npmessage\r\n";
  if (len < 1 + kPMessage.size() || (data[0] != '*' && data[0] != '>')) return false;
  // Compare the fixed prefix as words: this runs once per delivered message.
  auto word = [](const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
  };
  const char* rest = data + 1;
  bool pm;
  static_assert(kMessage.size() == 16);
  if (word(rest) == word(kMessage.data()) && word(rest + 8) == word(kMessage.data() + 8))
    pm = false;
  else if (std::memcmp(rest, kPMessage.data(), kPMessage.size()) == 0)
    pm = true;
  else
    return false;
  Cursor c{data + 1 + (pm ? kPMessage.size() : kMessage.size()), data + len};
  std::string_view parts[3];
  for (int i = 0; i < (pm ? 3 : 2); ++i) {
    if (c.p >= c.end) {
      st = ParseStatus::kNeedMore;
      return true;
    }
    if (*c.p != '$') return false;
    ++c.p;
    bool is_null = false;
    st = read_blob(c, parts[i], is_null);
    if (st != ParseStatus::kOk) return true;
    if (is_null) return false;
  }
  out = pm ? Reply{ReplyKind::kPMessage, 0, "pmessage", parts[1], parts[0], parts[2]}
           : Reply{ReplyKind::kMessage, 0, "message", parts[0], {}, parts[1]};
  consumed = static_cast<size_t>(c.p - data);
  return true;
}

}  // namespace

ParseResult parse_reply(const char* data, size_t len, Reply& out) {
  Cursor c{data, data + len};
  if (len == 0) return {ParseStatus::kNeedMore, 0};
  {
    ParseStatus st = ParseStatus::kOk;
    size_t consumed = 0;
    if (parse_message_fast(data, len, out, st, consumed)) {
      if (st != ParseStatus::kOk) return {st, 0};
      return {ParseStatus::kOk, consumed};
    }
  }
  char t = *c.p;
  ParseStatus st;
  out = Reply{};
  switch (t) {
    case ':':
      ++c.p;
      out.kind = ReplyKind::kInteger;
      st = read_int_line(c, out.integer);
      break;
    case '+':
      ++c.p;
      st = read_line(c, out.text);
      out.kind = eq(out.text, "pong") ? ReplyKind::kPong : ReplyKind::kSimple;
      break;
    case '-':
      ++c.p;
      out.kind = ReplyKind::kError;
      st = read_line(c, out.text);
      break;
    case '!': {
      ++c.p;
      bool is_null;
      out.kind = ReplyKind::kError;
      st = read_blob(c, out.text, is_null);
      break;
    }
    case '*':
    case '>': {
      ++c.p;
      int64_t n;
      st = read_int_line(c, n);
      if (st != ParseStatus::kOk) break;
      if (n < 2 || n > 6) {  // not a pub/sub frame: skip its elements
        for (int64_t k = 0; k < n && st == ParseStatus::kOk; ++k) st = skip_value(c, 1);
        out.kind = ReplyKind::kOther;
        break;
      }
      Element el[6];
      bool all_scalar = true;
      for (int64_t k = 0; k < n && st == ParseStatus::kOk; ++k) {
        bool scalar = true;
        st = read_element(c, el[k], scalar);
        all_scalar = all_scalar && scalar;
      }
      if (st == ParseStatus::kOk && all_scalar) classify(el, n, out);
      break;
    }
    default:
      st = skip_value(c, 0);
      out.kind = ReplyKind::kOther;
      break;
  }
  if (st != ParseStatus::kOk) return {st, 0};
  return {ParseStatus::kOk, static_cast<size_t>(c.p - data)};
}

}  // namespace ringcast::loadgen
