// Connection commands: PING, ECHO, HELLO, RESET, QUIT, SELECT.
#include <charconv>
#include <string>

#include "acl/registry.h"
#include "acl/replies.h"
#include "commands/handlers.h"
#include "core/version.h"

namespace ringcast::commands {
namespace {

// Redis's string2ll: optional '-', digits, no '+', no leading zeros.
bool parse_int(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20 || s[0] == '+') return false;
  if (s.size() > 1 && s[0] == '0') return false;
  if (s.size() > 2 && s[0] == '-' && s[1] == '0') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Redis's default `databases 16`: clients and test suites select one.
constexpr int64_t kDatabases = 16;

bool valid_client_name(std::string_view name) {
  for (char ch : name)
    if (ch < '!' || ch > '~') return false;
  return true;
}

void reply_hello(Request& req) {
  auto& r = req.reply;
  r.map(7);
  r.bulk("server");
  r.bulk("redis");
  r.bulk("version");
  r.bulk(kRedisCompatVersion);
  r.bulk("proto");
  r.integer(req.conn.proto);
  r.bulk("id");
  r.integer(int64_t(req.conn.id));
  r.bulk("mode");
  r.bulk("standalone");
  r.bulk("role");
  r.bulk("master");
  r.bulk("modules");
  r.array(0);
}

}  // namespace

bool set_client_name(Request& req, std::string_view name) {
  if (!valid_client_name(name)) {
    req.reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
    return false;
  }
  req.conn.name = name;
  return true;
}

namespace {

// Switches `req.conn` to `user`. A subscriber whose new user may not hold
// one of its subscriptions is disconnected: it must never receive a message
// its user is not allowed (Redis itself would keep delivering).
bool switch_user(Request& req, const acl::User* user) {
  req.conn.user = user;
  req.conn.authenticated = true;
  return req.broker.subscriptions_permitted(req.conn);
}

}  // namespace

void auth(Request& req) {
  const acl::AuthResult result = req.broker.acl().auth_command(req.args);
  if (result.user == nullptr) {
    // A wrong password or user, not a malformed AUTH, is a denial to count.
    if (result.error == acl::kWrongPassError)
      log_denial(req, acl::Denial::auth, req.args[0], req.args.size() == 2 ? "default" : req.args[1]);
    req.reply.error(result.error);
    return;
  }
  if (switch_user(req, result.user)) req.reply.ok();
}

void ping(Request& req) {
  if (req.args.size() > 2) return reply_arity_error(req, "ping");
  // RESP2 subscribers get PONG as a message-shaped array, as in Redis.
  if (req.conn.proto == 2 && req.conn.subscribed()) {
    req.reply.array(2);
    req.reply.bulk("pong");
    req.reply.bulk(req.args.size() == 2 ? req.args[1] : std::string_view{});
  } else if (req.args.size() == 2) {
    req.reply.bulk(req.args[1]);
  } else {
    req.reply.simple("PONG");
  }
}

void echo(Request& req) { req.reply.bulk(req.args[1]); }

void hello(Request& req) {
  int64_t version = 0;
  size_t next = 1;
  if (req.args.size() >= 2) {
    if (!parse_int(req.args[1], version)) {
      req.reply.error("ERR Protocol version is not an integer or out of range");
      return;
    }
    next = 2;
    if (version < 2 || version > 3) {
      req.reply.error("NOPROTO unsupported protocol version");
      return;
    }
  }
  std::string_view new_name, auth_user, auth_password;
  bool set_name = false, with_auth = false;
  for (size_t i = next; i < req.args.size(); ++i) {
    const size_t left = req.args.size() - i - 1;
    if (iequals(req.args[i], "AUTH") && left >= 2) {
      auth_user = req.args[i + 1];
      auth_password = req.args[i + 2];
      with_auth = true;
      i += 2;
    } else if (iequals(req.args[i], "SETNAME") && left >= 1) {
      new_name = req.args[i + 1];
      set_name = true;
      ++i;
    } else {
      reply_error_line(req, "ERR Syntax error in HELLO option '" + std::string(req.args[i]) + "'");
      return;
    }
  }
  if (with_auth) {
    const acl::User* user = req.broker.acl().authenticate(auth_user, auth_password);
    if (user == nullptr) {
      log_denial(req, acl::Denial::auth, req.args[0], auth_user);
      req.reply.error(acl::kWrongPassError);
      return;
    }
    if (!switch_user(req, user)) return;
  }
  if (!req.conn.authenticated) {
    req.reply.error(acl::kHelloNoAuthError);
    return;
  }
  if (set_name && !set_client_name(req, new_name)) return;
  if (version != 0) {
    req.conn.proto = int(version);
    req.reply.set_proto(req.conn.proto);
  }
  reply_hello(req);
}

void reset(Request& req) {
  req.broker.drop_all_subscriptions(req.conn);
  req.conn.proto = 2;
  req.conn.db = 0;
  req.conn.name.clear();
  req.broker.reset_user(req.conn);
  // CLIENT REPLY OFF and NO-ECHO end too; RESET's own reply is then sent,
  // as Redis clears the flags first (a SKIP still covers it).
  req.conn.no_echo = false;
  if (req.conn.reply_off) req.conn.reply_off = req.conn.replies_silenced = false;
  reply_writer(req.conn).simple("RESET");
}

void quit(Request& req) {
  req.reply.ok();
  req.conn.close_after_reply = true;
}

void select(Request& req) {
  int64_t db = 0;
  if (!parse_int(req.args[1], db) || db < INT32_MIN || db > INT32_MAX) {
    req.reply.error("ERR value is not an integer or out of range");
  } else if (db < 0 || db >= kDatabases) {
    req.reply.error("ERR DB index is out of range");
  } else {
    // Pub/sub ignores the database, as in Redis: a client configured for
    // db 9 publishes to and hears the same channels as everyone else.
    req.conn.db = int(db);
    req.reply.ok();
  }
}

}  // namespace ringcast::commands
