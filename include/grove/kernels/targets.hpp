#pragma once
/// @file
/// The targets the engine's kernels are compiled for, from the lowest rung of the ladder up
/// (scalar < avx2 < avx512 < avx512_vbmi), each described once: its name, the CPU features it
/// needs, the target whose kernels it starts from and the function that sets its own kernels.
///
/// Each target's kernel code lives in its own namespace (grove::kernels::<target>, headers
/// kernels/target_<target>.hpp), the generic parts (kernels/generic/) compiled once inside each,
/// so no function is shared between targets or with portable code: a function compiled with a
/// target's instruction set can be reached only through that target's kernel_set.
///
/// Static dispatch (default): the targets the including translation unit's flags enable are
/// compiled in (-mavx2 -mfma; -mavx512f -mavx512vl -mavx512bw -mavx512dq; and -mavx512vbmi, or
/// -march=native). Runtime dispatch (opt-in): GROVE_RUNTIME_DISPATCH and GROVE_DISPATCH_<TARGET>
/// are defined by cmake/grove_dispatch.cmake, which compiles each target's header in a unit of
/// its own with the target's flags, and the scalar target's header in one more unit with the
/// program's flags (so that the program's other units do not each compile the scalar kernels).

#include <cstddef>
#include <string>
#include <vector>

#include "grove/kernels/walk.hpp"
#include "grove/target.hpp"

#if !defined(GROVE_RUNTIME_DISPATCH)
#include "grove/kernels/target_scalar.hpp"
#if defined(__AVX2__)
#include "grove/kernels/target_avx2.hpp"
#define GROVE_ENGINE_AVX2 1
#endif
#if defined(__AVX512F__) && defined(__AVX512VL__) && defined(__AVX512BW__) && defined(__AVX512DQ__)
#include "grove/kernels/target_avx512.hpp"
#define GROVE_ENGINE_AVX512 1
#if defined(__AVX512VBMI__)
#include "grove/kernels/target_avx512_vbmi.hpp"
#define GROVE_ENGINE_AVX512_VBMI 1
#endif
#endif
#else
// Defined in the targets' units (cmake/grove_dispatch.cmake).
#define GROVE_TARGET_PROVIDE(target) \
  namespace grove::kernels::target { void provide(kernel_set& ks) noexcept; }
GROVE_TARGET_PROVIDE(scalar)
#if defined(GROVE_DISPATCH_AVX2)
GROVE_TARGET_PROVIDE(avx2)
#define GROVE_ENGINE_AVX2 1
#endif
#if defined(GROVE_DISPATCH_AVX512)
GROVE_TARGET_PROVIDE(avx512)
#define GROVE_ENGINE_AVX512 1
#endif
#if defined(GROVE_DISPATCH_AVX512_VBMI)
GROVE_TARGET_PROVIDE(avx512_vbmi)
#define GROVE_ENGINE_AVX512_VBMI 1
#endif
#undef GROVE_TARGET_PROVIDE
#endif

// A compiled-in target's provide(), or nullptr.
#if defined(GROVE_ENGINE_AVX2)
#define GROVE_PROVIDE_AVX2 &avx2::provide
#else
#define GROVE_PROVIDE_AVX2 nullptr
#endif
#if defined(GROVE_ENGINE_AVX512)
#define GROVE_PROVIDE_AVX512 &avx512::provide
#else
#define GROVE_PROVIDE_AVX512 nullptr
#endif
#if defined(GROVE_ENGINE_AVX512) && defined(GROVE_ENGINE_AVX512_VBMI)
#define GROVE_PROVIDE_AVX512_VBMI &avx512_vbmi::provide
#else
#define GROVE_PROVIDE_AVX512_VBMI nullptr
#endif

namespace grove::kernels {

struct target_descriptor {
  isa_kind kind;
  const char* cpu_features;  ///< what the CPU must have, as /proc/cpuinfo names it
  isa_kind builds_on;        ///< the target whose kernels it starts from (itself: none)
  void (*provide)(kernel_set&) noexcept;  ///< sets its kernels; nullptr: not compiled in
  const char* name() const noexcept { return to_string(kind); }
};

/// The ladder, lowest rung first.
inline constexpr target_descriptor targets[] = {
    {isa_kind::scalar, "", isa_kind::scalar, &scalar::provide},
    {isa_kind::avx2, "avx2 fma", isa_kind::avx2, GROVE_PROVIDE_AVX2},
    {isa_kind::avx512, "avx512f avx512vl avx512bw avx512dq", isa_kind::avx512,
     GROVE_PROVIDE_AVX512},
    {isa_kind::avx512_vbmi, "avx512f avx512vl avx512bw avx512dq avx512vbmi", isa_kind::avx512,
     GROVE_PROVIDE_AVX512_VBMI},
};

/// The descriptors follow the public ladder (grove::target_ladder), rung for rung.
constexpr bool follows_target_ladder() noexcept {
  constexpr std::size_t rungs = sizeof(target_ladder) / sizeof(target_ladder[0]);
  if (sizeof(targets) / sizeof(targets[0]) != rungs) return false;
  for (std::size_t i = 0; i < rungs; ++i)
    if (targets[i].kind != target_ladder[i]) return false;
  return true;
}
static_assert(follows_target_ladder(), "kernels::targets must list grove::target_ladder's rungs");

/// The descriptor of `k` (automatic: scalar's).
inline const target_descriptor& descriptor(isa_kind k) noexcept {
  for (const target_descriptor& t : targets)
    if (t.kind == k) return t;
  return targets[0];
}

/// True when the kernels of `k` are compiled into this program.
inline bool compiled(isa_kind k) noexcept {
  return k == isa_kind::automatic || descriptor(k).provide != nullptr;
}

/// The kernels of target `k` (compiled in): those of the target it builds on, then its own.
inline kernel_set kernels_of(isa_kind k) noexcept {
  const target_descriptor& t = descriptor(k);
  kernel_set ks{};
  if (t.builds_on != t.kind) ks = kernels_of(t.builds_on);
  if (t.provide != nullptr) t.provide(ks);
  return ks;
}

/// The names of the kernels in ks, for describe().
inline std::vector<std::string> kernel_names(const kernel_set& ks) {
  std::vector<std::string> names;
  if (ks.walk[0][0][0] != nullptr)
    names.push_back(ks.root_steps_across_rows ? "group_walk+root_step" : "group_walk");
  if (ks.sliced != nullptr) names.push_back("sliced_block");
  if (ks.sliced_row_bytes != nullptr) names.push_back("sliced_row_bytes");
  if (ks.sliced_row_words != nullptr) names.push_back("sliced_row_words");
  if (ks.node_mask_row != nullptr) names.push_back("node_mask_row");
  if (ks.bitvector_trees != nullptr) names.push_back("bitvector");
  return names;
}

}  // namespace grove::kernels
