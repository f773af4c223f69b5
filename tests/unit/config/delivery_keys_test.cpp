// delivery.max_delay: how long a busy shard may hold delivered messages to
// write several per send. Default, units, off, and every way to get it wrong.
#include <gtest/gtest.h>

#include <string>

#include "config.h"
#include "load_helpers.h"
#include "scalar_parsing.h"

namespace ringcast::config {
namespace {

using test_support::error_from;
using test_support::load;

TEST(DeliveryMaxDelay, DefaultIsOneMillisecond) {
  EXPECT_EQ(load("").delivery_max_delay_us, 1000u);
  EXPECT_EQ(kDefaultDeliveryMaxDelayUs, 1000u);
}

TEST(DeliveryMaxDelay, MicrosecondsMillisecondsOrOff) {
  EXPECT_EQ(load("delivery: {max_delay: 250us}").delivery_max_delay_us, 250u);
  EXPECT_EQ(load("delivery: {max_delay: 2ms}").delivery_max_delay_us, 2000u);
  EXPECT_EQ(load("delivery: {max_delay: 2MS}").delivery_max_delay_us, 2000u);
  EXPECT_EQ(load("delivery: {max_delay: 10ms}").delivery_max_delay_us, 10000u);
  EXPECT_EQ(load("delivery: {max_delay: 0}").delivery_max_delay_us, 0u);
  EXPECT_EQ(load("delivery: {max_delay: off}").delivery_max_delay_us, 0u);
  EXPECT_EQ(load("delivery:\n  max_delay: 0us\n").delivery_max_delay_us, 0u);
}

TEST(DeliveryMaxDelay, Errors) {
  EXPECT_EQ(error_from("port: 1\ndelivery:\n  max_delay: 11ms\n"),
            "test.yaml:3: delivery.max_delay: out of range: must be from 0 (off) to 10ms, got '11ms'");
  EXPECT_EQ(error_from("delivery: {max_delay: 1}\n"),
            "test.yaml:1: delivery.max_delay: expected a delay like 500us or 1ms, or off, got '1'");
  EXPECT_EQ(error_from("delivery: {max_delay: 1s}\n"),
            "test.yaml:1: delivery.max_delay: expected a delay like 500us or 1ms, or off, got '1s'");
  EXPECT_EQ(error_from("delivery: {max_delay: -5us}\n"),
            "test.yaml:1: delivery.max_delay: out of range: must be from 0 (off) to 10ms, got '-5us'");
  EXPECT_EQ(error_from("delivery: {max_delay: [1ms]}\n"),
            "test.yaml:1: delivery.max_delay: expected a delay like 500us or 1ms, or off, got a list");
  EXPECT_EQ(error_from("delivery: {max-delay: 1ms}\n"),
            "test.yaml:1: delivery.max-delay: unknown key; did you mean 'max_delay'?");
}

TEST(DelayParsing, WholeMicrosecondsOrMilliseconds) {
  uint64_t us = 0;
  EXPECT_EQ(detail::parse_delay_us("750us", us), detail::ParseStatus::ok);
  EXPECT_EQ(us, 750u);
  EXPECT_EQ(detail::parse_delay_us("3ms", us), detail::ParseStatus::ok);
  EXPECT_EQ(us, 3000u);
  for (const char* junk : {"", "us", "ms", "1.5ms", "1 ms", "5", "1s", "+1ms"})
    EXPECT_EQ(detail::parse_delay_us(junk, us), detail::ParseStatus::malformed) << "'" << junk << "'";
  for (const char* too_far : {"-1ms", "99999999999999999999us", "18446744073709551615ms"})
    EXPECT_EQ(detail::parse_delay_us(too_far, us), detail::ParseStatus::out_of_range) << too_far;
}

}  // namespace
}  // namespace ringcast::config
