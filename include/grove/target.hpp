#pragma once
/// @file
/// The instruction-set targets of the engine's kernels, a ladder where each target runs every
/// kernel of the one below it: scalar < avx2 < avx512 < avx512_vbmi.

#include <string>

#include "grove/error.hpp"

namespace grove {

/// Instruction set of the engine's kernels.
enum class isa_kind {
  automatic,  ///< the best one compiled in that the CPU supports (or GROVE_ISA)
  scalar,
  avx2,         ///< AVX2 and FMA
  avx512,       ///< AVX-512 F, VL, BW and DQ
  avx512_vbmi,  ///< avx512 and the byte permutes of VBMI
};

/// The targets from the lowest rung up.
inline constexpr isa_kind target_ladder[] = {isa_kind::scalar, isa_kind::avx2, isa_kind::avx512,
                                             isa_kind::avx512_vbmi};

inline const char* to_string(isa_kind k) noexcept {
  switch (k) {
    case isa_kind::automatic:
      return "auto";
    case isa_kind::scalar:
      return "scalar";
    case isa_kind::avx2:
      return "avx2";
    case isa_kind::avx512:
      return "avx512";
    case isa_kind::avx512_vbmi:
      return "avx512_vbmi";
  }
  return "unknown";
}

/// Parses "auto" or a target's name; anything else is an invalid_argument error.
inline isa_kind isa_from_string(const std::string& name, const std::string& where = "isa") {
  if (name == to_string(isa_kind::automatic)) return isa_kind::automatic;
  std::string names = "auto";
  for (isa_kind k : target_ladder) {
    if (name == to_string(k)) return k;
    names += std::string(", ") + to_string(k);
  }
  throw error(error_code::invalid_argument, where,
              "unknown instruction set '" + name + "' (expected " + names + ")");
}

/// True when this CPU can run the kernels of `k`.
inline bool cpu_supports(isa_kind k) noexcept {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  switch (k) {
    case isa_kind::automatic:
    case isa_kind::scalar:
      return true;
    case isa_kind::avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case isa_kind::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    case isa_kind::avx512_vbmi:
      return cpu_supports(isa_kind::avx512) && __builtin_cpu_supports("avx512vbmi");
  }
  return false;
#else
  return k == isa_kind::scalar || k == isa_kind::automatic;
#endif
}

}  // namespace grove
