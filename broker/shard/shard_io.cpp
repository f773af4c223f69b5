// A connection's read path (the backend's data -> parse -> execute), write
// path (arm queue -> capped writev -> completion) and teardown.
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "commands/command_table.h"
#include "core/clock.h"
#include "shard/shard.h"

namespace ringcast {

void Shard::start_receiving(Connection& c) {
  io_->start_receiving(c.slot, c.fd);
  c.receiving = true;
}

void Shard::on_data(io::ConnId conn, const char* data, size_t size) {
  Connection& c = *conns_[conn];
  counters_.net_input_bytes.add(uint64_t(size));
  // A closing connection's last bytes are counted, not read.
  if (!c.closing) on_input(c, data, size);
}

void Shard::on_receive_ended(io::ConnId conn, int error) {
  Connection& c = *conns_[conn];
  c.receiving = false;
  const bool paused = c.receive_pausing && error == -ECANCELED;
  c.receive_pausing = false;
  if (paused && !c.closing) {
    // The pause we asked for; reading may have resumed meanwhile.
    if (!c.reading_paused) start_receiving(c);
    return;
  }
  if (!c.closing) {
    if (error < 0) spdlog::debug("shard {}: client id={} recv: {}", index_, c.id, strerror(-error));
    close_connection(c, error == 0 ? "peer closed" : "recv error");
  }
  arm(c);  // freed in flush_writes, once nothing points at it
}

void Shard::on_input(Connection& c, const char* data, size_t size) {
  c.last_active_ms = now_ms_;
  if (c.close_after_reply) return;  // nothing after QUIT or a protocol error is read
  if (c.inbuf.empty() && !c.waiting && !c.reading_paused) {
    // The common case: whole requests in one buffer, parsed in place.
    const size_t used = execute_requests(c, {data, size});
    if (used < size && !c.closing && !c.close_after_reply) c.inbuf.assign(data + used, size - used);
  } else {
    c.inbuf.append(data, size);
    if (c.inbuf.size() >= c.inbuf_need) execute_buffered(c);
  }
  // While reading is paused, what still arrives is what the I/O layer had
  // taken in before the pause reached it: bounded by its receive buffers, and
  // no sign of a client sending too much.
  if (!c.closing && !c.reading_paused && c.inbuf.size() > settings_.query_buffer_limit) {
    counters_.client_query_buffer_limit_disconnections.add();
    spdlog::warn("closing client id={} addr={} name={}: query buffer of {} bytes over the {} byte limit", c.id,
                 c.addr, c.name, c.inbuf.size(), settings_.query_buffer_limit);
    close_connection(c, "query buffer limit");
  }
}

namespace {

constexpr size_t kBatchedNameMax = 256;

// (P|S)SUBSCRIBE and (P|S)UNSUBSCRIBE: the commands that may share one
// exclusive lock of the directory with the next one (PubSubEngine::begin_changes).
bool changes_subscriptions(std::string_view name) {
  if (name.size() < 9 || name.size() > 12) return false;
  char lower[12];
  for (size_t i = 0; i < name.size(); ++i) lower[i] = char(name[i] | 0x20);  // letters only below
  const std::string_view n(lower, name.size());
  return n == "subscribe" || n == "unsubscribe" || n == "psubscribe" || n == "punsubscribe" ||
         n == "ssubscribe" || n == "sunsubscribe";
}

}  // namespace

size_t Shard::execute_requests(Connection& c, std::string_view buf) {
  size_t pos = 0;
  c.inbuf_need = 0;
  while (pos < buf.size() && !c.waiting && !c.reading_paused && !c.close_after_reply && !c.closing) {
    const resp::ParseStatus status = parser_.parse(buf.substr(pos), &c.parse_progress, c.authenticated);
    if (status == resp::ParseStatus::NeedMore) {
      c.inbuf_need = parser_.bytes_needed();
      break;
    }
    if (status == resp::ParseStatus::Error) {
      counters_.protocol_errors.add();
      c.replies_silenced = c.reply_off || c.reply_skip_next;  // CLIENT REPLY, as for a command
      commands::reply_writer(c).error("ERR " + parser_.error_message());
      spdlog::debug("shard {}: client id={} addr={}: {}", index_, c.id, c.addr, parser_.error_message());
      c.close_after_reply = true;
      arm(c);
      break;
    }
    pos += parser_.consumed();
    if (parser_.args().empty()) continue;
    counters_.commands_processed.add();
    // A pipeline of one-name (un)subscriptions takes each directory lock once
    // for a run of them; any other command, and the end of this input, ends
    // the run, before a confirmation can be written out. Only short names:
    // the work between two changes (ACL globs over the name, ...) is done
    // with the lock held, and must stay as small as a publish's matching.
    const auto args = parser_.args();
    if (args.size() == 2 && args[1].size() <= kBatchedNameMax && changes_subscriptions(args[0])) {
      engine_.begin_changes();
    } else {
      engine_.end_changes();
    }
    commands::execute(*this, c, parser_.args());
    arm(c);
    after_command(c);
  }
  engine_.end_changes();
  return pos;
}

void Shard::after_command(Connection& c) {
  if (c.closing) return;
  const config::OutputLimit& limit = c.subscribed() ? settings_.pubsub_output : settings_.normal_output;
  // Replies count against the client's output limits as messages do.
  if (limit.hard_bytes != 0 || limit.soft_bytes != 0) engine_.check_output_limits(c);
  // A pipelining client that does not read its replies is slowed, not cut:
  // the kernel holds its further requests, and its peer blocks on a full window.
  // Not a subscriber: its output is mostly messages, which its pubsub limits
  // govern, and pausing it could leave its commands unread while traffic flows.
  const uint64_t pause_at = settings_.pause_reading_bytes;
  if (pause_at != 0 && !c.doomed && !c.subscribed() && c.out.bytes() > pause_at) pause_reading(c);
}

void Shard::pause_reading(Connection& c) {
  c.reading_paused = true;
  if (c.receiving && !c.receive_pausing) {
    c.receive_pausing = true;
    io_->pause_receiving(c.slot);
  }
}

void Shard::resume_reading(Connection& c) {
  c.reading_paused = false;
  // A pause still on its way ends in on_receive_ended, which restarts it.
  if (!c.receiving) start_receiving(c);
  execute_buffered(c);
}

void Shard::execute_buffered(Connection& c) {
  if (c.inbuf.empty() || c.closing || c.waiting || c.reading_paused) return;
  const size_t used = execute_requests(c, c.inbuf);
  if (!c.closing) c.inbuf.erase(0, used);
}

void Shard::resume(Connection& c) {
  c.waiting = false;
  arm(c);
  execute_buffered(c);
}

void Shard::flush_writes() {
  reply_queue_.drain([this](Connection* c) { write_armed(*c); });
  if (arm_queue_.empty()) return;
  const int64_t now_ns = monotonic_ns();
  if (!coalescing_.due(now_ns)) return;
  // Every Subscriber of this shard is one of its Connections.
  arm_queue_.drain([this](engine::Subscriber* s) { write_armed(*static_cast<Connection*>(s)); });
  coalescing_.flushed(now_ns);
}

void Shard::write_armed(Connection& c) {
  if (c.closing) {
    finalize_if_idle(c);
  } else if (!c.write_in_flight) {
    submit_write(c);
  }
}

void Shard::submit_write(Connection& c) {
  if (c.out.empty()) {
    if (c.close_after_reply && !c.waiting) close_connection(c, "closed after reply");
    return;
  }
  const size_t max_bytes = engine_.drop_oldest_policy()
                               ? output::kMaxWriteBytesDroppable
                               : output::kMaxWriteBytes;
  const size_t n = c.out.prepare(c.iov, output::kMaxIovecs, max_bytes);
  if (n == 0) {
    // Only empty reply segments were pending.
    c.out.complete(0);
    submit_write(c);
    return;
  }
  // c.iov and the frames it points at stay put until on_written.
  io_->write(c.slot, c.fd, c.iov.data(), unsigned(n));
  c.write_in_flight = true;
  counters_.writes.add();
  if (c.subscribed()) {  // replies to a publisher say nothing of what a window would gather
    coalescing_.wrote(loop_now_ns_, c.last_write_ns);
    c.last_write_ns = loop_now_ns_;
  }
}

void Shard::on_written(io::ConnId conn, int res) {
  Connection& c = *conns_[conn];
  c.write_in_flight = false;
  if (c.closing) {
    arm(c);
    return;
  }
  if (res < 0) {
    spdlog::debug("shard {}: client id={} write: {}", index_, c.id, strerror(-res));
    c.out.complete(0);
    close_connection(c, "write error");
    return;
  }
  counters_.net_output_bytes.add(uint64_t(res));
  // A short write resumes from the exact byte it stopped at.
  c.out.complete(size_t(res));
  if (c.soft_limit_since_ms != 0) engine_.check_output_limits(c);
  if (c.reading_paused && c.out.bytes() <= settings_.pause_reading_bytes / 2) resume_reading(c);
  if (c.close_after_reply || (!c.out.empty() && !c.subscribed())) {
    arm(c);
  } else if (!c.out.empty()) {
    // Messages that came while the write was out wait for the shard's next
    // flush of messages, as new ones would.
    arm_queue_.mark(&c);
  }
}

void Shard::close_connection(Connection& c, std::string_view why) {
  if (c.closing) return;
  c.closing = true;
  spdlog::debug("shard {}: client id={} addr={} closing: {}", index_, c.id, c.addr, why);
  drop_all_subscriptions(c);
  // Ends the receive and any write in flight; on_receive_ended and on_written
  // still come, and finalize_if_idle frees the connection after the last.
  io_->stop(c.slot, c.fd);
  // Never freed here: callers up the stack may still hold `c`. The arm queue
  // visit at the end of the iteration frees it once the kernel let go too.
  arm(c);
}

void Shard::finalize_if_idle(Connection& c) {
  // The backend holds `c` (its slot, its iovecs) until both completions came.
  if (c.receiving || c.write_in_flight || c.armed || c.reply_armed || c.doomed) return;
  close(c.fd);
  c.out.clear();
  const uint32_t slot = c.slot;
  conns_[slot].reset();
  free_slots_.push_back(slot);
  --live_conns_;
  counters_.connections.set(live_conns_);
  node_.clients.gone();
}

Connection* Shard::find(uint32_t slot, uint64_t id) {
  if (slot >= conns_.size() || !conns_[slot]) return nullptr;
  Connection* c = conns_[slot].get();
  return c->id == id && !c->closing ? c : nullptr;
}

}  // namespace ringcast
