#pragma once
/// @file
/// The reference predictor: one row, one tree at a time, written to be obviously right.
/// Every fast kernel is tested against it; it follows XGBoost's CPU predictor rule for rule.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "grove/error.hpp"
#include "grove/ir/forest.hpp"

namespace grove::ir {

namespace detail {
/// a * b rounded to float32 before anything is added to it. XGBoost rounds the DART-weighted
/// leaf, then adds; a compiler allowed to contract `m += a * b` into one FMA would skip that
/// rounding, so the product is passed through an empty asm statement it cannot see into.
inline float rounded_product(float a, float b) noexcept {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  float p = a * b;
  __asm__("" : "+x"(p));
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  float p = a * b;
  __asm__("" : "+w"(p));
#else
  volatile float p = a * b;
#endif
  return p;
}
}  // namespace detail

/// Categories at or above this value (2^24) are invalid and go left, as in XGBoost.
inline constexpr float category_limit = 16777216.0f;

/// True when a categorical split sends value x (not missing) to the left child.
inline bool category_goes_left(const tree& t, std::size_t node, float x) noexcept {
  if (!(x >= 0.0f) || x >= category_limit) return true;
  const auto code = static_cast<std::int32_t>(x);  // truncates toward zero: 4.99 -> 4
  const std::int32_t* first = t.categories.data() + t.category_begin[node];
  const std::int32_t* last = t.categories.data() + t.category_begin[node + 1];
  return !std::binary_search(first, last, code);  // categories in the set go right
}

/// XGBoost's rule at split `node` of t for the row's value v: a missing value (NaN or equal to
/// `missing`) takes the default side, a categorical split tests its set, a numeric one
/// `v < threshold`. The split's own fields are passed in, so that callers holding a compact copy
/// of them (explain::tree_shap) read that copy.
inline bool split_goes_left(const tree& t, std::size_t node, float v, float missing,
                            bool default_left, bool categorical, float threshold) noexcept {
  if (std::isnan(v) || v == missing) return default_left;
  if (categorical) return category_goes_left(t, node, v);
  return v < threshold;
}

/// The child a row goes to at split `node`. x is the row (num_feature values), or anything
/// that gives a feature's value as x[feature].
template <class row_t>
inline std::int32_t next_node(const tree& t, std::size_t node, const row_t& x,
                              float missing) noexcept {
  const bool left = split_goes_left(t, node, x[t.feature[node]], missing,
                                    t.default_left[node] != 0, t.is_categorical(node),
                                    t.threshold[node]);
  return left ? t.left[node] : t.right[node];
}

/// Node id of the leaf row x reaches in tree t.
template <class row_t>
inline std::int32_t find_leaf(const tree& t, const row_t& x, float missing) noexcept {
  std::int32_t node = 0;
  while (!t.is_leaf(node)) node = next_node(t, node, x, missing);
  return node;
}

/// Trees [begin, end) of a forest.
struct tree_range {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const noexcept { return end - begin; }
};

/// Trees of boosting rounds [round_begin, round_end); round_end == 0 means "to the last round",
/// as XGBoost's iteration_range.
inline tree_range rounds_to_trees(const forest& f, std::size_t round_begin, std::size_t round_end) {
  const std::size_t rounds = f.num_rounds();
  if (round_end == 0) round_end = rounds;
  if (round_end > rounds || round_begin > round_end)
    throw error(error_code::invalid_argument, "iteration_range",
                "[" + std::to_string(round_begin) + ", " + std::to_string(round_end) +
                    ") is not within the model's " + std::to_string(rounds) + " rounds");
  return {f.round_begin[round_begin], f.round_begin[round_end]};
}

/**
 * Margins of one row: margin[k] = base_margin[k], then each tree's weighted leaf added in tree
 * order, all in float32 (XGBoost's order, so the result is identical bit for bit).
 * x holds num_feature values; see next_node for what counts as missing.
 */
inline void reference_margin(const forest& f, const float* x, float missing, tree_range trees,
                             float* margin) noexcept {
  for (std::int32_t k = 0; k < f.num_output; ++k) margin[k] = f.base_margin[k];
  for (std::size_t i = trees.begin; i < trees.end; ++i) {
    const tree& t = f.trees[i];
    const std::int32_t leaf = find_leaf(t, x, missing);
    const float w = f.tree_weight[i];
    const float* value = t.leaf_value.data() + static_cast<std::size_t>(leaf) * t.leaf_size;
    if (t.leaf_size == 1) {
      margin[f.tree_output[i]] += detail::rounded_product(value[0], w);
    } else {
      for (std::int32_t k = 0; k < t.leaf_size; ++k)
        margin[k] += detail::rounded_product(value[k], w);
    }
  }
}

/// Leaf node ids of one row for trees in range, as floats (XGBoost's pred_leaf).
inline void reference_leaf(const forest& f, const float* x, float missing, tree_range trees,
                           float* out) noexcept {
  for (std::size_t i = trees.begin; i < trees.end; ++i)
    out[i - trees.begin] = static_cast<float>(find_leaf(f.trees[i], x, missing));
}

}  // namespace grove::ir
