// Readiness probe over plain blocking sockets on the main thread, before any
// worker publishes; see probe.h.
#include "probe.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <vector>

#include "reply_parser.h"

namespace ringcast::loadgen {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRetry = std::chrono::milliseconds(100);

// One RESP connection: blocking connect and writes (a few KiB), reads polled
// against a deadline and parsed reply by reply.
class ProbeConn {
 public:
  ProbeConn() = default;
  ProbeConn(const ProbeConn&) = delete;
  ProbeConn& operator=(const ProbeConn&) = delete;
  ~ProbeConn() {
    if (fd_ >= 0) ::close(fd_);
  }

  std::string open(const sockaddr_in& a) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fmt::format("socket: {}", std::strerror(errno));
    timeval tv{5, 0};  // bounds connect and send
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
      return fmt::format("connect: {}", std::strerror(errno));
    return {};
  }

  bool send(const std::string& bytes) {
    for (size_t off = 0; off < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Hands every complete reply to `fn` until `until` (one poll at least), or
  // until `fn` returns false. Returns false if the connection failed.
  template <typename F>
  bool read(Clock::time_point until, F&& fn) {
    for (;;) {
      size_t consumed = 0;
      Reply r;
      bool more = true;
      while (more) {
        ParseResult pr = parse_reply(in_.data() + consumed, in_.size() - consumed, r);
        if (pr.status == ParseStatus::kProtocolError) return false;
        if (pr.status == ParseStatus::kNeedMore) break;
        consumed += pr.consumed;
        more = fn(r);
      }
      in_.erase(0, consumed);
      if (!more) return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0)));
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0) return rc == 0;
      char buf[16384];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      in_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string in_;
};

// "<prefix><node> <channel>" -> true and both numbers.
bool parse_probe(std::string_view p, uint32_t& node, uint32_t& channel) {
  if (!is_probe_payload(p)) return false;
  p.remove_prefix(kProbePrefix.size());
  size_t space = p.find(' ');
  if (space == std::string_view::npos) return false;
  auto a = std::from_chars(p.data(), p.data() + space, node);
  auto b = std::from_chars(p.data() + space + 1, p.data() + p.size(), channel);
  return a.ec == std::errc() && b.ec == std::errc() && b.ptr == p.data() + p.size();
}

bool is_message(const Reply& r) {
  return r.kind == ReplyKind::kMessage || r.kind == ReplyKind::kPMessage || r.kind == ReplyKind::kSMessage;
}

struct Prober {
  const RunContext& ctx;
  Clock::time_point deadline;

  std::string name(uint32_t node) const { return ctx.topo.nodes()[node].str(); }

  // Connects and sends the run's handshake (AUTH, HELLO 3); its replies are
  // read along with the rest.
  std::string connect(ProbeConn& c, uint32_t node) {
    if (std::string e = c.open(ctx.addrs[node]); !e.empty()) return fmt::format("{}: {}", name(node), e);
    if (!ctx.handshake.empty() && !c.send(ctx.handshake)) return fmt::format("{}: write failed", name(node));
    return {};
  }

  // Waits for `want` acks of `kind` (unsubscribe: until the count reaches 0).
  std::string await_acks(ProbeConn& c, uint32_t node, ReplyKind kind, size_t want) {
    std::string error;
    bool ok = c.read(deadline, [&](const Reply& r) {
      if (r.kind == ReplyKind::kError) error = std::string(r.text);
      else if (r.kind == kind && kind == ReplyKind::kSubscribeAck) --want;
      else if (r.kind == kind && r.integer == 0) want = 0;  // the last unsubscribe ack
      return error.empty() && want > 0;
    });
    if (!error.empty()) return fmt::format("{} answered: {}", name(node), error);
    if (!ok) return fmt::format("{} closed the connection", name(node));
    if (want > 0) return fmt::format("{} did not confirm the probe's subscriptions in time", name(node));
    return {};
  }

  std::string probe_pair(uint32_t from, uint32_t to, ProbeConn& sub, const std::vector<uint32_t>& cs) {
    ProbeConn pub;
    if (std::string e = connect(pub, from); !e.empty()) return e;
    std::vector<bool> got(cs.size(), false);
    size_t pending = cs.size();
    while (pending > 0) {
      if (Clock::now() >= deadline)
        return fmt::format("probes published on {} still missed {} of {} channels on {} (does the cluster route "
                           "between them?)",
                           name(from), pending, cs.size(), name(to));
      std::string batch;
      for (size_t i = 0; i < cs.size(); ++i)
        if (!got[i]) batch += ctx.plan.publish_command(cs[i], fmt::format("{}{} {}", kProbePrefix, from, cs[i]));
      if (!pub.send(batch)) return fmt::format("{}: write failed", name(from));
      auto next = std::min(deadline, Clock::now() + kRetry);
      bool ok = sub.read(next, [&](const Reply& r) {
        uint32_t node = 0, c = 0;
        if (is_message(r) && parse_probe(r.payload, node, c) && node == from) {
          auto it = std::lower_bound(cs.begin(), cs.end(), c);
          if (it != cs.end() && *it == c && !got[it - cs.begin()]) {
            got[it - cs.begin()] = true;
            --pending;
          }
        }
        return pending > 0;
      });
      if (!ok) return fmt::format("{} closed the probe subscriber", name(to));
      std::string error;  // PUBLISH replies and the handshake's: only errors matter
      if (!pub.read(Clock::now(), [&](const Reply& r) {
            if (r.kind == ReplyKind::kError) error = std::string(r.text);
            return error.empty();
          }) ||
          !error.empty())
        return fmt::format("probe publisher on {}: {}", name(from), error.empty() ? "connection lost" : error);
    }
    return {};
  }
};

}  // namespace

std::string wait_for_routes(const RunContext& ctx, double timeout_s) {
  Prober p{ctx, Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s))};
  for (uint32_t to : ctx.topo.subscribe_nodes()) {
    std::vector<uint32_t> cs = ctx.topo.channels_on(to);  // sorted
    if (cs.empty()) continue;
    ProbeConn sub;
    if (std::string e = p.connect(sub, to); !e.empty()) return "readiness probe: " + e;
    if (!sub.send(ctx.plan.subscribe_channels_command(cs))) return "readiness probe: write failed";
    if (std::string e = p.await_acks(sub, to, ReplyKind::kSubscribeAck, cs.size()); !e.empty())
      return "readiness probe: " + e;
    for (uint32_t from : ctx.topo.publish_nodes())
      if (std::string e = p.probe_pair(from, to, sub, cs); !e.empty()) return "readiness probe: " + e;
    // Leave only after the server confirmed it: a publish on this node must
    // not count the probe subscriber among its receivers.
    if (!sub.send(ctx.plan.unsubscribe_all_command())) return "readiness probe: write failed";
    if (std::string e = p.await_acks(sub, to, ReplyKind::kUnsubscribeAck, 1); !e.empty())
      return "readiness probe: " + e;
  }
  return {};
}

std::string prime_history(const RunContext& ctx, double timeout_s) {
  Prober p{ctx, Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s))};
  ProbeConn c;
  if (std::string e = p.connect(c, ctx.topo.publisher_node(0)); !e.empty()) return "priming history: " + e;
  std::string batch;
  for (uint32_t ch = 0; ch < ctx.plan.channel_count(); ++ch) {
    batch += Plan::encode_command({"HISTORY", ctx.plan.channel_name(ch), "COUNT", "0"});
    batch += ctx.plan.publish_command(ch, fmt::format("{}primer {}", kProbePrefix, ch));
  }
  if (!c.send(batch)) return "priming history: write failed";
  size_t want = ctx.handshake_replies + 2 * size_t{ctx.plan.channel_count()};
  std::string error;
  bool ok = c.read(p.deadline, [&](const Reply& r) {
    if (r.kind == ReplyKind::kError) error = std::string(r.text);
    return error.empty() && --want > 0;
  });
  if (!error.empty())
    return fmt::format("priming history: the server answered '{}'; the resume scenario needs a history rule for "
                       "its channels, e.g. history: {{rules: [{{channels: [\"{}:*\"], max_messages: 10000}}]}}",
                       error, ctx.opt.prefix);
  if (!ok || want > 0) return "priming history: no complete answer in time";
  return {};
}

}  // namespace ringcast::loadgen
