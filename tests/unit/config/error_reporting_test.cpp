// Every way a config can be wrong, and that each message points at the file, the line and the key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>

#include "config.h"
#include "load_helpers.h"

namespace ringcast::config {
namespace {

using test_support::error_from;

testing::AssertionResult contains(const std::string& message, std::string_view part) {
  if (message.find(part) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "'" << message << "' does not contain '" << part << "'";
}

struct KeyErrorCase {
  std::string_view name;
  std::string_view yaml;
  int line;
  std::string_view key_path;
  std::string_view problem;
};

void PrintTo(const KeyErrorCase& c, std::ostream* out) { *out << c.name; }

class KeyError : public testing::TestWithParam<KeyErrorCase> {};

TEST_P(KeyError, NamesFileLineAndKey) {
  const KeyErrorCase& c = GetParam();
  const std::string message = error_from(c.yaml);
  EXPECT_TRUE(contains(message, "test.yaml"));
  EXPECT_TRUE(contains(message, ":" + std::to_string(c.line) + ":"));
  EXPECT_TRUE(contains(message, std::string(c.key_path) + ": "));
  EXPECT_TRUE(contains(message, c.problem));
  // All of it in the promised order, nothing in between.
  const std::string prefix = "test.yaml:" + std::to_string(c.line) + ": " + std::string(c.key_path) + ": ";
  EXPECT_TRUE(message.starts_with(prefix)) << message << "\ndoes not start with\n" << prefix;
}

std::string case_name(const testing::TestParamInfo<KeyErrorCase>& info) {
  return std::string(info.param.name);
}

INSTANTIATE_TEST_SUITE_P(
    UnknownKeys, KeyError,
    testing::Values(KeyErrorCase{"TypoSuggestsTheKey", "# ringcast\nbind: 0.0.0.0\nprot: 7000\n", 3, "prot",
                                 "unknown key; did you mean 'port'?"},
                    KeyErrorCase{"RedisDashesSuggestUnderscores", "tcp-backlog: 100\n", 1, "tcp-backlog",
                                 "did you mean 'tcp_backlog'?"},
                    KeyErrorCase{"CaseSuggestsTheKey", "port: 1\nMaxClients: 5\n", 2, "MaxClients",
                                 "did you mean 'maxclients'?"},
                    KeyErrorCase{"NothingCloseListsTheKnownKeys", "log:\n  level: info\n  colour: true\n", 3,
                                 "log.colour", "unknown key; expected one of level, file"},
                    KeyErrorCase{"DeepTypoSuggestsTheSibling",
                                 "limits:\n  output:\n    pubsub:\n      hrad: 1mb\n", 4,
                                 "limits.output.pubsub.hrad", "did you mean 'hard'?"},
                    KeyErrorCase{"UnknownClientClass", "limits:\n  output:\n    replica: {hard: 1mb}\n", 3,
                                 "limits.output.replica", "unknown key; expected one of pubsub, normal, policy"},
                    KeyErrorCase{"RepeatedKey", "port: 1\nbind: 0.0.0.0\nport: 2\n", 3, "port",
                                 "duplicate key; first set on line 1"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    WrongTypes, KeyError,
    testing::Values(
        KeyErrorCase{"MapForPort", "port: {number: 1}\n", 1, "port",
                     "expected an integer from 1 to 65535, got a map"},
        KeyErrorCase{"WordForPort", "\n\nport: sixty\n", 3, "port",
                     "expected an integer from 1 to 65535, got 'sixty'"},
        KeyErrorCase{"FractionForPort", "port: 80.5\n", 1, "port",
                     "expected an integer from 1 to 65535, got '80.5'"},
        // yaml-cpp marks an empty value on the following line; the key's own line is the one to report.
        KeyErrorCase{"NothingForPort", "port:\nbind: 0.0.0.0\n", 1, "port", "got nothing"},
        KeyErrorCase{"ListForBind", "bind: [10.0.0.1, 10.0.0.2]\n", 1, "bind",
                     "expected an address to listen on, got a list"},
        KeyErrorCase{"EmptyBind", "bind: \"\"\n", 1, "bind", "expected an address to listen on, got nothing"},
        KeyErrorCase{"ScalarForLogSection", "port: 1\nlog: debug\n", 2, "log",
                     "expected a map of settings, got 'debug'"},
        KeyErrorCase{"MapForLogFile", "log:\n  file: {path: x}\n", 2, "log.file",
                     "expected a file path, got a map"},
        KeyErrorCase{"ScalarForOutputSection", "limits:\n  output: 32mb\n", 2, "limits.output",
                     "expected a map of settings, got '32mb'"},
        KeyErrorCase{"WordForSoftSeconds", "limits:\n  output:\n    normal:\n      soft_seconds: soon\n", 4,
                     "limits.output.normal.soft_seconds",
                     "expected an integer from 0 to 4294967295, got 'soon'"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    OutOfRange, KeyError,
    testing::Values(
        KeyErrorCase{"PortZero", "port: 0\n", 1, "port", "out of range: must be from 1 to 65535, got '0'"},
        KeyErrorCase{"PortTooHigh", "port: 65536\n", 1, "port",
                     "out of range: must be from 1 to 65535, got '65536'"},
        KeyErrorCase{"PortNegative", "port: -1\n", 1, "port",
                     "out of range: must be from 1 to 65535, got '-1'"},
        KeyErrorCase{"PortPastUint64", "port: 99999999999999999999\n", 1, "port", "must be from 1 to 65535"},
        KeyErrorCase{"BacklogZero", "tcp_backlog: 0\n", 1, "tcp_backlog", "must be from 1 to 65535"},
        KeyErrorCase{"TooManyClients", "maxclients: 1000001\n", 1, "maxclients", "must be from 1 to 1000000"},
        KeyErrorCase{"ZeroShards", "shards: 0\n", 1, "shards",
                     "out of range: must be 'auto' or from 1 to 64, got '0'"},
        KeyErrorCase{"TooManyShards", "shards: 65\n", 1, "shards", "must be 'auto' or from 1 to 64"},
        KeyErrorCase{"EmptyBulk", "limits:\n  max_bulk_len: 0\n", 2, "limits.max_bulk_len",
                     "out of range: must be from 1 to 1gb, got '0'"},
        KeyErrorCase{"HugeBulk", "limits:\n  max_bulk_len: 2gb\n", 2, "limits.max_bulk_len",
                     "must be from 1 to 1gb, got '2gb'"},
        KeyErrorCase{"SmallQueryBuffer", "limits:\n  query_buffer: 512kb\n", 2, "limits.query_buffer",
                     "must be from 1mb to 16gb, got '512kb'"},
        KeyErrorCase{"HugeQueryBuffer", "limits:\n  query_buffer: 17gb\n", 2, "limits.query_buffer",
                     "must be from 1mb to 16gb"},
        KeyErrorCase{"NegativeSizeOnFlowContinuationLine",
                     "limits:\n  output:\n    pubsub: {hard: 32mb,\n             soft: -1mb}\n", 4,
                     "limits.output.pubsub.soft",
                     "out of range: must be from 0 to 18446744073709551615, got '-1mb'"},
        KeyErrorCase{"SizePastUint64", "limits: {output: {normal: {hard: 17179869184gb}}}\n", 1,
                     "limits.output.normal.hard", "out of range"},
        KeyErrorCase{"ShutdownTooLong", "shutdown_timeout: 3601\n", 1, "shutdown_timeout",
                     "out of range: must be from 0 to 3600 seconds, got '3601'"},
        KeyErrorCase{"ShutdownNegative", "shutdown_timeout: -0.5\n", 1, "shutdown_timeout",
                     "must be from 0 to 3600"}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    BadValues, KeyError,
    testing::Values(
        KeyErrorCase{"SizeInWords", "limits:\n  output:\n    pubsub: {hard: lots, soft: 8mb}\n", 3,
                     "limits.output.pubsub.hard", "expected a size like 32mb"},
        KeyErrorCase{
            "SizeWithFraction", "limits:\n  max_bulk_len: 1.5mb\n", 2, "limits.max_bulk_len",
            "expected a size like 32mb (bytes, or a number with k, kb, m, mb, g or gb), got '1.5mb'"},
        KeyErrorCase{"SizeWithUnknownUnit", "limits:\n  query_buffer: 1tb\n", 2, "limits.query_buffer",
                     "expected a size like 32mb"},
        KeyErrorCase{"LogLevelListsTheAllowedOnes", "log:\n  file: x\n  level: verbose\n", 3, "log.level",
                     "expected one of trace, debug, info, warn, error, critical, off, got 'verbose'"},
        KeyErrorCase{"ShardsWord", "shards: many\n", 1, "shards",
                     "expected 'auto' or an integer from 1 to 64, got 'many'"},
        KeyErrorCase{"ShutdownWord", "shutdown_timeout: soon\n", 1, "shutdown_timeout",
                     "expected a number of seconds from 0 to 3600"},
        KeyErrorCase{"ShutdownWithUnit", "shutdown_timeout: 5s\n", 1, "shutdown_timeout", "got '5s'"}),
    case_name);

// Problems with the document itself have no key to name.
TEST(DocumentError, SyntaxErrorGivesYamlCppsLineAndMessage) {
  const std::string message = error_from("port: 1\nlog: [info\nbind: x\n");
  EXPECT_TRUE(message.starts_with("test.yaml:3: ")) << message;
  EXPECT_TRUE(contains(message, "end of sequence flow not found"));
}

TEST(DocumentError, BadIndentationIsASyntaxError) {
  const std::string message = error_from("log:\n  level: info\n    file: x\n");
  EXPECT_TRUE(message.starts_with("test.yaml:3: ")) << message;
  EXPECT_GT(message.size(), std::string_view("test.yaml:3: ").size());
}

TEST(DocumentError, TopLevelMustBeAMap) {
  EXPECT_EQ(error_from("just some text\n"), "test.yaml:1: expected a map of settings, got 'just some text'");
  EXPECT_EQ(error_from("# header\n- port: 1\n"), "test.yaml:2: expected a map of settings, got a list");
}

TEST(DocumentError, KeysMustBeNames) {
  EXPECT_TRUE(error_from("? [port]\n: 1\n").starts_with("test.yaml:1: expected a key name, got a list"));
}

TEST(DocumentError, ASecondDocumentIsRejectedAtItsFirstLine) {
  const std::string message = error_from("port: 1\n---\n\nport: 2\n");
  EXPECT_TRUE(message.starts_with("test.yaml:4: ")) << message;
  EXPECT_TRUE(contains(message, "second YAML document"));
}

// yaml-cpp 0.7 loops forever on these in LoadAll (found by the config fuzzer).
TEST(DocumentError, StrayTopLevelCommaIsASyntaxErrorNotAHang) {
  for (const char* text : {",", "{port: 6379},\n", "# c\n,\n", "port: 1\n---\n,\n"}) {
    const std::string message = error_from(text);
    EXPECT_TRUE(message.starts_with("test.yaml:")) << text << " -> " << message;
  }
}

// A file that removes itself, so failing tests leave nothing behind.
class ConfigFile {
 public:
  explicit ConfigFile(std::string_view yaml)
      : path_(std::filesystem::path(testing::TempDir()) /
              ("ringcast-config-test-" + std::to_string(::getpid()) + ".yaml")) {
    std::ofstream(path_) << yaml;
  }
  ~ConfigFile() { std::filesystem::remove(path_); }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(FileError, MissingFileSaysWhy) {
  const std::string path = "/nonexistent/ringcast/ringcast.yaml";
  try {
    load_file(path);
    ADD_FAILURE() << "loaded a missing file";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()), path + ": cannot open: No such file or directory");
  }
}

TEST(FileError, DirectoryCannotBeRead) {
  const std::string path = testing::TempDir();
  try {
    load_file(path);
    ADD_FAILURE() << "loaded a directory";
  } catch (const ConfigError& error) {
    EXPECT_TRUE(std::string_view(error.what()).starts_with(path + ": cannot ")) << error.what();
    EXPECT_TRUE(contains(error.what(), "Is a directory"));
  }
}

TEST(FileError, MessagesNameThePathTheFileWasLoadedFrom) {
  const ConfigFile file("bind: 0.0.0.0\nlog:\n  level: info\n  levle: debug\n");
  try {
    load_file(file.path());
    ADD_FAILURE() << "loaded a config with an unknown key";
  } catch (const ConfigError& error) {
    EXPECT_EQ(std::string(error.what()), file.path() + ":4: log.levle: unknown key; did you mean 'level'?");
  }
}

TEST(FileError, ValidFileLoads) {
  const ConfigFile file("port: 7000\n");
  EXPECT_EQ(load_file(file.path()).port, 7000);
}

}  // namespace
}  // namespace ringcast::config
