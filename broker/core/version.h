// Which ringcast this is, and which Redis it behaves like (HELLO, INFO).
#pragma once

#include <string_view>

namespace ringcast {

inline constexpr std::string_view kVersion = "0.1.0";
inline constexpr std::string_view kRedisCompatVersion = "7.0.15";

}  // namespace ringcast
