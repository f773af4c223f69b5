// CLIENT subcommands. LIST and KILL reach every shard: the asking connection
// waits (its later requests held back, in order) until all shards answered.
#include <charconv>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands/handlers.h"

namespace ringcast::commands {
namespace {

enum class ClientType { Any, Normal, Pubsub, None };

ClientType parse_type(std::string_view s) {
  if (iequals(s, "normal")) return ClientType::Normal;
  if (iequals(s, "pubsub")) return ClientType::Pubsub;
  // ringcast has no replication: these types exist in Redis but match nobody here.
  if (iequals(s, "master") || iequals(s, "replica") || iequals(s, "slave")) return ClientType::None;
  return ClientType::Any;
}

bool type_matches(ClientType type, const Connection& c) {
  switch (type) {
    case ClientType::Any: return true;
    case ClientType::Normal: return !c.subscribed();
    case ClientType::Pubsub: return c.subscribed();
    case ClientType::None: return false;
  }
  return false;
}

bool parse_id(std::string_view s, uint64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

// One line of CLIENT LIST / CLIENT INFO, with Redis 7's fields in its order
// and then ringcast's own: the shard serving the connection.
std::string describe(const Connection& c, int64_t now_ms, unsigned recv_buffer_size, unsigned shard) {
  const size_t qbuf = c.inbuf.size();
  const size_t omem = c.out.bytes();
  const size_t tot_mem = sizeof(Connection) + c.inbuf.capacity() + omem + c.iov.capacity() * sizeof(iovec);
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi=-1 "
      "qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp=0 obl=0 oll={} omem={} tot-mem={} events=r{} "
      "cmd={} user={} redir=-1 resp={} shard={}\n",
      c.id, c.addr, c.laddr, c.fd, c.name, (now_ms - c.created_ms) / 1000, (now_ms - c.last_active_ms) / 1000,
      c.subscribed() ? "P" : "N", c.db, c.channels.size(), c.patterns.size(), c.shard_channels.size(), qbuf,
      c.inbuf.capacity() - qbuf, recv_buffer_size, c.out.segments(), omem, tot_mem, c.out.empty() ? "" : "w",
      c.last_command, c.user ? c.user->name() : "default", c.proto, shard);
}

constexpr unsigned kRecvBufferSize = 16 * 1024;

struct KillFilter {
  uint64_t id = 0;
  std::string addr, laddr;
  std::optional<std::string> user;  // clients acting as this ACL user
  ClientType type = ClientType::Any;
  bool skip_me = true;
  uint64_t me = 0;

  bool matches(const Connection& c) const {
    if (skip_me && c.id == me) return false;
    if (id != 0 && c.id != id) return false;
    if (!addr.empty() && c.addr != addr) return false;
    if (!laddr.empty() && c.laddr != laddr) return false;
    if (user && (c.user == nullptr || c.user->name() != *user)) return false;
    return type_matches(type, c);
  }
};

}  // namespace

void client_id(Request& req) { req.reply.integer(int64_t(req.conn.id)); }

void client_setname(Request& req) {
  if (set_client_name(req, req.args[2])) req.reply.ok();
}

void client_getname(Request& req) {
  if (req.conn.name.empty()) {
    req.reply.null();
  } else {
    req.reply.bulk(req.conn.name);
  }
}

std::string client_info_text(Request& req) {
  std::string line = describe(req.conn, req.broker.now_ms(), kRecvBufferSize, req.broker.shard_index());
  line.pop_back();  // the '\n' that ends a CLIENT LIST line
  return line;
}

void client_info(Request& req) {
  req.reply.verbatim_text(describe(req.conn, req.broker.now_ms(), kRecvBufferSize, req.broker.shard_index()));
}

void client_list(Request& req) {
  ClientType type = ClientType::Any;
  std::vector<uint64_t> ids;
  if (req.args.size() >= 4 && iequals(req.args[2], "TYPE") && req.args.size() == 4) {
    type = parse_type(req.args[3]);
    if (type == ClientType::Any) {
      reply_error_line(req, "ERR Unknown client type '" + std::string(req.args[3]) + "'");
      return;
    }
  } else if (req.args.size() >= 4 && iequals(req.args[2], "ID")) {
    for (size_t i = 3; i < req.args.size(); ++i) {
      uint64_t id;
      if (!parse_id(req.args[i], id) || id == 0) {
        req.reply.error("ERR Invalid client ID");
        return;
      }
      ids.push_back(id);
    }
  } else if (req.args.size() != 2) {
    req.reply.error("ERR syntax error");
    return;
  }
  req.broker.gather_clients(
      req.conn,
      [type, ids](ClientScope& shard) {
        std::string text;
        shard.for_each([&](const Connection& c) {
          if (!type_matches(type, c)) return;
          if (!ids.empty() && std::find(ids.begin(), ids.end(), c.id) == ids.end()) return;
          text += describe(c, shard.now_ms(), kRecvBufferSize, shard.shard_index());
        });
        return text;
      },
      [](Connection& c, std::vector<std::string>& parts) {
        std::string all;
        for (const std::string& part : parts) all += part;
        reply_writer(c).verbatim_text(all);
      });
}

void client_kill(Request& req) {
  KillFilter filter;
  filter.me = req.conn.id;
  const bool old_form = req.args.size() == 3;
  if (old_form) {
    filter.addr = req.args[2];
    filter.skip_me = false;
  } else {
    if (req.args.size() % 2 != 0) {
      req.reply.error("ERR syntax error");
      return;
    }
    for (size_t i = 2; i < req.args.size(); i += 2) {
      std::string_view key = req.args[i], value = req.args[i + 1];
      if (iequals(key, "ID")) {
        int64_t id;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), id);
        if (ec != std::errc() || end != value.data() + value.size() || id <= 0) {
          req.reply.error("ERR client-id should be greater than 0");
          return;
        }
        filter.id = uint64_t(id);
      } else if (iequals(key, "ADDR")) {
        filter.addr = value;
      } else if (iequals(key, "LADDR")) {
        filter.laddr = value;
      } else if (iequals(key, "USER")) {
        if (req.broker.acl().find(value) == nullptr) {
          // Redis prints the name with %s: it ends at a NUL byte.
          reply_error_line(req, "ERR No such user '" + std::string(value.substr(0, value.find('\0'))) + "'");
          return;
        }
        filter.user = std::string(value);
      } else if (iequals(key, "TYPE")) {
        filter.type = parse_type(value);
        if (filter.type == ClientType::Any) {
          reply_error_line(req, "ERR Unknown client type '" + std::string(value) + "'");
          return;
        }
      } else if (iequals(key, "SKIPME")) {
        if (iequals(value, "yes")) {
          filter.skip_me = true;
        } else if (iequals(value, "no")) {
          filter.skip_me = false;
        } else {
          req.reply.error("ERR syntax error");
          return;
        }
      } else {
        req.reply.error("ERR syntax error");
        return;
      }
    }
  }
  req.broker.gather_clients(
      req.conn,
      [filter](ClientScope& shard) {
        std::vector<Connection*> victims;
        shard.for_each([&](Connection& c) {
          if (filter.matches(c)) victims.push_back(&c);
        });
        for (Connection* c : victims) {
          // As Redis: a client killing itself hears the reply, then is closed.
          if (c->id == filter.me) {
            c->close_after_reply = true;
          } else {
            shard.kill(*c, "killed by CLIENT KILL");
          }
        }
        return std::to_string(victims.size());
      },
      [old_form](Connection& c, std::vector<std::string>& parts) {
        int64_t killed = 0;
        for (const std::string& part : parts) killed += std::stoll(part);
        resp::ReplyWriter reply = reply_writer(c);
        if (!old_form) {
          reply.integer(killed);
        } else if (killed == 0) {
          reply.error("ERR No such client");
        } else {
          reply.ok();
        }
      });
}

void client_reply(Request& req) {
  Connection& c = req.conn;
  const std::string_view mode = req.args[2];
  if (iequals(mode, "on")) {
    // Redis clears the flags before it replies: ON is answered even when
    // it was itself to be skipped.
    c.reply_off = c.reply_skip_next = c.replies_silenced = false;
    reply_writer(c).ok();
  } else if (iequals(mode, "off")) {
    c.reply_off = true;
  } else if (iequals(mode, "skip")) {
    if (!c.reply_off) c.reply_skip_next = true;
  } else {
    req.reply.error("ERR syntax error");
  }
}

void client_no_echo(Request& req) {
  const std::string_view mode = req.args[2];
  if (iequals(mode, "on")) {
    req.conn.no_echo = true;
  } else if (iequals(mode, "off")) {
    req.conn.no_echo = false;
  } else {
    req.reply.error("ERR syntax error");
    return;
  }
  req.reply.ok();
}

void client_help(Request& req) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "NO-ECHO (ON|OFF)",
      "    Do not send the current connection the messages it publishes itself.",
      "HELP",
      "    Prints this help.",
  };
  reply_help(req, kLines);
}

}  // namespace ringcast::commands
