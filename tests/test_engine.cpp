// Every engine kernel on every ISA this machine has, both group depths, compared bit for bit
// with the reference predictor: fixtures, shared XGBoost 3.5 models, random forests.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "grove/engine.hpp"
#include "grove/io/rows_text.hpp"
#include "grove/ir/builder.hpp"
#include "grove/ir/reference.hpp"
#include "grove/model.hpp"

namespace {

namespace fs = std::filesystem;
using grove::engine;
using grove::engine_options;
using grove::isa_kind;
using grove::ir::forest;
using grove::ir::tree;
using grove::ir::tree_range;

const float nan_f = std::numeric_limits<float>::quiet_NaN();
const float inf_f = std::numeric_limits<float>::infinity();

std::vector<isa_kind> machine_isas() {
  std::vector<isa_kind> out;
  for (isa_kind k : {isa_kind::scalar, isa_kind::avx2, isa_kind::avx512})
    if (grove::isa_compiled(k) && grove::cpu_supports(k)) out.push_back(k);
  return out;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  // memcmp must not see the null data() of an empty vector.
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

std::string describe_first_difference(const std::vector<float>& got,
                                      const std::vector<float>& want, std::size_t width) {
  for (std::size_t i = 0; i < got.size() && i < want.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0)
      return "row " + std::to_string(i / width) + " col " + std::to_string(i % width) +
             ": got " + std::to_string(got[i]) + " want " + std::to_string(want[i]);
  return "sizes differ";
}

/// Margin checks that went through the sliced kernel (calls of sliced_min_rows rows or more),
/// through its one-row form (calls of at most sliced_row_max_rows rows, where it exists), and
/// through the one-row form's 16-bit word nodes.
int sliced_checks = 0;
int sliced_row_checks = 0;
int sliced_row_word_checks = 0;
/// Margin checks that went through the one-row node-mask kernel.
int mask_row_checks = 0;

/// Runs every ISA x depth (and the sliced kernel) on rows X against the reference, for the given
/// missing values and tree ranges. Returns the number of engine configurations checked.
int check_forest(const forest& f, const std::vector<float>& X, std::size_t n_rows,
                 std::size_t n_cols, const std::vector<float>& missings,
                 const std::vector<tree_range>& ranges, const std::string& label) {
  const grove::rows x(X.data(), n_rows, n_cols);
  const std::size_t K = static_cast<std::size_t>(f.num_output);
  int checked = 0;
  for (float missing : missings) {
    for (const tree_range& range : ranges) {
      std::vector<float> want(n_rows * K), want_leaf(n_rows * range.size());
      for (std::size_t r = 0; r < n_rows; ++r) {
        grove::ir::reference_margin(f, x.row(r), missing, range, want.data() + r * K);
        grove::ir::reference_leaf(f, x.row(r), missing, range,
                                  want_leaf.data() + r * range.size());
      }
      for (isa_kind isa : machine_isas()) {
        // Group walks at D = 3 and D = 4, then D = 3 with the sliced kernel allowed (on ISAs
        // without one, or for models it cannot take, that is the D = 3 walk again), and where
        // the one-row kernel has byte nodes, once more with its word nodes.
        const bool word_nodes_too =
            isa == isa_kind::avx512 && grove::kernels::cpu_has_byte_permutes();
        for (int config = 0; config < (word_nodes_too ? 4 : 3); ++config) {
          const int depth = config == 1 ? 4 : 3;
          const bool sliced = config >= 2;
          engine_options options{isa, depth, sliced};
          options.row_byte_permutes = config != 3;
          const engine e(f, options);
          INFO(label << " isa=" << grove::to_string(isa) << " depth=" << depth
                     << " sliced=" << e.sliced() << " row bytes=" << options.row_byte_permutes
                     << " missing=" << missing << " trees=[" << range.begin << "," << range.end
                     << ") rows=" << n_rows);
          REQUIRE(e.isa() == isa);
          REQUIRE(e.group_depth() == depth);
          REQUIRE((sliced || !e.sliced()));
          if (e.sliced() && n_rows >= engine::sliced_min_rows) ++sliced_checks;
          if (e.sliced_rows() && n_rows <= engine::sliced_row_max_rows) {
            ++sliced_row_checks;
            if (!options.row_byte_permutes || !grove::kernels::cpu_has_byte_permutes())
              ++sliced_row_word_checks;
          }
          if (e.mask_rows() && n_rows <= engine::sliced_row_max_rows) ++mask_row_checks;
          std::vector<float> got(n_rows * K, 12345.0f), got_leaf(n_rows * range.size(), 12345.0f);
          e.margins(x, missing, range, got.data());
          e.leaves(x, missing, range, got_leaf.data());
          INFO("margin: " << describe_first_difference(got, want, K));
          CHECK(same_bits(got, want));
          INFO("leaf: " << describe_first_difference(got_leaf, want_leaf, range.size()));
          CHECK(same_bits(got_leaf, want_leaf));
          ++checked;
        }
      }
    }
  }
  return checked;
}

std::vector<tree_range> some_ranges(std::size_t n) {
  std::vector<tree_range> out{{0, n}};
  if (n >= 2) out.push_back({0, n / 2});
  if (n >= 3) out.push_back({n / 3, n});
  if (n >= 1) out.push_back({n - 1, n});
  out.push_back({0, 0});
  return out;
}

void check_model_dir(const fs::path& dir) {
  const grove::model m = grove::load((dir / "model.json").string());
  std::ifstream in(dir / "X.csv");
  REQUIRE(in);
  const grove::io::dense_rows X = grove::io::read_csv(in, (dir / "X.csv").string());
  std::vector<float> values = X.values;
  std::size_t cols = X.num_cols;
  if (cols < m.num_feature()) {  // trailing all-missing columns
    std::vector<float> wide(X.num_rows * m.num_feature(), nan_f);
    for (std::size_t r = 0; r < X.num_rows; ++r)
      std::copy(values.begin() + r * cols, values.begin() + (r + 1) * cols,
                wide.begin() + r * m.num_feature());
    values = std::move(wide);
    cols = m.num_feature();
  }
  const int n = check_forest(m.forest(), values, X.num_rows, cols, {nan_f, -999.0f, 0.0f},
                             some_ranges(m.num_trees()), dir.filename().string());
  CHECK(n > 0);
}

// ---- random forests ----------------------------------------------------------------------

struct random_spec {
  int num_feature = 10;
  int num_output = 1;
  int num_trees = 20;
  int max_depth = 6;
  double leaf_prob = 0.15;        // chance a node below the root becomes a leaf early
  double categorical_prob = 0.0;  // chance a split is categorical
  bool vector_leaf = false;
  bool dart = false;
  bool chains = false;  // depth-20 one-sided chains
  bool cover = true;
  bool odd_covers = false;  // covers of 0, negative, NaN, inf: they only weigh the feature order
  // Only normal thresholds: no -inf with default left, which sends a whole tree to the reference
  // walk (in a large tree almost surely).
  bool plain_thresholds = false;
  int max_leaves = 0;  // > 0: no split once a tree has this many leaves (lossguide-like)
};

float pick_threshold(std::mt19937& rng) {
  static const float special[] = {0.0f, -0.0f, inf_f, -inf_f, 1.0f, -1.0f, 0.5f, 1e-40f,
                                  -1e-40f, 3.0f, std::numeric_limits<float>::max()};
  std::uniform_int_distribution<int> coin(0, 9);
  if (coin(rng) == 0)
    return special[std::uniform_int_distribution<int>(0, 10)(rng)];
  return std::normal_distribution<float>(0.0f, 1.0f)(rng);
}

tree random_tree(std::mt19937& rng, const random_spec& s, int leaf_size) {
  tree t;
  t.leaf_size = leaf_size;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int> feat(0, s.num_feature - 1);
  const bool with_cats = s.categorical_prob > 0.0;
  std::vector<std::vector<std::int32_t>> cats;
  struct todo {
    std::int32_t node;
    int depth;
  };
  auto add_node = [&]() {
    t.left.push_back(-1);
    t.right.push_back(-1);
    t.feature.push_back(0);
    t.threshold.push_back(0.0f);
    t.default_left.push_back(0);
    t.categorical.push_back(0);
    t.cover.push_back(1.0f);
    cats.emplace_back();
    for (int k = 0; k < leaf_size; ++k) {
      float v = std::normal_distribution<float>(0.0f, 1.0f)(rng);
      if (u(rng) < 0.05) v = -0.0f;
      if (u(rng) < 0.02) v = 0.0f;
      t.leaf_value.push_back(v);
    }
    return static_cast<std::int32_t>(t.left.size() - 1);
  };
  add_node();
  std::vector<todo> stack{{0, 0}};
  const int max_depth = s.chains ? 20 : s.max_depth;
  int leaves = 1;
  while (!stack.empty()) {
    const todo d = stack.back();
    stack.pop_back();
    bool leaf = d.depth >= max_depth || (s.max_leaves > 0 && leaves >= s.max_leaves);
    if (!leaf && d.depth > 0 && !s.chains) leaf = u(rng) < s.leaf_prob;
    if (leaf) continue;
    ++leaves;
    const std::int32_t l = add_node(), r = add_node();
    t.left[d.node] = l;
    t.right[d.node] = r;
    t.feature[d.node] = feat(rng);
    t.default_left[d.node] = u(rng) < 0.5 ? 1 : 0;
    t.cover[d.node] = 2.0f;
    if (u(rng) < s.categorical_prob) {
      t.categorical[d.node] = 1;
      for (int c = 0; c < 12; ++c)
        if (u(rng) < 0.4) cats[d.node].push_back(c);
    } else {
      t.threshold[d.node] = s.plain_thresholds ? std::normal_distribution<float>(0.0f, 1.0f)(rng)
                                               : pick_threshold(rng);
    }
    if (s.chains) {  // one child is a leaf, the other continues
      stack.push_back({u(rng) < 0.5 ? l : r, d.depth + 1});
    } else {
      stack.push_back({l, d.depth + 1});
      stack.push_back({r, d.depth + 1});
    }
  }
  if (with_cats) {
    t.category_begin.push_back(0);
    for (auto& c : cats) {
      t.categories.insert(t.categories.end(), c.begin(), c.end());
      t.category_begin.push_back(static_cast<std::uint32_t>(t.categories.size()));
    }
  } else {
    t.categorical.clear();
  }
  if (s.odd_covers) {
    static const float odd[] = {0.0f, -0.0f, -1.0f, nan_f, inf_f, -inf_f, 1e30f, 3.0f};
    for (float& c : t.cover) c = odd[std::uniform_int_distribution<int>(0, 7)(rng)];
  }
  if (!s.cover) t.cover.clear();
  return t;
}

forest random_forest(std::mt19937& rng, const random_spec& s) {
  grove::ir::forest_builder b(s.num_feature, s.num_output,
                              grove::ir::objective_from_name("reg:squarederror"));
  std::vector<float> base;
  for (int k = 0; k < s.num_output; ++k) base.push_back(k == 0 ? -0.0f : 0.25f * k);
  b.set_base_score(base);
  std::uniform_real_distribution<float> w(0.1f, 1.7f);
  for (int i = 0; i < s.num_trees; ++i) {
    const int leaf_size = s.vector_leaf ? s.num_output : 1;
    const std::int64_t output = s.vector_leaf ? 0 : i % s.num_output;
    b.add_tree(random_tree(rng, s, leaf_size), output, s.dart ? w(rng) : 1.0f);
  }
  b.set_round_begin({0, static_cast<std::size_t>(s.num_trees)});
  return b.finish();
}

std::vector<float> random_rows(std::mt19937& rng, std::size_t n, int cols) {
  static const float special[] = {nan_f, inf_f, -inf_f, -0.0f, 0.0f, -999.0f, 1.0f, 0.5f, 1e-40f,
                                  3.7f, 11.0f, 5.99f, -1.0f, 16777216.0f};
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<float> X(n * static_cast<std::size_t>(cols));
  for (float& v : X) {
    const double p = u(rng);
    if (p < 0.2)
      v = special[std::uniform_int_distribution<int>(0, 13)(rng)];
    else if (p < 0.35)
      v = static_cast<float>(std::uniform_int_distribution<int>(0, 14)(rng));  // categories
    else
      v = std::normal_distribution<float>(0.0f, 1.2f)(rng);
  }
  return X;
}

void check_random(const random_spec& s, std::uint32_t seed, std::vector<std::size_t> row_counts) {
  std::mt19937 rng(seed);
  const forest f = random_forest(rng, s);
  for (std::size_t n : row_counts) {
    const std::vector<float> X = random_rows(rng, n, s.num_feature);
    check_forest(f, X, n, static_cast<std::size_t>(s.num_feature), {nan_f, -999.0f, 0.0f},
                 some_ranges(f.num_trees()), "random seed " + std::to_string(seed));
  }
}

}  // namespace

TEST_CASE("engine: ISA names and errors", "[engine]") {
  CHECK(grove::isa_from_string("avx512") == isa_kind::avx512);
  CHECK(grove::isa_from_string("auto") == isa_kind::automatic);
  CHECK_THROWS_AS(grove::isa_from_string("sse9"), grove::error);
  std::mt19937 rng(1);
  const forest f = random_forest(rng, random_spec{});
  CHECK_THROWS_AS(engine(f, engine_options{isa_kind::scalar, 5}), grove::error);
  for (isa_kind k : {isa_kind::avx2, isa_kind::avx512})
    if (!grove::isa_compiled(k) || !grove::cpu_supports(k))
      CHECK_THROWS_AS(engine(f, engine_options{k, 3}), grove::error);
  const engine e(f);
  CHECK(e.isa() != isa_kind::automatic);
  CHECK((e.group_depth() == 3 || e.group_depth() == 4));
  CHECK(e.sharing_rate() == 1.0);  // 10 features: all resident
  WARN("engine ISAs on this machine/build:" << [] {
    std::string s;
    for (isa_kind k : machine_isas()) s += std::string(" ") + grove::to_string(k);
    return s;
  }());
}

TEST_CASE("engine: fixtures bit-exact", "[engine]") {
#if defined(GROVE_FIXTURES_DIR)
  const fs::path root = GROVE_FIXTURES_DIR;
#else
  const fs::path root = fs::path(__FILE__).parent_path() / "fixtures";
#endif
  REQUIRE(fs::is_directory(root));
  int dirs = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!fs::exists(entry.path() / "model.json") || !fs::exists(entry.path() / "X.csv")) continue;
    SECTION(entry.path().filename().string()) { check_model_dir(entry.path()); }
    ++dirs;
  }
  CHECK(dirs > 10);
}

TEST_CASE("engine: shared XGBoost 3.5 models bit-exact", "[engine]") {
#if defined(GROVE_SHARED_MODELS_DIR)
  const fs::path root = fs::path(GROVE_SHARED_MODELS_DIR) / "xgboost-3.5";
#else
  const fs::path root = fs::path(__FILE__).parent_path() / ".." / ".." / "shared" / "models" /
                        "xgboost-3.5";
#endif
  if (!fs::is_directory(root)) {
    WARN("skipped: " << root << " does not exist");
    return;
  }
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!fs::exists(entry.path() / "model.json") || !fs::exists(entry.path() / "X.csv")) continue;
    SECTION(entry.path().filename().string()) { check_model_dir(entry.path()); }
  }
}

TEST_CASE("engine: random forests bit-exact", "[engine]") {
  const std::vector<std::size_t> rows{1, 7, 17, 1000};
  SECTION("depth 6, 30 features") { check_random({30, 1, 40, 6, 0.1}, 11, rows); }
  SECTION("single-leaf trees and stumps") {
    check_random({5, 1, 30, 0}, 12, {1, 17});
    check_random({5, 1, 30, 1}, 13, {1, 17});
    check_random({1, 1, 10, 2}, 14, {7});
  }
  SECTION("depth-20 chains") {
    random_spec s{12, 1, 15, 20};
    s.chains = true;
    check_random(s, 15, rows);
  }
  SECTION("lossguide-like unbalanced, deep") { check_random({20, 1, 25, 14, 0.35}, 16, {17, 1000}); }
  SECTION("more than 32 features: gathers") {
    check_random({40, 1, 30, 8, 0.1}, 17, {7, 1000});    // 64 resident slots
    check_random({100, 1, 30, 8, 0.05}, 25, {7, 1000});  // 128 resident slots
    check_random({200, 1, 30, 8, 0.05}, 26, {7, 1000});  // 128 resident, the rest gathered
    for (int features : {40, 100, 200}) {  // every tree grouped (see plain_thresholds)
      random_spec s{features, 1, 30, 8, 0.05};
      s.plain_thresholds = true;
      check_random(s, 28 + static_cast<std::uint32_t>(features), {7, 1000});
    }
    random_spec wide{1200, 1, 30, 8, 0.05};
    wide.cover = false;
    check_random(wide, 18, {1, 17});
  }
  SECTION("covers of zero, negative or not finite") {
    // They once left features without a register slot (the walk read slot 0 instead).
    random_spec s{30, 1, 30, 8, 0.1};
    s.odd_covers = true;
    check_random(s, 23, {1, 17, 1000});
    random_spec wide{80, 1, 30, 8, 0.1};
    wide.odd_covers = true;
    check_random(wide, 24, {17, 1000});
  }
  SECTION("groups larger than L2: rows in pooled blocks of 2048") {
    // About 6 MB of groups, two outputs, more rows than one pooled block.
    random_spec s{30, 2, 60, 12, 0.02};
    s.plain_thresholds = true;
    check_random(s, 27, {600, 3000});
  }
  SECTION("categorical splits") {
    random_spec s{8, 1, 30, 6, 0.1};
    s.categorical_prob = 0.3;
    check_random(s, 19, rows);
  }
  SECTION("DART weights") {
    random_spec s{16, 1, 30, 6, 0.1};
    s.dart = true;
    check_random(s, 20, {17, 1000});
  }
  SECTION("multi-class outputs") { check_random({10, 4, 40, 5, 0.1}, 21, {7, 1000}); }
  SECTION("vector leaves") {
    random_spec s{10, 3, 20, 6, 0.1};
    s.vector_leaf = true;
    s.dart = true;
    check_random(s, 22, {1, 17});
  }
}

TEST_CASE("engine: many random seeds", "[engine][fuzz]") {
  for (std::uint32_t seed = 100; seed < 130; ++seed) {
    std::mt19937 rng(seed);
    random_spec s;
    s.num_feature = std::uniform_int_distribution<int>(1, 50)(rng);
    s.num_output = std::uniform_int_distribution<int>(1, 3)(rng);
    s.num_trees = std::uniform_int_distribution<int>(1, 40)(rng);
    s.max_depth = std::uniform_int_distribution<int>(0, 10)(rng);
    s.leaf_prob = std::uniform_real_distribution<double>(0.0, 0.5)(rng);
    s.categorical_prob = seed % 3 == 0 ? 0.2 : 0.0;
    s.vector_leaf = s.num_output > 1 && seed % 2 == 0;
    s.dart = seed % 4 == 1;
    s.cover = seed % 5 != 0;
    s.odd_covers = seed % 5 == 1;
    check_random(s, seed, {std::uniform_int_distribution<std::size_t>(1, 40)(rng)});
  }
}

namespace {

/// Rows whose values sit on the forest's thresholds, one float either side of them, or are
/// missing, +-0 or +-inf: the values where a quantized comparison could go wrong.
std::vector<float> rows_on_thresholds(const forest& f, std::mt19937& rng, std::size_t n) {
  std::vector<std::vector<float>> near(static_cast<std::size_t>(f.num_feature));
  for (const tree& t : f.trees)
    for (std::size_t i = 0; i < t.num_nodes(); ++i)
      if (!t.is_leaf(i) && !t.is_categorical(i)) {
        const float v = t.threshold[i];
        auto& list = near[static_cast<std::size_t>(t.feature[i])];
        list.insert(list.end(), {v, std::nextafter(v, inf_f), std::nextafter(v, -inf_f)});
      }
  static const float special[] = {nan_f, inf_f, -inf_f, -0.0f, 0.0f, -999.0f};
  std::vector<float> X(n * static_cast<std::size_t>(f.num_feature));
  std::uniform_int_distribution<int> coin(0, 9);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < near.size(); ++c) {
      float& v = X[r * near.size() + c];
      if (near[c].empty() || coin(rng) == 0)
        v = special[std::uniform_int_distribution<int>(0, 5)(rng)];
      else
        v = near[c][std::uniform_int_distribution<std::size_t>(0, near[c].size() - 1)(rng)];
    }
  return X;
}

/// The ISAs of this machine that have a sliced kernel.
std::vector<isa_kind> sliced_isas() {
  std::vector<isa_kind> out;
  for (isa_kind k : machine_isas())
    if (k != isa_kind::scalar) out.push_back(k);
  return out;
}

/// Checks `f` on random rows and on rows at its thresholds, and whether the sliced kernel took
/// the calls of many rows (expect_sliced) and the one-row kernel those of few (expect_rows, on
/// machines that have them; with rows_need_bytes, only in its byte form).
void check_sliced(const random_spec& s, std::uint32_t seed, bool expect_sliced,
                  bool expect_rows, bool rows_need_bytes = false) {
  std::mt19937 rng(seed);
  const forest f = random_forest(rng, s);
  const bool bytes = grove::kernels::cpu_has_byte_permutes();
  for (isa_kind isa : sliced_isas()) {
    const engine e(f, engine_options{isa, 3, true});
    CHECK(e.sliced() == expect_sliced);
    CHECK(e.sliced_rows() ==
          (expect_rows && isa == isa_kind::avx512 && (bytes || !rows_need_bytes)));
    engine_options words{isa, 3, true};
    words.row_byte_permutes = false;
    CHECK(engine(f, words).sliced_rows() ==
          (expect_rows && isa == isa_kind::avx512 && !rows_need_bytes));
  }
  const int before = sliced_checks, rows_before = sliced_row_checks,
            words_before = sliced_row_word_checks;
  // Blocks of rows matter only where the sliced kernel takes them; otherwise the calls of few
  // rows are what this checks (the group walk has its own tests).
  std::vector<std::size_t> counts{1, 3, 15, 16};
  if (expect_sliced) counts.insert(counts.end(), {32, 63, 64, 65, 200});
  for (std::size_t n : counts) {
    const auto cols = static_cast<std::size_t>(s.num_feature);
    check_forest(f, random_rows(rng, n, s.num_feature), n, cols, {nan_f, -999.0f, 0.0f},
                 some_ranges(f.num_trees()), "random seed " + std::to_string(seed));
    check_forest(f, rows_on_thresholds(f, rng, n), n, cols, {nan_f, -999.0f},
                 some_ranges(f.num_trees()), "threshold rows, seed " + std::to_string(seed));
  }
  if (!sliced_isas().empty() && expect_sliced) CHECK(sliced_checks > before);
  // The one-row kernel: AVX-512, at most 64 features read; its word nodes every time (where the
  // CPU has byte permutes, through row_byte_permutes = false).
  const bool row_kernel = expect_rows && grove::cpu_supports(isa_kind::avx512) &&
                          grove::isa_compiled(isa_kind::avx512);
  if (row_kernel && (bytes || !rows_need_bytes)) CHECK(sliced_row_checks > rows_before);
  if (row_kernel && !rows_need_bytes) CHECK(sliced_row_word_checks > words_before);
}

/// The same where the one-row kernel takes what the block kernel takes (at most 64 features).
void check_sliced(const random_spec& s, std::uint32_t seed, bool expect_sliced) {
  check_sliced(s, seed, expect_sliced,
               expect_sliced && s.num_feature <= grove::kernels::sliced_row_max_columns);
}

}  // namespace

TEST_CASE("engine: sliced kernel bit-exact", "[engine]") {
  SECTION("depths 0 to 6") {
    for (int depth = 0; depth <= 6; ++depth)
      check_sliced({12, 1, 25, depth, 0.1}, 40 + static_cast<std::uint32_t>(depth), true);
  }
  SECTION("DART weights, 16 outputs") {
    random_spec s{20, 16, 48, 5, 0.1};
    s.dart = true;
    check_sliced(s, 50, true);
  }
  SECTION("64 features (both byte registers of the one-row kernel), 3 outputs, depths 5 and 6") {
    check_sliced({64, 3, 45, 5, 0.05}, 57, true);
    check_sliced({64, 1, 30, 6, 0.05}, 58, true);
  }
  SECTION("up to 255 thresholds on a feature take one column, more take several") {
    random_spec s{1, 1, 8, 5, 0.0};  // 8 complete trees of 31 splits: 248 thresholds
    s.plain_thresholds = true;
    check_sliced(s, 51, true);
    random_spec more{1, 1, 9, 5, 0.0};  // 279: more than a byte tells apart, two columns
    more.plain_thresholds = true;
    check_sliced(more, 52, true);
    random_spec three{3, 2, 9, 8, 0.0};  // 9 x 255 splits: about 765 per feature, 9 columns
    three.plain_thresholds = true;
    check_sliced(three, 68, false, true, true);
  }
  SECTION("depths 7 and 8: the one-row kernel only, on bytes") {
    check_sliced({12, 1, 25, 7, 0.1}, 59, false, true, true);
    check_sliced({30, 1, 30, 8, 0.05}, 66, false, true, true);
    random_spec s{64, 3, 24, 8, 0.02};  // both byte registers, 3 outputs, DART weights
    s.dart = true;
    check_sliced(s, 67, false, true, true);
  }
  SECTION("what the sliced kernel does not take") {
    check_sliced({40, 1, 6, 9, 0.1}, 53, false);  // depth 9
    check_sliced({12, 17, 34, 4, 0.1}, 54, false);  // 17 outputs
    random_spec cats{8, 1, 20, 5, 0.1};
    cats.categorical_prob = 0.3;
    check_sliced(cats, 55, false);
    random_spec wide{150, 1, 60, 6, 0.0};  // more than 128 features read
    wide.plain_thresholds = true;
    check_sliced(wide, 56, false);
  }
}

namespace {

/// True when this machine runs the one-row node-mask kernel (AVX-512 with VBMI).
bool machine_has_mask_kernel() {
  return grove::isa_compiled(isa_kind::avx512) && grove::cpu_supports(isa_kind::avx512) &&
         grove::kernels::cpu_has_byte_permutes();
}

/// Checks `f` on random rows and on rows at its thresholds in calls of few rows, and whether
/// the node-mask kernel took them (where the machine has it).
void check_node_masks(const random_spec& s, std::uint32_t seed, bool expect_masks) {
  std::mt19937 rng(seed);
  const forest f = random_forest(rng, s);
  if (machine_has_mask_kernel()) {
    const engine e(f, engine_options{isa_kind::avx512, 3, true});
    CHECK(e.mask_rows() == expect_masks);
    CHECK_FALSE(e.sliced_rows());
    engine_options without{isa_kind::avx512, 3, true};
    without.row_byte_permutes = false;  // what a CPU without VBMI runs
    CHECK_FALSE(engine(f, without).mask_rows());
  }
  const int before = mask_row_checks;
  const auto cols = static_cast<std::size_t>(s.num_feature);
  for (std::size_t n : {1, 2, 15, 16}) {
    check_forest(f, random_rows(rng, n, s.num_feature), n, cols, {nan_f, -999.0f},
                 some_ranges(f.num_trees()), "random seed " + std::to_string(seed));
    check_forest(f, rows_on_thresholds(f, rng, n), n, cols, {nan_f},
                 some_ranges(f.num_trees()), "threshold rows, seed " + std::to_string(seed));
  }
  if (machine_has_mask_kernel() && expect_masks) CHECK(mask_row_checks > before);
}

}  // namespace

TEST_CASE("engine: one-row node-mask kernel bit-exact", "[engine]") {
  SECTION("lossguide-like trees of 64 leaves, depth up to 14") {
    random_spec s{30, 1, 40, 14, 0.3};
    s.max_leaves = 64;
    check_node_masks(s, 60, true);
  }
  SECTION("more than 128 features: both register pairs") {
    random_spec s{200, 1, 40, 12, 0.2};
    s.max_leaves = 64;
    check_node_masks(s, 61, true);
  }
  SECTION("single leaves, stumps, 3 outputs, DART weights") {
    random_spec s{12, 3, 45, 9, 0.45};
    s.max_leaves = 40;
    s.dart = true;
    check_node_masks(s, 62, true);
  }
  SECTION("what the node-mask kernel does not take") {
    random_spec many{40, 1, 4, 9, 0.0};  // 512 leaves
    check_node_masks(many, 63, false);
    random_spec cats{8, 1, 20, 9, 0.2};
    cats.max_leaves = 64;
    cats.categorical_prob = 0.3;
    check_node_masks(cats, 64, false);
  }
  SECTION("more than 254 thresholds on a feature: several columns") {
    random_spec one_feature{1, 1, 5, 10, 0.0};  // 5 x 63 splits: 315 thresholds, two columns
    one_feature.max_leaves = 64;
    one_feature.plain_thresholds = true;
    check_node_masks(one_feature, 65, true);
    random_spec two{2, 1, 40, 10, 0.1};  // about 1200 per feature: 5 columns each
    two.max_leaves = 64;
    two.plain_thresholds = true;
    check_node_masks(two, 69, true);
  }
}

TEST_CASE("engine: calls of few rows walk D = 3 groups when the chosen depth is 4", "[engine]") {
  std::mt19937 rng(60);
  const forest f = random_forest(rng, random_spec{30, 2, 40, 8, 0.02});
  int checked = 0;
  for (isa_kind isa : machine_isas()) {
    const engine e(f, engine_options{isa, 0, false});
    INFO("isa=" << grove::to_string(isa) << " depth=" << e.group_depth());
    if (e.group_depth() != 4) continue;  // the choice depends on the ISA's cost of a D = 4 step
    ++checked;
    CHECK(e.few_row_group_depth() == 3);
    engine_options without = engine_options{isa, 0, false};
    without.few_row_groups = false;
    CHECK(engine(f, without).few_row_group_depth() == 4);
    const std::size_t K = static_cast<std::size_t>(f.num_output);
    for (std::size_t n : {1, 7, 15, 16, 40}) {
      const std::vector<float> X = random_rows(rng, n, 30);
      const grove::rows x(X.data(), n, 30);
      std::vector<float> want(n * K), want_leaf(n * f.num_trees());
      const tree_range all{0, f.num_trees()};
      for (std::size_t r = 0; r < n; ++r) {
        grove::ir::reference_margin(f, x.row(r), nan_f, all, want.data() + r * K);
        grove::ir::reference_leaf(f, x.row(r), nan_f, all, want_leaf.data() + r * f.num_trees());
      }
      std::vector<float> got(want.size()), got_leaf(want_leaf.size());
      e.margins(x, nan_f, all, got.data());
      e.leaves(x, nan_f, all, got_leaf.data());
      INFO("rows=" << n << " margin: " << describe_first_difference(got, want, K));
      CHECK(same_bits(got, want));
      INFO("leaf: " << describe_first_difference(got_leaf, want_leaf, f.num_trees()));
      CHECK(same_bits(got_leaf, want_leaf));
    }
  }
  // AVX-512 chooses D = 4 for these 8-level trees.
  if (grove::isa_compiled(isa_kind::avx512) && grove::cpu_supports(isa_kind::avx512))
    CHECK(checked == 1);
}
