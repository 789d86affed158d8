#pragma once
/// @file
/// The instruction-set targets of the engine's kernels, a ladder where each target runs every
/// kernel of the one below it: scalar < avx2 < avx512 < avx512_vbmi.

#include <string>

#include <xsimd/config/xsimd_arch.hpp>

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

namespace detail {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
inline bool cpu_has_avx512vl() noexcept { return __builtin_cpu_supports("avx512vl"); }
inline bool cpu_has_avx512vbmi() noexcept { return __builtin_cpu_supports("avx512vbmi"); }
#else
inline bool cpu_has_avx512vl() noexcept { return false; }
inline bool cpu_has_avx512vbmi() noexcept { return false; }
#endif
}  // namespace detail

/// True when this CPU can run the kernels of `k`. xsimd's CPU detection answers for AVX2, FMA
/// and AVX-512 F, DQ and BW; xsimd 8.1 does not report AVX-512 VL and VBMI, which the compiler's
/// CPU probe does.
inline bool cpu_supports(isa_kind k) noexcept {
  const auto cpu = xsimd::available_architectures();
  switch (k) {
    case isa_kind::automatic:
    case isa_kind::scalar:
      return true;
    case isa_kind::avx2:
      return cpu.fma3_avx2 != 0;
    case isa_kind::avx512:
      return cpu.avx512f != 0 && cpu.avx512dq != 0 && cpu.avx512bw != 0 && detail::cpu_has_avx512vl();
    case isa_kind::avx512_vbmi:
      return cpu_supports(isa_kind::avx512) && detail::cpu_has_avx512vbmi();
  }
  return false;
}

}  // namespace grove
