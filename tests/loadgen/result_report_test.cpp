// Round trip of result files: write_json output read back by `report` (simdjson),
// grouped by scenario and label, medians and ratios against the baseline.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "options.h"
#include "report.h"
#include "result.h"

using namespace ringcast::loadgen;

namespace {

std::string write_result(const std::filesystem::path& dir, const std::string& label, int round, double deliveries) {
  Options o;
  o.label = label;
  o.scenario = "fanout";
  RunResult r;
  r.window_s = 1.0;
  r.totals[kReplySumMeasured] = static_cast<uint64_t>(deliveries);
  r.totals[kDeliveriesMeasured] = static_cast<uint64_t>(deliveries);
  r.totals[kPublishesMeasured] = r.totals[kRepliesMeasured] = 10;
  r.server_cpu_s = 0.5;
  r.loadgen_cpu_s = 0.25;
  r.latency.record(1000);
  r.finish(o);
  auto path = dir / (label + "." + std::to_string(round) + ".json");
  write_json(o, r, path.string());
  return path.string();
}

}  // namespace

TEST(ResultReport, VerdictFollowsCounts) {
  Options o;
  RunResult r;
  r.window_s = 1;
  r.totals[kReplySumMeasured] = 100;
  r.totals[kDeliveriesMeasured] = 99;
  r.totals[kPublishesMeasured] = r.totals[kRepliesMeasured] = 1;
  r.finish(o);
  EXPECT_FALSE(r.verified);
  EXPECT_EQ(r.lost, 1u);
  r.totals[kDeliveriesMeasured] = 100;
  r.finish(o);
  EXPECT_TRUE(r.verified);
  r.totals[kDuplicates] = 1;
  r.finish(o);
  EXPECT_FALSE(r.verified);
}

TEST(ResultReport, MediansAndRatiosFromFiles) {
  auto dir = std::filesystem::temp_directory_path() / ("lg-report-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::string> args{"--baseline", "a"};
  // a: 100, 300, 200 -> median 200; b: 400, 500, 600 -> median 500; ratio 2.50.
  double a[] = {100e3, 300e3, 200e3}, b[] = {400e3, 500e3, 600e3};
  for (int i = 0; i < 3; ++i) {
    args.push_back(write_result(dir, "a", i, a[i]));
    args.push_back(write_result(dir, "b", i, b[i]));
  }
  testing::internal::CaptureStdout();
  int status = run_report(args);
  std::string out = testing::internal::GetCapturedStdout();
  std::filesystem::remove_all(dir);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("200.0k"), std::string::npos) << out;
  EXPECT_NE(out.find("500.0k"), std::string::npos) << out;
  EXPECT_NE(out.find("2.50"), std::string::npos) << out;
  EXPECT_NE(out.find("3/3"), std::string::npos) << out;
}

TEST(ResultReport, RejectsFilesThatAreNotResults) {
  auto path = std::filesystem::temp_directory_path() / ("lg-bad-" + std::to_string(::getpid()) + ".json");
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("{\"hello\": 1}", f);
  std::fclose(f);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_report({path.string()}), 2);
  testing::internal::GetCapturedStderr();
  std::filesystem::remove(path);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_report({"/nonexistent.json"}), 2);
  testing::internal::GetCapturedStderr();
}
