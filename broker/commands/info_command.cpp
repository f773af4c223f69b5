// INFO: the daemon's snapshot rendered as Redis renders its sections.
#include <string>
#include <vector>

#include "commands/handlers.h"
#include "stats/snapshot.h"

namespace ringcast::commands {

void info(Request& req) {
  const std::vector<std::string> sections(req.args.begin() + 1, req.args.end());
  req.reply.verbatim_text(stats::render_info(req.broker.snapshot(), sections));
}

}  // namespace ringcast::commands
