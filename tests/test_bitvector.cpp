// The bitvector form (compile/bitvector_forest.hpp) and its kernels against the reference
// predictor, bit for bit: trees grown leaf by leaf (lossguide shapes, long chains, up to 256
// leaves), thresholds of +-inf, +-0, denormals and the largest float, values on and beside
// them, missing values (NaN and user values) on both default sides, DART weights, several
// outputs, features that take several byte columns, and every block count of a kernel call.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "grove/compile/bitvector_forest.hpp"
#include "grove/engine.hpp"
#include "grove/ir/builder.hpp"
#include "grove/ir/reference.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::bitvector_cases {

namespace {

using grove::compile::bitvector_forest;
using grove::ir::forest;
using grove::ir::tree;
using grove::ir::tree_range;
namespace kernels = grove::kernels;

const float nan_f = std::numeric_limits<float>::quiet_NaN();
const float inf_f = std::numeric_limits<float>::infinity();

/// The kernel sets of this build and CPU that have a bitvector kernel, with their names.
std::vector<std::pair<std::string, kernels::kernel_set>> bitvector_kernel_sets() {
  std::vector<std::pair<std::string, kernels::kernel_set>> out;
  for (const kernels::target_descriptor& t : kernels::targets)
    if (grove::isa_compiled(t.kind) && grove::cpu_supports(t.kind) &&
        kernels::kernels_of(t.kind).bitvector_trees != nullptr)
      out.emplace_back(t.name(), kernels::kernels_of(t.kind));
  return out;
}

struct tree_spec {
  int num_feature = 8;
  std::size_t max_leaves = 64;
  double chain = 0.3;  // chance the newest leaf is split next (long one-sided paths)
  int pool = 40;       // distinct thresholds per feature at most (values are reused)
};

/// Per feature, the thresholds its splits draw from: normal values and the special ones.
std::vector<std::vector<float>> threshold_pools(std::mt19937& rng, const tree_spec& s) {
  static const float special[] = {
      0.0f, -0.0f, inf_f, -inf_f, 1e-40f, -1e-40f, std::numeric_limits<float>::max(), 1.0f, -1.0f};
  std::vector<std::vector<float>> pools(static_cast<std::size_t>(s.num_feature));
  for (auto& p : pools) {
    for (int i = 0; i < s.pool; ++i) p.push_back(std::normal_distribution<float>(0.0f, 1.0f)(rng));
    for (float v : special)
      if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) p.push_back(v);
  }
  return pools;
}

/// A tree grown leaf by leaf to at most max_leaves leaves (at least one).
tree grown_tree(std::mt19937& rng, const tree_spec& s,
                const std::vector<std::vector<float>>& pools) {
  tree t;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto add_leaf = [&]() {
    t.left.push_back(-1);
    t.right.push_back(-1);
    t.feature.push_back(0);
    t.threshold.push_back(0.0f);
    t.default_left.push_back(0);
    float v = std::normal_distribution<float>(0.0f, 1.0f)(rng);
    if (u(rng) < 0.05) v = -0.0f;
    t.leaf_value.push_back(v);
    return static_cast<std::int32_t>(t.left.size() - 1);
  };
  std::vector<std::int32_t> leaves{add_leaf()};
  const std::size_t target = std::uniform_int_distribution<std::size_t>(1, s.max_leaves)(rng);
  while (leaves.size() < target) {
    const std::size_t i =
        u(rng) < s.chain ? leaves.size() - 1
                         : std::uniform_int_distribution<std::size_t>(0, leaves.size() - 1)(rng);
    const auto n = static_cast<std::size_t>(leaves[i]);
    const std::int32_t l = add_leaf(), r = add_leaf();
    t.left[n] = l;
    t.right[n] = r;
    t.feature[n] = std::uniform_int_distribution<std::int32_t>(0, s.num_feature - 1)(rng);
    const auto& pool = pools[static_cast<std::size_t>(t.feature[n])];
    t.threshold[n] = pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng)];
    t.default_left[n] = u(rng) < 0.5 ? 1 : 0;
    leaves[i] = u(rng) < 0.5 ? l : r;
    leaves.push_back(leaves[i] == l ? r : l);
  }
  return t;
}

forest grown_forest(std::mt19937& rng, const tree_spec& s, int num_trees, int num_output,
                    bool dart) {
  grove::ir::forest_builder b(s.num_feature, num_output,
                              grove::ir::objective_from_name("reg:squarederror"));
  std::vector<float> base;
  for (int k = 0; k < num_output; ++k) base.push_back(k == 0 ? -0.0f : 0.25f * k);
  b.set_base_score(base);
  const auto pools = threshold_pools(rng, s);
  std::uniform_real_distribution<float> w(0.1f, 1.7f);
  for (int i = 0; i < num_trees; ++i)
    b.add_tree(grown_tree(rng, s, pools), i % num_output, dart ? w(rng) : 1.0f);
  b.set_round_begin({0, static_cast<std::size_t>(num_trees)});
  return b.finish();
}

/// Rows whose values are the forest's thresholds, one float beside them, missing, -999, +-0 or
/// +-inf, or normal values.
std::vector<float> test_rows(const forest& f, std::mt19937& rng, std::size_t n) {
  std::vector<std::vector<float>> near(static_cast<std::size_t>(f.num_feature));
  for (const tree& t : f.trees)
    for (std::size_t i = 0; i < t.num_nodes(); ++i)
      if (!t.is_leaf(i)) {
        const float v = t.threshold[i];
        near[static_cast<std::size_t>(t.feature[i])].insert(
            near[static_cast<std::size_t>(t.feature[i])].end(),
            {v, std::nextafter(v, inf_f), std::nextafter(v, -inf_f)});
      }
  static const float special[] = {nan_f, inf_f, -inf_f, -0.0f, 0.0f, -999.0f};
  std::vector<float> X(n * near.size());
  std::uniform_int_distribution<int> coin(0, 9);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < near.size(); ++c) {
      float& v = X[r * near.size() + c];
      const int k = coin(rng);
      if (near[c].empty() || k == 0)
        v = special[std::uniform_int_distribution<int>(0, 5)(rng)];
      else if (k == 1)
        v = std::normal_distribution<float>(0.0f, 2.0f)(rng);
      else
        v = near[c][std::uniform_int_distribution<std::size_t>(0, near[c].size() - 1)(rng)];
    }
  return X;
}

/// Margins of rows X through the form: calls of up to `blocks` blocks of 64 rows, each row's
/// columns with missing values as NaN, sums from the base margins.
std::vector<float> bitvector_margins(const bitvector_forest& b, const forest& f,
                                     const kernels::kernel_set& ks, const std::vector<float>& X,
                                     std::size_t n, float missing, tree_range trees,
                                     std::size_t blocks) {
  constexpr std::size_t R = kernels::bitvector_rows;
  const kernels::bitvector_view v{
      b.num_columns,        b.column_levels.data(), b.probe.data(),         b.entry.data(),
      b.entry_begin.data(), b.slice_first.data(),   b.slice_entries.data(), b.leaf_byte.data(),
      b.leaf_table,         f.tree_output.data()};
  const std::size_t C = static_cast<std::size_t>(b.num_columns);
  const std::size_t K = static_cast<std::size_t>(f.num_output);
  const std::size_t cols = static_cast<std::size_t>(f.num_feature);
  grove::detail::aligned_vector<float> xt(C * R + 16), acc(blocks * K * R);
  grove::detail::aligned_vector<std::uint8_t> q(blocks * 2 * C * R + 64);
  std::vector<float> out(n * K);
  for (std::size_t r0 = 0; r0 < n; r0 += blocks * R) {
    const std::size_t rows = std::min(blocks * R, n - r0);
    const std::size_t used = (rows + R - 1) / R;
    for (std::size_t bl = 0; bl < used; ++bl) {
      for (std::size_t r = 0; r < R; ++r) {
        const std::size_t row = bl * R + r;
        for (std::size_t c = 0; c < C; ++c) {
          const float x = row < rows
                              ? X[(r0 + row) * cols + static_cast<std::size_t>(b.column_feature[c])]
                              : 0.0f;
          xt[c * R + r] = x == missing ? nan_f : x;
        }
      }
      ks.bitvector_quantize(v, xt.data(), q.data() + bl * 2 * C * R);
      for (std::size_t k = 0; k < K; ++k)
        std::fill(acc.begin() + static_cast<std::ptrdiff_t>((bl * K + k) * R),
                  acc.begin() + static_cast<std::ptrdiff_t>((bl * K + k + 1) * R),
                  f.base_margin[k]);
    }
    ks.bitvector_trees(v, q.data(), used, trees.begin, trees.end, acc.data(), K);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t k = 0; k < K; ++k)
        out[(r0 + r) * K + k] = acc[((r / R) * K + k) * R + r % R];
  }
  return out;
}

std::vector<float> reference_margins(const forest& f, const std::vector<float>& X, std::size_t n,
                                     float missing, tree_range trees) {
  const std::size_t K = static_cast<std::size_t>(f.num_output);
  std::vector<float> out(n * K);
  for (std::size_t r = 0; r < n; ++r)
    grove::ir::reference_margin(f, X.data() + r * static_cast<std::size_t>(f.num_feature), missing,
                                trees, out.data() + r * K);
  return out;
}

std::size_t differences(const std::vector<float>& a, const std::vector<float>& b) {
  std::size_t d = 0;
  for (std::size_t i = 0; i < a.size(); ++i) d += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return d + (a.size() != b.size());
}

/// Checks f through the form on rows at its thresholds, for several missing values, tree
/// ranges, row counts and block counts per call.
void check_forest(const forest& f, std::mt19937& rng, const std::string& label) {
  const bitvector_forest b = grove::compile::build_bitvector_forest(f);
  REQUIRE(b.usable());
  const std::size_t T = f.num_trees();
  const std::vector<tree_range> ranges = {{0, T}, {T / 2, T}, {1, T > 1 ? T - 1 : 1}, {T, T}};
  for (std::size_t n : {std::size_t{1}, std::size_t{64}, std::size_t{300}}) {
    const std::vector<float> X = test_rows(f, rng, n);
    for (float missing : {nan_f, -999.0f, 0.0f})
      for (const tree_range& range : ranges)
        for (const auto& [isa, ks] : bitvector_kernel_sets()) {
          const std::vector<float> want = reference_margins(f, X, n, missing, range);
          for (std::size_t blocks = 1; blocks <= kernels::bitvector_max_blocks; ++blocks) {
            INFO(label << ", " << isa << ", " << n << " rows, missing " << missing << ", trees ["
                       << range.begin << ", " << range.end << "), " << blocks
                       << " blocks per call");
            CHECK(differences(bitvector_margins(b, f, ks, X, n, missing, range, blocks), want) ==
                  0);
          }
        }
  }
}

}  // namespace

TEST_CASE("bitvector: grown trees bit-exact", "[bitvector]") {
  struct shape {
    tree_spec spec;
    int trees;
    int outputs;
    bool dart;
  };
  const shape shapes[] = {
      {{8, 64, 0.3, 40}, 30, 1, false},   // lossguide 64 leaves
      {{8, 64, 0.9, 40}, 20, 1, false},   // long chains
      {{5, 256, 0.2, 60}, 12, 1, false},  // up to 256 leaves
      {{12, 100, 0.3, 40}, 24, 3, true},  // several outputs, DART
      {{3, 2, 0.0, 4}, 10, 1, false},     // stumps and single leaves
      {{4, 64, 0.3, 700}, 20, 2, false},  // features of several byte columns
  };
  std::mt19937 rng(21);
  int i = 0;
  for (const shape& s : shapes) {
    const forest f = grown_forest(rng, s.spec, s.trees, s.outputs, s.dart);
    check_forest(f, rng, "shape " + std::to_string(i++));
  }
}

TEST_CASE("bitvector: forests the form declines", "[bitvector]") {
  std::mt19937 rng(7);
  tree_spec s;
  s.max_leaves = 300;
  forest big = grown_forest(rng, s, 40, 1, false);
  std::size_t most = 0;
  for (const tree& t : big.trees)
    most = std::max(most, grove::compile::detail::order_leaves(t).leaves.size());
  CHECK(grove::compile::build_bitvector_forest(big).usable() == (most <= 256));
  CHECK_FALSE(grove::compile::build_bitvector_forest(big, 32).usable());

  forest f = grown_forest(rng, tree_spec{}, 5, 1, false);
  forest with_nan = f;
  for (tree& t : with_nan.trees)
    for (std::size_t n = 0; n < t.num_nodes(); ++n)
      if (!t.is_leaf(n)) t.threshold[n] = nan_f;
  CHECK_FALSE(grove::compile::build_bitvector_forest(with_nan).usable());
  CHECK_FALSE(grove::compile::build_bitvector_forest(f, 256, 1).usable());

  forest categorical = f;
  for (tree& t : categorical.trees) {
    t.categorical.assign(t.num_nodes(), 0);
    t.category_begin.assign(t.num_nodes() + 1, 0);
    for (std::size_t n = 0; n < t.num_nodes(); ++n)
      if (!t.is_leaf(n)) t.categorical[n] = 1;
  }
  CHECK_FALSE(grove::compile::build_bitvector_forest(categorical).usable());

  forest vector_leaves = f;
  for (tree& t : vector_leaves.trees) {
    t.leaf_size = 2;
    t.leaf_value.resize(2 * t.num_nodes(), 0.5f);
  }
  CHECK_FALSE(grove::compile::build_bitvector_forest(vector_leaves).usable());
  CHECK(grove::compile::build_bitvector_forest(f).usable());
}

TEST_CASE("bitvector: the block plan forced by name, up to 256 leaves", "[bitvector]") {
  // Trees of up to 256 leaves: all the form takes.
  grove::tuning wide_trees;
  wide_trees.bitvector_max_leaves = kernels::bitvector_max_leaves;
  std::mt19937 rng(22);
  const tree_spec specs[] = {{8, 64, 0.3, 40}, {5, 256, 0.2, 60}, {4, 64, 0.3, 700}};
  int checked = 0;
  for (const tree_spec& s : specs) {
    const forest f = grown_forest(rng, s, 24, 2, true);
    const std::size_t T = f.num_trees();
    for (grove::isa_kind target : grove::target_ladder) {
      if (!grove::isa_compiled(target) || !grove::cpu_supports(target)) continue;
      grove::engine_options options;
      options.isa = target;
      options.allow = {grove::plans::bitvector_block::plan_name};
      options.tuning = wide_trees;
      const grove::detail::engine e(f, options);
      const bool has_kernel =
          grove::detail::engine::plan_runs_on(grove::plans::bitvector_block::plan_name, target);
      CHECK(e.has_plan(grove::plans::bitvector_block::plan_name) == has_kernel);
      if (!has_kernel) continue;
      for (std::size_t n : {std::size_t{32}, std::size_t{257}, std::size_t{700}}) {
        const std::vector<float> X = test_rows(f, rng, n);
        const grove::rows x(X.data(), n, static_cast<std::size_t>(f.num_feature));
        REQUIRE(std::string(e.plan_for(n, false).name()) ==
                grove::plans::bitvector_block::plan_name);
        for (float missing : {nan_f, -999.0f})
          for (const tree_range& range : {tree_range{0, T}, tree_range{T / 3, T - 1}}) {
            INFO(grove::to_string(target) << ", " << n << " rows, missing " << missing
                                          << ", trees [" << range.begin << ", " << range.end
                                          << ")");
            std::vector<float> got(n * 2, 12345.0f);
            e.margins(x, missing, range, got.data());
            CHECK(differences(got, reference_margins(f, X, n, missing, range)) == 0);
            ++checked;
          }
      }
    }
  }
  CHECK(checked > 0);
  // The tuning's limit: with 32 leaves at most, trees of more walk the groups.
  std::mt19937 rng2(23);
  const forest f = grown_forest(rng2, tree_spec{5, 256, 0.2, 60}, 12, 1, false);
  std::size_t most = 0;
  for (const tree& t : f.trees)
    most = std::max(most, grove::compile::detail::order_leaves(t).leaves.size());
  REQUIRE(most > 32);
  grove::engine_options options;
  options.allow = {grove::plans::bitvector_block::plan_name};
  options.tuning.bitvector_max_leaves = 32;
  CHECK_FALSE(grove::detail::engine(f, options).has_plan(grove::plans::bitvector_block::plan_name));
}

}  // namespace grove_test::bitvector_cases
