#pragma once
/// @file
/// The ISA-independent part of the group walk: the plain view of a grouped forest the kernels
/// read, the kernel entry-point signature, and the walk driver templated on the architecture.
///
/// Kernel headers include only this file, <cstdint>/<cstddef> and intrinsics: everything here is
/// a template on the architecture tag, so a translation unit compiled with AVX-512 flags for
/// runtime dispatch cannot leak AVX-512 code into an inline function another unit shares.

#include <cstddef>
#include <cstdint>

namespace xsimd {
struct avx2;
struct avx512bw;
}  // namespace xsimd

namespace grove::kernels {

/// Architecture tag of the portable kernel (xsimd has none for plain C++).
struct scalar_arch {};

/// What a kernel reads of a compile::grouped_forest (see grouped_forest.hpp for the layout).
struct walk_view {
  const std::int32_t* slot;
  const float* threshold;
  const std::int32_t* fixup;
  const float* nan_value;
  const std::int32_t* next;
  const std::int32_t* ref;
  const std::uint8_t* gathers;
  const std::uint8_t* lut;
};

/**
 * Walks trees [0, num_trees) of a tile (root groups `roots`, step counts `steps`) for rows
 * [0, num_rows) of the slot buffer `xs` (row r at xs + r * stride, missing already NaN) and
 * writes each tree's leaf node id + 1 to refs[r * num_trees + j].
 */
using walk_fn = void (*)(const walk_view& v, const float* xs, std::size_t stride,
                         std::size_t num_rows, const std::int32_t* roots,
                         const std::int32_t* steps, int num_trees, std::int32_t* refs);

/// One architecture's kernels: [depth 3, depth 4] x [all slots resident, some gathered].
struct kernel_set {
  walk_fn walk[2][2];
};

/// Walks in flight per row.
inline constexpr int walks_in_flight = 8;

/// group_eval<Arch, depth_v, gather_v> provides `state load(const float* x)`,
/// `bool may_have_nan(const state&, const float* x)` and
/// `template <bool nan_v> unsigned mask(const walk_view&, std::int32_t group, const state&,
/// const float* x)`, where bit i of the mask is "goes right at lane i" (NaN resolved to its
/// default side; with nan_v = false the caller promises the values read hold no NaN).
template <class arch_t, int depth_v, bool gather_v>
struct group_eval;

/// Exit 0 .. 2^D - 1 of a complete depth-D group from its "goes right" mask.
template <class arch_t, int depth_v>
inline unsigned exit_index(unsigned mask, const std::uint8_t* lut) noexcept {
  if constexpr (depth_v == 3) {
    return lut[mask & 127u];
  } else {
    // First three levels through the table, the fourth from lane 7 + p.
    const unsigned p = lut[mask & 127u];
    return 2u * p + ((mask >> (7u + p)) & 1u);
  }
}

/// The K walks of one row through a chunk of trees, fixed step count, branch-free.
/// nan_v = false: the row has no NaN in its register-resident slots, so the NaN fix-up is skipped.
template <class eval, int depth_v, bool nan_v, class arch_t, class state_t>
inline void walk_row(const walk_view& v, const state_t& state, const float* x,
                     const std::int32_t* root, int chunk_steps, std::int32_t* acc) noexcept {
  constexpr int W = 1 << depth_v;
  constexpr int K = walks_in_flight;
  std::int32_t g[K];
#pragma GCC unroll 16
  for (int k = 0; k < K; ++k) {
    g[k] = root[k];
    acc[k] = 0;
  }
  for (int s = 0; s < chunk_steps; ++s) {
    // Unrolled so the K independent walks stay in registers and overlap in the core.
#pragma GCC unroll 16
    for (int k = 0; k < K; ++k) {
      const unsigned m = eval::template mask<nan_v>(v, g[k], state, x);
      const std::size_t e =
          static_cast<std::size_t>(g[k]) * W + exit_index<arch_t, depth_v>(m, v.lut);
      acc[k] |= v.ref[e];
      g[k] = v.next[e];
    }
  }
}

template <class arch_t, int depth_v, bool gather_v>
void walk_block(const walk_view& v, const float* xs, std::size_t stride, std::size_t num_rows,
                const std::int32_t* roots, const std::int32_t* steps, int num_trees,
                std::int32_t* refs) {
  using eval = group_eval<arch_t, depth_v, gather_v>;
  constexpr int K = walks_in_flight;
  for (int j0 = 0; j0 < num_trees; j0 += K) {
    std::int32_t root[K];
    int chunk_steps = 0;
    const int n = num_trees - j0 < K ? num_trees - j0 : K;
    for (int k = 0; k < K; ++k) {
      root[k] = k < n ? roots[j0 + k] : 0;
      if (k < n && steps[j0 + k] > chunk_steps) chunk_steps = steps[j0 + k];
    }
    for (std::size_t r = 0; r < num_rows; ++r) {
      const float* x = xs + r * stride;
      const auto state = eval::load(x);
      std::int32_t acc[K];
      if (eval::may_have_nan(state, x))
        walk_row<eval, depth_v, true, arch_t>(v, state, x, root, chunk_steps, acc);
      else
        walk_row<eval, depth_v, false, arch_t>(v, state, x, root, chunk_steps, acc);
      std::int32_t* out = refs + r * static_cast<std::size_t>(num_trees) + j0;
      for (int k = 0; k < n; ++k) out[k] = acc[k];
    }
  }
}

template <class arch_t>
kernel_set make_kernel_set() noexcept {
  kernel_set ks{};
  ks.walk[0][0] = &walk_block<arch_t, 3, false>;
  ks.walk[0][1] = &walk_block<arch_t, 3, true>;
  ks.walk[1][0] = &walk_block<arch_t, 4, false>;
  ks.walk[1][1] = &walk_block<arch_t, 4, true>;
  return ks;
}

/// The portable kernel: one lane at a time, same layout, same NaN rule.
template <int depth_v, bool gather_v>
struct group_eval<scalar_arch, depth_v, gather_v> {
  struct state {};
  static state load(const float*) noexcept { return {}; }
  static bool may_have_nan(const state&, const float*) noexcept { return true; }
  template <bool nan_v>
  static unsigned mask(const walk_view& v, std::int32_t group, const state&,
                       const float* x) noexcept {
    constexpr int W = 1 << depth_v;
    const std::size_t base = static_cast<std::size_t>(group) * W;
    unsigned m = 0;
    for (int l = 0; l < W - 1; ++l) {
      float value = x[v.slot[base + l]];
      if (value != value) value = v.nan_value[base + l];
      m |= static_cast<unsigned>(!(value < v.threshold[base + l])) << l;
    }
    return m;
  }
};

}  // namespace grove::kernels
