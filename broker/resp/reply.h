// RESP2/RESP3 reply encoding, shaped by the client's protocol version the way
// Redis's addReply* helpers are (a map is a flat array in RESP2, and so on).
#pragma once

#include <charconv>
#include <cstdio>
#include <cstdint>
#include <string>
#include <string_view>

namespace ringcast::resp {

class ReplyWriter {
 public:
  ReplyWriter(std::string& out, int proto) : out_(out), proto_(proto) {}

  int proto() const { return proto_; }
  void set_proto(int proto) { proto_ = proto; }

  void simple(std::string_view s) { line('+', s); }
  // `msg` is the whole error text, code included: "ERR ...", "NOPROTO ...".
  void error(std::string_view msg) { line('-', msg); }
  void integer(int64_t v) { number(':', v); }
  void bulk(std::string_view s) {
    number('$', int64_t(s.size()));
    out_.append(s);
    out_.append("\r\n", 2);
  }
  void null() { out_.append(proto_ >= 3 ? "_\r\n" : "$-1\r\n"); }
  void null_array() { out_.append(proto_ >= 3 ? "_\r\n" : "*-1\r\n"); }
  void array(size_t n) { number('*', int64_t(n)); }
  void map(size_t n) { number(proto_ >= 3 ? '%' : '*', int64_t(proto_ >= 3 ? n : 2 * n)); }
  void set(size_t n) { number(proto_ >= 3 ? '~' : '*', int64_t(n)); }
  void push(size_t n) { number(proto_ >= 3 ? '>' : '*', int64_t(n)); }
  void ok() { out_.append("+OK\r\n", 5); }
  // Redis 7.0's addReplyDouble: "%.17g", a bulk string in RESP2, a double in RESP3.
  void double_value(double d) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%.17g", d);
    if (proto_ < 3) return bulk(std::string_view(buf, size_t(n)));
    line(',', std::string_view(buf, size_t(n)));
  }
  // The buffer replies go to, for encoders of their own (already in this protocol).
  std::string& buffer() { return out_; }
  // Redis sends INFO and CLIENT LIST as verbatim text in RESP3.
  void verbatim_text(std::string_view s) {
    if (proto_ < 3) return bulk(s);
    number('=', int64_t(s.size() + 4));
    out_.append("txt:", 4);
    out_.append(s);
    out_.append("\r\n", 2);
  }

 private:
  void line(char type, std::string_view s) {
    out_.push_back(type);
    out_.append(s);
    out_.append("\r\n", 2);
  }
  void number(char type, int64_t v) {
    char buf[24];
    buf[0] = type;
    auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf - 2, v);
    (void)ec;
    *end++ = '\r';
    *end++ = '\n';
    out_.append(buf, size_t(end - buf));
  }

  std::string& out_;
  int proto_;
};

}  // namespace ringcast::resp
