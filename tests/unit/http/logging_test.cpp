// Log set-up: the JSON-lines format (checked with a real JSON parser),
// rotation by size, and clear start-up errors.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "core/logging.h"

namespace ringcast {
namespace {

namespace fs = std::filesystem;

std::string format_json(spdlog::level::level_enum level, std::string_view text,
                        std::chrono::system_clock::time_point when) {
  spdlog::details::log_msg msg(spdlog::source_loc{}, "ringcast", level, spdlog::string_view_t(text.data(), text.size()));
  msg.time = when;
  spdlog::memory_buf_t buf;
  JsonLineFormatter().format(msg, buf);
  return std::string(buf.data(), buf.size());
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ringcast-log-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    setup_logging(LoggingOptions{});  // back to stderr, releasing the files
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST(JsonLineFormatter, FieldsAndUtcTimestamp) {
  // 2024-02-29 23:59:58.007 UTC
  const auto when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1709251198007LL));
  EXPECT_EQ(format_json(spdlog::level::info, "ready", when),
            "{\"ts\":\"2024-02-29T23:59:58.007Z\",\"level\":\"info\",\"msg\":\"ready\"}\n");
  EXPECT_EQ(format_json(spdlog::level::warn, "x", when),
            "{\"ts\":\"2024-02-29T23:59:58.007Z\",\"level\":\"warn\",\"msg\":\"x\"}\n");
  EXPECT_NE(format_json(spdlog::level::critical, "x", when).find("\"level\":\"critical\""), std::string::npos);
}

TEST(JsonLineFormatter, EscapesEverythingAClientCouldSend) {
  const auto when = std::chrono::system_clock::time_point{};
  const std::string nasty("client name \"a\\b\"\nnext\tline\x01\0end \xff\xfe caf\xc3\xa9", 41);
  const std::string line = format_json(spdlog::level::err, nasty, when);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(line).get(doc), simdjson::SUCCESS) << line;
  std::string_view msg;
  ASSERT_EQ(doc["msg"].get(msg), simdjson::SUCCESS);
  EXPECT_EQ(msg, std::string("client name \"a\\b\"\nnext\tline\x01\0end \xef\xbf\xbd\xef\xbf\xbd caf\xc3\xa9", 45));
  std::string_view level;
  ASSERT_EQ(doc["level"].get(level), simdjson::SUCCESS);
  EXPECT_EQ(level, "error");
}

TEST_F(LoggingTest, JsonLinesToAFile) {
  const fs::path file = dir_ / "ringcast.log";
  setup_logging({"debug", file.string(), "json", 0, 5});
  spdlog::info("hello {}", "world");
  spdlog::debug("quote \" here");
  spdlog::trace("below the level");
  spdlog::default_logger()->flush();
  const auto lines = read_lines(file);
  ASSERT_EQ(lines.size(), 2u);
  simdjson::dom::parser parser;
  for (const std::string& l : lines) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(l).get(doc), simdjson::SUCCESS) << l;
    std::string_view ts;
    ASSERT_EQ(doc["ts"].get(ts), simdjson::SUCCESS);
    EXPECT_EQ(ts.size(), 24u);
  }
  EXPECT_NE(lines[0].find("\"msg\":\"hello world\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"level\":\"debug\""), std::string::npos);
}

TEST_F(LoggingTest, TextFormatAppends) {
  const fs::path file = dir_ / "text.log";
  { std::ofstream(file) << "previous run\n"; }
  setup_logging({"info", file.string(), "text", 0, 5});
  spdlog::warn("careful");
  spdlog::default_logger()->flush();
  const auto lines = read_lines(file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "previous run");
  EXPECT_NE(lines[1].find("] [warning] careful"), std::string::npos) << lines[1];
}

TEST_F(LoggingTest, RotatesBySizeAndKeepsMaxFiles) {
  const fs::path file = dir_ / "ringcast.log";
  setup_logging({"info", file.string(), "json", 2048, 2});
  for (int i = 0; i < 200; ++i) spdlog::info("line {} {}", i, std::string(60, 'x'));
  spdlog::default_logger()->flush();
  EXPECT_TRUE(fs::exists(file));
  EXPECT_TRUE(fs::exists(dir_ / "ringcast.1.log"));
  EXPECT_TRUE(fs::exists(dir_ / "ringcast.2.log"));
  EXPECT_FALSE(fs::exists(dir_ / "ringcast.3.log"));
  for (const auto& entry : fs::directory_iterator(dir_)) EXPECT_LE(fs::file_size(entry.path()), 2048u);
  // The newest lines are in the current file.
  const auto lines = read_lines(file);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("line 199 "), std::string::npos);
}

TEST_F(LoggingTest, ClearErrors) {
  // A regular file where a directory should be: the log cannot be created.
  const fs::path blocker = dir_ / "not-a-dir";
  { std::ofstream(blocker) << "x"; }
  try {
    setup_logging({"info", (blocker / "ringcast.log").string(), "text", 0, 5});
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open log file '" + (blocker / "ringcast.log").string() + "'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(setup_logging({"loud", "", "text", 0, 5}), std::runtime_error);
  EXPECT_THROW(setup_logging({"info", "", "xml", 0, 5}), std::runtime_error);
  EXPECT_NO_THROW(setup_logging({"warn", "", "json", 0, 5}));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::warn);
}

}  // namespace
}  // namespace ringcast
