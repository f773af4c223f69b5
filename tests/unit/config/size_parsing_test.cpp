// Redis-style size strings (parse_size) and second durations, checked against memtoll's table.
#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string_view>

#include "config.h"
#include "scalar_parsing.h"

namespace ringcast::config {
namespace {

struct SizeCase {
  std::string_view text;
  uint64_t bytes;
};

void PrintTo(const SizeCase& c, std::ostream* out) { *out << '"' << c.text << "\" = " << c.bytes; }

class ValidSize : public testing::TestWithParam<SizeCase> {};

TEST_P(ValidSize, ParsesToBytes) {
  uint64_t bytes = 0;
  ASSERT_TRUE(parse_size(GetParam().text, bytes)) << GetParam().text;
  EXPECT_EQ(bytes, GetParam().bytes) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    MemtollTable, ValidSize,
    testing::Values(SizeCase{"0", 0}, SizeCase{"1", 1}, SizeCase{"100", 100}, SizeCase{"007", 7},
                    SizeCase{"1b", 1}, SizeCase{"1B", 1}, SizeCase{"1k", 1000}, SizeCase{"1K", 1000},
                    SizeCase{"1kb", 1024}, SizeCase{"1KB", 1024}, SizeCase{"1kB", 1024},
                    SizeCase{"1m", 1000000}, SizeCase{"1mb", 1048576}, SizeCase{"32mb", 33554432},
                    SizeCase{"8MB", 8388608}, SizeCase{"1g", 1000000000}, SizeCase{"1gb", 1073741824},
                    SizeCase{"4GB", 4294967296}, SizeCase{"18446744073709551615", UINT64_MAX},
                    SizeCase{"17179869183gb", 17179869183ull << 30}));

class InvalidSize : public testing::TestWithParam<std::string_view> {};

TEST_P(InvalidSize, IsRejected) {
  uint64_t bytes = 0;
  EXPECT_FALSE(parse_size(GetParam(), bytes)) << "'" << GetParam() << "' parsed as " << bytes;
}

INSTANTIATE_TEST_SUITE_P(Junk, InvalidSize,
                         testing::Values("", "k", "mb", "lots", "mb1", "1mbb", "1tb", "1kib", "1 mb", " 1",
                                         "1 ", "1.5mb", "1e6", "0x10", "+1"));
INSTANTIATE_TEST_SUITE_P(Negative, InvalidSize, testing::Values("-1", "-1mb", "-0"));
INSTANTIATE_TEST_SUITE_P(Overflow, InvalidSize,
                         testing::Values("18446744073709551616", "17179869184gb",
                                         "99999999999999999999999k"));

TEST(SizeFormatting, UsesTheLargestExactBinaryUnit) {
  EXPECT_EQ(detail::format_size(0), "0");
  EXPECT_EQ(detail::format_size(1), "1");
  EXPECT_EQ(detail::format_size(1000), "1000");
  EXPECT_EQ(detail::format_size(1024), "1kb");
  EXPECT_EQ(detail::format_size(1536 * 1024), "1536kb");
  EXPECT_EQ(detail::format_size(1048576), "1mb");
  EXPECT_EQ(detail::format_size(4294967296), "4gb");
}

struct SecondsCase {
  std::string_view text;
  uint64_t ms;
};

void PrintTo(const SecondsCase& c, std::ostream* out) { *out << '"' << c.text << "\" = " << c.ms << "ms"; }

class ValidSeconds : public testing::TestWithParam<SecondsCase> {};

TEST_P(ValidSeconds, RoundToTheNearestMillisecond) {
  uint64_t ms = 0;
  ASSERT_EQ(detail::parse_seconds_as_ms(GetParam().text, ms), detail::ParseStatus::ok) << GetParam().text;
  EXPECT_EQ(ms, GetParam().ms) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(Durations, ValidSeconds,
                         testing::Values(SecondsCase{"0", 0}, SecondsCase{"5", 5000}, SecondsCase{"0.5", 500},
                                         SecondsCase{".25", 250}, SecondsCase{"2.", 2000},
                                         SecondsCase{"1.0004", 1000}, SecondsCase{"1.0005", 1001},
                                         SecondsCase{"0.9995", 1000}, SecondsCase{"3600", 3600000}));

TEST(SecondsParsing, SortsJunkFromNumbersOutOfRange) {
  uint64_t ms = 0;
  for (std::string_view junk : {"", ".", "soon", "1e3", "1.2.3", "5s", " 5", "+5"}) {
    EXPECT_EQ(detail::parse_seconds_as_ms(junk, ms), detail::ParseStatus::malformed) << "'" << junk << "'";
  }
  for (std::string_view too_far : {"-1", "-0.5", "99999999999999999999"}) {
    EXPECT_EQ(detail::parse_seconds_as_ms(too_far, ms), detail::ParseStatus::out_of_range) << too_far;
  }
}

}  // namespace
}  // namespace ringcast::config
