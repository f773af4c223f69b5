// The `cluster:` section: how this node reaches the NATS servers that join it
// to the others. Checked here, at load, so a typo never becomes a node that
// silently stays standalone or subscribes to the wrong subjects.
#include <algorithm>
#include <string>

#include "field_reader.h"

namespace ringcast::config::detail {
namespace {

constexpr uint64_t kGiB = 1024ull * 1024 * 1024;

bool is_subject_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

// Dot-separated tokens of plain characters: never a wildcard, never an empty
// token, so every subject built on it is valid and matches only our traffic.
std::string read_subject_prefix(const Field& field) {
  constexpr std::string_view kExpected = "NATS subject tokens like ringcast or apps.chat (letters, digits, _ and -, separated by dots)";
  const std::string& text = scalar_text(field, kExpected);
  bool token_empty = true;
  for (char ch : text) {
    if (ch == '.') {
      if (token_empty) fail_expected(field, kExpected);
      token_empty = true;
    } else if (is_subject_char(ch)) {
      token_empty = false;
    } else {
      fail_expected(field, kExpected);
    }
  }
  if (token_empty) fail_expected(field, kExpected);
  return text;
}

std::string read_server_url(const Field& field) {
  constexpr std::string_view kExpected = "a NATS server URL like nats://127.0.0.1:4222 (or tls://...)";
  const std::string& url = scalar_text(field, kExpected);
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) fail_expected(field, kExpected);
  const std::string scheme = to_lower_ascii(url.substr(0, scheme_end));
  if (scheme != "nats" && scheme != "tls") fail_expected(field, kExpected);
  if (url.size() == scheme_end + 3) fail_expected(field, kExpected);
  for (char ch : url)
    if (ch <= ' ' || ch == 0x7f) fail_expected(field, kExpected);
  return url;
}

std::vector<std::string> read_servers(const Field& field) {
  std::vector<std::string> servers;
  if (field.value.IsNull()) return servers;
  if (field.value.IsScalar()) {
    servers.push_back(read_server_url(field));
    return servers;
  }
  if (!field.value.IsSequence()) fail_expected(field, "a list of NATS server URLs");
  size_t index = 0;
  for (const YAML::Node& item : field.value)
    servers.push_back(read_server_url({item, field.path + "[" + std::to_string(index++) + "]", item.Mark(), field.source}));
  return servers;
}

uint32_t read_reconnect_wait_ms(const Field& field) {
  constexpr std::string_view kExpected = "a number of seconds from 0.01 to 60, like 0.25";
  uint64_t ms = 0;
  const ParseStatus status = parse_seconds_as_ms(scalar_text(field, kExpected), ms);
  if (status == ParseStatus::malformed) fail_expected(field, kExpected);
  if (status == ParseStatus::out_of_range || ms < 10 || ms > 60000) fail_out_of_range(field, "from 0.01 to 60 seconds");
  return uint32_t(ms);
}

std::string read_nonempty(const Field& field, std::string_view expected) {
  std::string text = read_string(field, expected);
  if (text.empty()) fail(field, "expected " + std::string(expected) + ", got nothing");
  return text;
}

void read_tls(const Field& field, NatsConfig& nats) {
  nats.tls = true;
  read_map(field, {
    {"ca", [&](const Field& f) { nats.tls_ca = read_nonempty(f, "a CA certificate file (PEM)"); }},
    {"cert", [&](const Field& f) { nats.tls_cert = read_nonempty(f, "a client certificate file (PEM)"); }},
    {"key", [&](const Field& f) { nats.tls_key = read_nonempty(f, "the client certificate's key file (PEM)"); }},
  });
  if (nats.tls_cert.empty() != nats.tls_key.empty())
    fail(field, "cert and key go together: give both or neither");
}

void read_nats(const Field& field, NatsConfig& nats) {
  int user_line = 0, password_line = 0, token_line = 0;
  read_map(field, {
    {"servers", [&](const Field& f) {
       nats.servers = read_servers(f);
       nats.servers_line = line_of(f);
     }},
    {"name", [&](const Field& f) { nats.name = read_nonempty(f, "a connection name"); }},
    {"subject_prefix", [&](const Field& f) { nats.subject_prefix = read_subject_prefix(f); }},
    {"user", [&](const Field& f) {
       nats.user = read_nonempty(f, "a NATS user name");
       user_line = line_of(f);
     }},
    {"password", [&](const Field& f) {
       nats.password = read_string(f, "a password (text)");
       password_line = line_of(f);
     }},
    {"token", [&](const Field& f) {
       nats.token = read_nonempty(f, "a NATS authentication token");
       token_line = line_of(f);
     }},
    {"tls", [&](const Field& f) { read_tls(f, nats); }},
    {"max_pending", [&](const Field& f) { nats.max_pending = read_size(f, {64 * 1024, 16 * kGiB}); }},
    {"reconnect_wait", [&](const Field& f) { nats.reconnect_wait_ms = read_reconnect_wait_ms(f); }},
  });
  const auto at = [&](int line, std::string_view key) {
    return std::string(field.source) + ":" + std::to_string(line) + ": " + field.path + "." + std::string(key) + ": ";
  };
  if (password_line != 0 && user_line == 0) throw ConfigError(at(password_line, "password") + "needs a user");
  if (token_line != 0 && user_line != 0)
    throw ConfigError(at(token_line, "token") + "give a token or a user and password, not both");
}

}  // namespace

void read_cluster(const Field& field, ClusterConfig& cluster) {
  read_map(field, {
    {"nats", [&](const Field& f) { read_nats(f, cluster.nats); }},
  });
}

}  // namespace ringcast::config::detail

namespace ringcast::config {

std::string redact_urls(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t scheme = text.find("://", pos);
    if (scheme == std::string_view::npos) break;
    const size_t host = scheme + 3;
    // The authority ends at the path, the query, a space or a quote; its
    // user information, if any, at its last '@'.
    const size_t end = std::min(text.find_first_of("/?# \t\r\n\"',;]", host), text.size());
    const size_t at = text.substr(host, end - host).rfind('@');
    out.append(text.substr(pos, host - pos));
    if (at != std::string_view::npos) {
      out += "***";
      out.append(text.substr(host + at, end - host - at));
    } else {
      out.append(text.substr(host, end - host));
    }
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace ringcast::config
