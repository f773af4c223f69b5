// Channel names to NATS subjects and back (see subject_codec.h).
#include "cluster/subject_codec.h"

namespace ringcast::cluster {
namespace {

using pubsub::Kind;

constexpr char kHex[] = "0123456789ABCDEF";

bool is_separator(char ch) { return ch == ':' || ch == '.' || ch == '/'; }

bool is_plain(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

// Redis's stringmatchlen treats these as special; a backslash escapes the next
// byte, which may make more of the prefix literal, but stopping at it only
// makes the wildcard wider, never wrong.
bool is_glob_char(char ch) { return ch == '*' || ch == '?' || ch == '[' || ch == '\\'; }

void append_token(std::string& out, std::string_view chunk) {
  if (chunk.empty()) {
    out += '%';
    return;
  }
  for (char ch : chunk) {
    if (is_plain(ch)) {
      out += ch;
    } else {
      const auto byte = static_cast<unsigned char>(ch);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
}

// Appends the tokens of `name`, each preceded by a dot. With `last_token`
// false, `name` must end with a separator (or be empty) and no empty last
// token is written: that is the literal part of a wildcard.
void append_tokens(std::string& out, std::string_view name, bool last_token) {
  size_t start = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!is_separator(name[i])) continue;
    out += '.';
    append_token(out, name.substr(start, i + 1 - start));
    start = i + 1;
  }
  if (!last_token) return;
  out += '.';
  append_token(out, name.substr(start));
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// Decodes one token; checks it is the one append_token would write for a
// chunk in that position (separator only at the end of a non-final chunk).
bool decode_token(std::string_view token, bool final, std::string& out) {
  if (token == "%") return final;
  if (token.empty()) return false;
  const size_t begin = out.size();
  for (size_t i = 0; i < token.size(); ++i) {
    const char ch = token[i];
    if (is_plain(ch)) {
      out += ch;
      continue;
    }
    if (ch != '%' || i + 2 >= token.size()) return false;
    const int hi = hex_value(token[i + 1]), lo = hex_value(token[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const char byte = char(hi * 16 + lo);
    if (is_plain(byte)) return false;  // never escaped by append_token
    out += byte;
    i += 2;
  }
  for (size_t i = begin; i < out.size(); ++i) {
    const bool at_end = i + 1 == out.size();
    if (is_separator(out[i]) && (final || !at_end)) return false;
    if (!final && at_end && !is_separator(out[i])) return false;
  }
  return true;
}

// Strips "<prefix>.c." or "<prefix>.s."; returns the kind, or nullopt.
std::optional<Kind> strip_space(std::string_view prefix, std::string_view& subject) {
  if (subject.size() < prefix.size() + 3 || subject.substr(0, prefix.size()) != prefix) return std::nullopt;
  subject.remove_prefix(prefix.size());
  if (subject[0] != '.' || subject[2] != '.') return std::nullopt;
  const char space = subject[1];
  subject.remove_prefix(3);
  if (space == 'c') return Kind::Channel;
  if (space == 's') return Kind::ShardChannel;
  return std::nullopt;
}

// Decodes dot-separated tokens; the last is final when `ends_with_final`.
bool decode_tokens(std::string_view tokens, bool ends_with_final, std::string& out) {
  while (!tokens.empty()) {
    const size_t dot = tokens.find('.');
    const bool last = dot == std::string_view::npos;
    if (!decode_token(tokens.substr(0, dot), last && ends_with_final, out)) return false;
    if (last) return true;
    tokens.remove_prefix(dot + 1);
    if (tokens.empty()) return false;
  }
  return !ends_with_final;
}

}  // namespace

Interest interest_for(Kind kind, std::string_view name) {
  if (kind != Kind::Pattern) return {kind, true, std::string(name)};
  size_t literal = 0;
  while (literal < name.size() && !is_glob_char(name[literal])) ++literal;
  if (literal == name.size()) return {Kind::Channel, true, std::string(name)};
  size_t whole = literal;
  while (whole > 0 && !is_separator(name[whole - 1])) --whole;
  return {Kind::Channel, false, std::string(name.substr(0, whole))};
}

std::string subject_for(std::string_view prefix, const Interest& interest) {
  std::string out(prefix);
  out += interest.space == Kind::ShardChannel ? ".s" : ".c";
  append_tokens(out, interest.text, interest.exact);
  if (!interest.exact) out += ".>";
  return out;
}

std::string message_subject(std::string_view prefix, Kind kind, std::string_view channel) {
  return subject_for(prefix, Interest{kind, true, std::string(channel)});
}

std::optional<ParsedSubject> parse_message_subject(std::string_view prefix, std::string_view subject) {
  const std::optional<Kind> kind = strip_space(prefix, subject);
  if (!kind || subject.empty()) return std::nullopt;
  ParsedSubject parsed{*kind, {}};
  if (!decode_tokens(subject, true, parsed.channel)) return std::nullopt;
  return parsed;
}

std::optional<Interest> parse_interest_subject(std::string_view prefix, std::string_view subject) {
  if (subject.size() >= prefix.size() + 4 && subject.substr(prefix.size()) == ".c.>" &&
      subject.substr(0, prefix.size()) == prefix)
    return Interest{Kind::Channel, false, {}};
  const bool wildcard = subject.size() >= 2 && subject.substr(subject.size() - 2) == ".>";
  if (wildcard) subject.remove_suffix(2);
  const std::optional<Kind> kind = strip_space(prefix, subject);
  if (!kind || subject.empty()) return std::nullopt;
  Interest interest{*kind, !wildcard, {}};
  if (!decode_tokens(subject, !wildcard, interest.text)) return std::nullopt;
  return interest;
}

}  // namespace ringcast::cluster
