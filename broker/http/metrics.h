// Reads the running daemon's counters into a DaemonFigures snapshot: the
// server's, each shard's (relaxed atomics, safe from any thread) and the
// directory's. Call only between Server::start() and Server::join().
#pragma once

#include <string>

#include "http/daemon_figures.h"

namespace ringcast {
class Server;
}

namespace ringcast::http {

DaemonFigures collect_figures(Server& server);

inline std::string daemon_metrics_text(Server& server) { return render_prometheus(collect_figures(server)); }
inline std::string daemon_stats_json(Server& server) { return render_stats_json(collect_figures(server)); }

}  // namespace ringcast::http
