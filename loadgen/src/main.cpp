// ringcast-loadgen entry point: `run` (default), `report`, `free-port`.
#include <csignal>
#include <fmt/format.h>

#include <string>
#include <vector>

#include "options.h"
#include "report.h"
#include "result.h"
#include "run.h"
#include "sub_churn.h"
#include "sysinfo.h"

using namespace ringcast::loadgen;

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string cmd = "run";
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    cmd = args[0];
    args.erase(args.begin());
  }
  if (cmd == "report") return run_report(args);
  if (cmd == "free-port") {
    uint16_t p = free_port();
    if (p == 0) return 2;
    fmt::print("{}\n", p);
    return 0;
  }
  if (cmd == "help" || (!args.empty() && (args[0] == "--help" || args[0] == "-h"))) {
    fmt::print("{}", usage());
    return 0;
  }
  if (cmd != "run") {
    fmt::print(stderr, "unknown command '{}'\n{}", cmd, usage());
    return 2;
  }
  Options o;
  try {
    o = parse_cli(args);
  } catch (const OptionError& e) {
    fmt::print(stderr, "ringcast-loadgen: {}\n", e.what());
    return 2;
  }
  if (!o.sub_churn.empty()) return run_sub_churn(o);
  RunResult r;
  std::string error;
  if (!execute_run(o, r, error)) {
    fmt::print(stderr, "ringcast-loadgen: {}\n", error);
    return 2;
  }
  if (!o.quiet) print_summary(o, r);
  if (!o.json_path.empty()) {
    try {
      write_json(o, r, o.json_path);
    } catch (const std::exception& e) {
      fmt::print(stderr, "ringcast-loadgen: {}\n", e.what());
      return 2;
    }
  }
  if (o.quiet) fmt::print("{} {} deliveries/s={:.0f} verified={}\n", o.scenario, o.label, r.deliveries_per_s(), r.verified);
  return (o.check && !r.verified) ? 1 : 0;
}
