// Unit tests for loadgen options: presets, sizes, the YAML scenario file parser and CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "options.h"
#include "payload.h"
#include "plan.h"
#include "scenario_file.h"

using namespace ringcast::loadgen;

TEST(Options, ParseSize) {
  EXPECT_EQ(parse_size("0"), 0u);
  EXPECT_EQ(parse_size("64"), 64u);
  EXPECT_EQ(parse_size("1k"), 1024u);
  EXPECT_EQ(parse_size("64KiB"), 65536u);
  EXPECT_EQ(parse_size("4m"), 4u << 20);
  EXPECT_EQ(parse_size("2MB"), 2u << 20);
  EXPECT_THROW(parse_size("k"), OptionError);
  EXPECT_THROW(parse_size("12q"), OptionError);
}

TEST(ScenarioFile, AppliesPresetThenKeys) {
  Options o;
  apply_scenario_yaml(o, R"(
# the preset goes first wherever it is written
subscribers: 250
scenario: many-channels
sizes: [0, 1k, 64KiB]
resp3: true
rate: 5000
label: redis
)", "test.yaml");
  EXPECT_EQ(o.scenario, "many-channels");
  EXPECT_EQ(o.channels, 1000u);  // from the preset
  EXPECT_EQ(o.subscribers, 250u);  // the file wins over the preset
  ASSERT_EQ(o.sizes.size(), 3u);
  EXPECT_EQ(o.sizes[1], 1024u);
  EXPECT_EQ(o.sizes[2], 65536u);
  EXPECT_TRUE(o.resp3);
  EXPECT_TRUE(o.rate_mode());
  EXPECT_EQ(o.label, "redis");
}

TEST(ScenarioFile, ErrorsNameFileLineAndKey) {
  Options o;
  try {
    apply_scenario_yaml(o, "publishers: 2\nsubscribers: lots\n", "bad.yaml");
    FAIL() << "expected an error";
  } catch (const OptionError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("bad.yaml:2"), std::string::npos) << m;
    EXPECT_NE(m.find("subscribers"), std::string::npos) << m;
    EXPECT_NE(m.find("lots"), std::string::npos) << m;
  }
  EXPECT_THROW(apply_scenario_yaml(o, "no-such-key: 1\n", "x.yaml"), OptionError);
  EXPECT_THROW(apply_scenario_yaml(o, "scenario: nope\n", "x.yaml"), OptionError);
  EXPECT_THROW(apply_scenario_yaml(o, "- a\n- b\n", "x.yaml"), OptionError);
  EXPECT_THROW(apply_scenario_yaml(o, "publishers: [1, [2]]\n", "x.yaml"), OptionError);
  EXPECT_THROW(apply_scenario_yaml(o, "slow-share: 2\n", "x.yaml"), OptionError);
  EXPECT_THROW(apply_scenario_yaml(o, "a: [\n", "x.yaml"), OptionError);
  EXPECT_NO_THROW(apply_scenario_yaml(o, "", "empty.yaml"));
}

TEST(ScenarioFile, MissingFileIsAnError) {
  Options o;
  EXPECT_THROW(load_scenario_file(o, "/nonexistent/scenario.yaml"), OptionError);
}

TEST(Cli, FlagsOverridePresetInAnyOrder) {
  Options o = parse_cli({"--subscribers", "7", "--scenario", "patterns", "--port=7000", "--resp3", "--json", "x.json"});
  EXPECT_EQ(o.scenario, "patterns");
  EXPECT_EQ(o.patterns, 100u);
  EXPECT_EQ(o.subscribers, 7u);
  EXPECT_EQ(o.port, 7000);
  EXPECT_TRUE(o.resp3);
  EXPECT_EQ(o.json_path, "x.json");
  EXPECT_THROW(parse_cli({"--port", "0"}), OptionError);
  EXPECT_THROW(parse_cli({"--publishers"}), OptionError);
  EXPECT_THROW(parse_cli({"stray"}), OptionError);
  EXPECT_THROW(parse_cli({"--patterns", "3", "--sharded"}), OptionError);
}

TEST(Cli, EveryPresetValidates) {
  for (const auto& name : preset_names()) EXPECT_NO_THROW(parse_cli({"--scenario", name})) << name;
}

TEST(Cli, ResumeScenario) {
  Options o = parse_cli({"--scenario", "resume", "--resume-min", "100", "--resume-max", "300", "--resume-offline", "0"});
  EXPECT_TRUE(o.resume);
  EXPECT_EQ(Plan(o).channel_name(3), "resume:3");  // what the server's history rule must match
  EXPECT_EQ(o.resume_min_ms, 100u);
  EXPECT_EQ(o.resume_offline_ms, 0u);
  EXPECT_EQ(parse_cli({"--scenario", "resume", "--scenario", "fanout"}).prefix, "lg");  // presets reset it
  EXPECT_THROW(parse_cli({"--scenario", "resume", "--rate", "0"}), OptionError);  // replies cannot pace it
  EXPECT_THROW(parse_cli({"--scenario", "resume", "--patterns", "4"}), OptionError);
  EXPECT_THROW(parse_cli({"--scenario", "resume", "--resume-min", "500", "--resume-max", "400"}), OptionError);
  EXPECT_THROW(parse_cli({"--scenario", "resume", "--endpoints", "127.0.0.1:1,127.0.0.1:2"}), OptionError);
}

TEST(Plan, ChannelModeAssignsAndCounts) {
  Options o = parse_cli({"--subscribers", "10", "--channels", "4", "--publishers", "3"});
  Plan p(o);
  EXPECT_EQ(p.channel_count(), 4u);
  EXPECT_EQ(p.receivers(0), 3u);  // subscribers 0, 4, 8
  EXPECT_EQ(p.receivers(3), 2u);
  EXPECT_TRUE(p.owns(5, 1));
  EXPECT_FALSE(p.owns(5, 2));
  EXPECT_EQ(p.subscribe_command(5), "*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nlg:1\r\n");
  EXPECT_EQ(p.publish_prefix(2), "*3\r\n$7\r\nPUBLISH\r\n$4\r\nlg:2\r\n");
  EXPECT_EQ(p.payload_size(0), 64u);
}

TEST(Plan, PatternModeMatchesExactlyOnePattern) {
  Options o = parse_cli({"--patterns", "10", "--subscribers", "4", "--nonmatching", "25", "--sizes", "0,100"});
  Plan p(o);
  EXPECT_EQ(p.subscription_count(0), 3u);  // patterns 0, 4, 8
  EXPECT_EQ(p.subscription_count(3), 2u);  // patterns 3, 7
  EXPECT_EQ(p.subscribe_command(3), "*3\r\n$10\r\nPSUBSCRIBE\r\n$6\r\nlg:3:*\r\n$6\r\nlg:7:*\r\n");
  for (uint32_t c = 0; c < 10; ++c) EXPECT_EQ(p.receivers(c), 1u);
  EXPECT_EQ(p.payload_size(0), kPayloadHeaderSize);  // 0 B raised to the header
  int nonmatching = 0;
  for (uint64_t k = 0; k < 400; ++k) {
    uint32_t c = p.publish_channel(1, k);
    ASSERT_LT(c, p.channel_count());
    if (c >= 10) {
      ++nonmatching;
      EXPECT_EQ(p.receivers(c), 0u);
    }
  }
  EXPECT_EQ(nonmatching, 100);  // exactly 25%
}

TEST(ScenarioFile, ShippedScenarioFilesLoadAndValidate) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(LOADGEN_SCENARIO_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    Options o;
    EXPECT_NO_THROW({
      load_scenario_file(o, entry.path().string());
      validate(o);
    }) << entry.path();
    ++seen;
  }
  EXPECT_GE(seen, 3);
}
