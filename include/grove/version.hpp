#pragma once
/// @file
/// The library version.

#define GROVE_VERSION_MAJOR 0
#define GROVE_VERSION_MINOR 1
#define GROVE_VERSION_PATCH 0

namespace grove {
inline constexpr const char* version = "0.1.0";
}  // namespace grove
