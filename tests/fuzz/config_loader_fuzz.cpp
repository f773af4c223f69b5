// libFuzzer target for the YAML config loader, ringcast::config::load_string.
//
// Bad input must end in ConfigError, whose message names the source; any
// other exception, a crash or a sanitizer report is a bug. An accepted config
// must hold values inside the documented ranges. The input is also fed, as
// one string, to the public parse_size() and checked against its definition.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "config.h"
#include "fuzz_check.h"

namespace {

using ringcast::config::Config;
using ringcast::config::ConfigError;

constexpr std::string_view kSource = "fuzz.yaml";

void check_accepted(const Config& c) {
  constexpr uint64_t kMiB = 1024ull * 1024;
  constexpr uint64_t kGiB = 1024ull * kMiB;
  FUZZ_CHECK(!c.bind.empty());
  FUZZ_CHECK(c.port >= 1);
  FUZZ_CHECK(c.shards <= 64);
  FUZZ_CHECK(c.tcp_backlog >= 1 && c.tcp_backlog <= 65535);
  FUZZ_CHECK(c.maxclients >= 1 && c.maxclients <= 1000000);
  FUZZ_CHECK(c.log_level == "trace" || c.log_level == "debug" || c.log_level == "info" || c.log_level == "warn" ||
             c.log_level == "error" || c.log_level == "critical" || c.log_level == "off");
  FUZZ_CHECK(c.max_bulk_len >= 1 && c.max_bulk_len <= 4 * kGiB);
  FUZZ_CHECK(c.query_buffer_limit >= kMiB && c.query_buffer_limit <= 16 * kGiB);
  FUZZ_CHECK(c.shutdown_timeout_ms <= 3600u * 1000);
}

// Redis memtoll as config.h describes parse_size: digits, then nothing or one
// of b, k, kb, m, mb, g, gb in any case; the value must fit in uint64.
bool reference_parse_size(std::string_view text, uint64_t& out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return false;
  std::string unit(text.substr(digits));
  for (char& ch : unit) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  unsigned __int128 multiplier = 0;
  if (unit.empty() || unit == "b") multiplier = 1;
  else if (unit == "k") multiplier = 1000;
  else if (unit == "kb") multiplier = 1024;
  else if (unit == "m") multiplier = 1000 * 1000;
  else if (unit == "mb") multiplier = 1024 * 1024;
  else if (unit == "g") multiplier = 1000 * 1000 * 1000;
  else if (unit == "gb") multiplier = 1024 * 1024 * 1024;
  else return false;
  unsigned __int128 value = 0;
  for (size_t i = 0; i < digits; ++i) {
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
    if (value > UINT64_MAX) return false;
  }
  value *= multiplier;
  if (value > UINT64_MAX) return false;
  out = static_cast<uint64_t>(value);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  try {
    const Config config = ringcast::config::load_string(text, kSource);
    check_accepted(config);
  } catch (const ConfigError& error) {
    const std::string_view message = error.what();
    FUZZ_CHECK(message.starts_with(kSource));
    FUZZ_CHECK(message.size() > kSource.size());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "\nconfig_loader_fuzz: load_string threw %s (not ConfigError): %s\n",
                 typeid(error).name(), error.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "\nconfig_loader_fuzz: load_string threw a non-std::exception\n");
    std::abort();
  }

  uint64_t got = 0;
  uint64_t expected = 0;
  const bool ok = ringcast::config::parse_size(text, got);
  FUZZ_CHECK(ok == reference_parse_size(text, expected));
  if (ok) FUZZ_CHECK(got == expected);
  return 0;
}
