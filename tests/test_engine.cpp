// Every plan of the engine, forced by name on every target this machine runs, compared bit for
// bit with the reference predictor: fixtures, shared XGBoost 3.5 models, random forests.
//
// Coverage is a result: each check counts its comparisons per (plan, target), and a test fails
// when this machine runs a target whose kernel a plan needs but no call went through that plan
// on it. The fixtures test ends with a line naming what was verified here.

#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "grove/compile/grouped_forest.hpp"
#include "grove/engine.hpp"
#include "grove/io/rows_text.hpp"
#include "grove/ir/builder.hpp"
#include "grove/ir/reference.hpp"
#include "grove/model.hpp"
#include "support/fixture.hpp"
#include "support/forced_plans.hpp"
#include "support/model_json.hpp"
#include "support/xgboost_oracle.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::engine_cases {

namespace {

namespace fs = std::filesystem;
using grove::engine_options;
using grove::isa_kind;
using grove::detail::engine;
using grove::ir::forest;
using grove::ir::tree;
using grove::ir::tree_range;
using grove_test::forced;
using grove_test::forced_engines;
using grove_test::machine_targets;
using grove_test::plan_names;

const float nan_f = std::numeric_limits<float>::quiet_NaN();
const float inf_f = std::numeric_limits<float>::infinity();

engine_options options_for(isa_kind target, int group_depth) {
  engine_options o;
  o.isa = target;
  o.group_depth = group_depth;
  return o;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  // memcmp must not see the null data() of an empty vector.
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

std::string describe_first_difference(const std::vector<float>& got, const std::vector<float>& want,
                                      std::size_t width) {
  for (std::size_t i = 0; i < got.size() && i < want.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0)
      return "row " + std::to_string(i / width) + " col " + std::to_string(i % width) + ": got " +
             std::to_string(got[i]) + " want " + std::to_string(want[i]);
  return "sizes differ";
}

/// Calls compared with the reference, per (plan that ran, target).
using coverage = std::map<std::pair<std::string, std::string>, long>;
coverage compared;

long count(const coverage& c, const std::string& plan, isa_kind target) {
  const auto it = c.find({plan, grove::to_string(target)});
  return it == c.end() ? 0 : it->second;
}

/// Fails unless, since `before`, some call went through each of `plans` on every target of this
/// machine that has its kernel (where `expected` says the models checked allow it).
void require_compared(const coverage& before, const std::vector<std::string>& plans,
                      const std::string& what) {
  for (isa_kind target : machine_targets())
    for (const std::string& plan : plans) {
      if (!engine::plan_runs_on(plan, target)) continue;
      INFO(what << ": calls compared through " << plan << " on " << grove::to_string(target));
      CHECK(count(compared, plan, target) > count(before, plan, target));
    }
}

/// Compares every forced plan with the reference on rows X, for the given missing values and
/// tree ranges: margins and leaf ids of the calls the forced plan serves.
void check_forest(const forest& f, const std::vector<float>& X, std::size_t n_rows,
                  std::size_t n_cols, const std::vector<float>& missings,
                  const std::vector<tree_range>& ranges, const std::string& label) {
  const grove::rows x(X.data(), n_rows, n_cols);
  const std::size_t K = static_cast<std::size_t>(f.num_output);
  const std::vector<forced> engines = forced_engines(f);
  for (float missing : missings) {
    for (const tree_range& range : ranges) {
      std::vector<float> want(n_rows * K), want_leaf(n_rows * range.size());
      for (std::size_t r = 0; r < n_rows; ++r) {
        grove::ir::reference_margin(f, x.row(r), missing, range, want.data() + r * K);
        grove::ir::reference_leaf(f, x.row(r), missing, range, want_leaf.data() + r * range.size());
      }
      for (const forced& c : engines) {
        for (const bool leaf_ids : {false, true}) {
          const std::string ran = c.e->plan_for(n_rows, leaf_ids).name();
          if (ran != c.plan) continue;  // the group walk, checked on its own
          INFO(label << " target=" << grove::to_string(c.target) << " plan=" << c.plan
                     << " depth=" << c.e->group_depth() << " missing=" << missing << " trees=["
                     << range.begin << "," << range.end << ") rows=" << n_rows
                     << (leaf_ids ? " leaves" : " margins"));
          const std::vector<float>& expected = leaf_ids ? want_leaf : want;
          const std::vector<float> got =
              grove_test::forced_output(c, x, missing, range, leaf_ids, expected.size());
          INFO(describe_first_difference(got, expected, leaf_ids ? range.size() : K));
          CHECK(same_bits(got, expected));
          ++compared[{ran, grove::to_string(c.target)}];
        }
      }
    }
  }
}

std::vector<tree_range> some_ranges(std::size_t n) {
  std::vector<tree_range> out{{0, n}};
  if (n >= 2) out.push_back({0, n / 2});
  if (n >= 3) out.push_back({n / 3, n});
  if (n >= 1) out.push_back({n - 1, n});
  out.push_back({0, 0});
  return out;
}

/// A model directory's rows (X.csv, widened with missing columns to the model's width), then
/// its first `few` rows alone, through every forced plan.
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
  const std::string label = dir.filename().string();
  check_forest(m.forest(), values, X.num_rows, cols, {nan_f, -999.0f, 0.0f},
               some_ranges(m.num_trees()), label);
  const std::size_t few = std::min<std::size_t>(X.num_rows, 5);
  check_forest(m.forest(), values, few, cols, {nan_f, 0.0f}, some_ranges(m.num_trees()),
               label + " (first rows)");
}

/// "avx2: group_walk sliced_block; avx512: ..." for what `c` holds.
std::string verified_line(const coverage& c) {
  std::string line;
  for (isa_kind target : machine_targets()) {
    line += std::string(line.empty() ? "" : "; ") + grove::to_string(target) + ":";
    for (const std::string& plan : plan_names())
      if (count(c, plan, target) > 0) line += " " + plan;
  }
  return line;
}

// ---- random forests ----------------------------------------------------------------------

struct random_spec {
  int num_feature = 10;
  int num_output = 1;
  int num_trees = 20;
  int max_depth = 6;
  double leaf_prob = 0.15;        // chance a node below the root becomes a leaf early
  double categorical_prob = 0.0;  // chance a split is categorical
  // Categorical sets beyond codes 0..11: windows anywhere below 2^24 and at its top, sets
  // spanning up to 2^24 (too sparse for words: the tree takes the reference walk), empty sets.
  bool wide_categories = false;
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
  static const float special[] = {0.0f,
                                  -0.0f,
                                  inf_f,
                                  -inf_f,
                                  1.0f,
                                  -1.0f,
                                  0.5f,
                                  1e-40f,
                                  -1e-40f,
                                  3.0f,
                                  std::numeric_limits<float>::max()};
  std::uniform_int_distribution<int> coin(0, 9);
  if (coin(rng) == 0) return special[std::uniform_int_distribution<int>(0, 10)(rng)];
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
      std::vector<std::int32_t>& set = cats[d.node];
      // kind: 0..29 codes 0..11, 30..89 a window, 90 sparse, 91..94 empty, 95..99 0..11.
      const int kind = s.wide_categories ? std::uniform_int_distribution<int>(0, 99)(rng) : 0;
      constexpr std::int32_t top = 1 << 24;
      if (kind < 30 || kind > 94) {
        for (int c = 0; c < 12; ++c)
          if (u(rng) < 0.4) set.push_back(c);
      } else if (kind < 90) {  // a window of up to 3,000 codes, at 0, anywhere, or at 2^24
        const std::int32_t size = std::uniform_int_distribution<std::int32_t>(1, 3000)(rng);
        const std::int32_t start =
            kind % 3 == 0   ? 0
            : kind % 3 == 1 ? top - size
                            : std::uniform_int_distribution<std::int32_t>(0, top - size)(rng);
        const double density = u(rng);
        for (std::int32_t c = start; c < start + size; ++c)
          if (u(rng) < density) set.push_back(c);
      } else if (kind == 90) {  // a few codes over a huge range
        for (int k = 0; k < 4; ++k)
          set.push_back(std::uniform_int_distribution<std::int32_t>(0, top - 1)(rng));
        std::sort(set.begin(), set.end());
        set.erase(std::unique(set.begin(), set.end()), set.end());
      }  // kind 9: the empty set (everything goes left)
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
  static const float special[] = {nan_f, inf_f,  -inf_f, -0.0f, 0.0f,  -999.0f, 1.0f,
                                  0.5f,  1e-40f, 3.7f,   11.0f, 5.99f, -1.0f,   16777216.0f};
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

/// Rows whose categorical values sit in, next to and between the forest's category codes: each
/// code, one either side, fractions of it, its word's first and last code, and the values a
/// category test must send left (negative, -0.0 which is code 0, 2^24 and beyond, +-inf),
/// or missing.
std::vector<float> rows_on_categories(const forest& f, std::mt19937& rng, std::size_t n) {
  std::vector<std::vector<std::int32_t>> codes(static_cast<std::size_t>(f.num_feature));
  for (const tree& t : f.trees)
    for (std::size_t i = 0; i < t.num_nodes(); ++i)
      if (!t.is_leaf(i) && t.is_categorical(i))
        for (std::uint32_t c = t.category_begin[i]; c < t.category_begin[i + 1]; c += 7)
          codes[static_cast<std::size_t>(t.feature[i])].push_back(t.categories[c]);
  static const float special[] = {nan_f,    -0.0f,       0.0f,        -0.5f,       -1.0f,
                                  -1e-40f,  inf_f,       -inf_f,      16777215.0f, 16777216.0f,
                                  3e9f,     16777214.5f, 2147483648.0f, 31.0f,     32.0f,
                                  63.5f,    64.0f,       -999.0f};
  constexpr std::size_t num_special = sizeof special / sizeof special[0];
  std::vector<float> X(n * codes.size());
  std::uniform_int_distribution<int> how(0, 9);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t c = 0; c < codes.size(); ++c) {
      float& v = X[r * codes.size() + c];
      const int h = how(rng);
      if (codes[c].empty() || h == 0) {
        v = special[std::uniform_int_distribution<std::size_t>(0, num_special - 1)(rng)];
        continue;
      }
      const std::int32_t code =
          codes[c][std::uniform_int_distribution<std::size_t>(0, codes[c].size() - 1)(rng)];
      switch (h) {
        case 1: v = static_cast<float>(code + 1); break;
        case 2: v = static_cast<float>(code - 1); break;
        case 3: v = static_cast<float>(code) + 0.5f; break;  // truncates to the code (< 2^23)
        case 4: v = static_cast<float>(code & ~31); break;
        case 5: v = static_cast<float>(code | 31); break;
        case 6: v = -static_cast<float>(code) - 0.25f; break;
        default: v = static_cast<float>(code); break;
      }
    }
  return X;
}

/// Checks a random forest on random rows, and that both group walks and the few-row walk were
/// compared on every target of this machine.
void check_random(const random_spec& s, std::uint32_t seed, std::vector<std::size_t> row_counts) {
  std::mt19937 rng(seed);
  const forest f = random_forest(rng, s);
  const coverage before = compared;
  for (std::size_t n : row_counts) {
    const std::vector<float> X = random_rows(rng, n, s.num_feature);
    check_forest(f, X, n, static_cast<std::size_t>(s.num_feature), {nan_f, -999.0f, 0.0f},
                 some_ranges(f.num_trees()), "random seed " + std::to_string(seed));
  }
  std::vector<std::string> walks{grove::plans::group_walk::plan_name};
  for (std::size_t n : row_counts)
    if (n < grove::tuning{}.few_rows) walks.push_back(grove::plans::few_row_walk::plan_name);
  require_compared(before, walks, "random seed " + std::to_string(seed));
}

}  // namespace

TEST_CASE("engine: target and plan names, errors, description", "[engine]") {
  CHECK(grove::isa_from_string("avx512") == isa_kind::avx512);
  CHECK(grove::isa_from_string("avx512_vbmi") == isa_kind::avx512_vbmi);
  CHECK(grove::isa_from_string("auto") == isa_kind::automatic);
  CHECK_THROWS_AS(grove::isa_from_string("sse9"), grove::error);
  std::mt19937 rng(1);
  const forest f = random_forest(rng, random_spec{});
  CHECK_THROWS_AS(engine(f, options_for(isa_kind::scalar, 5)), grove::error);
  for (isa_kind k : grove::target_ladder)
    if (!grove::isa_compiled(k) || !grove::cpu_supports(k))
      CHECK_THROWS_AS(engine(f, options_for(k, 3)), grove::error);
  engine_options unknown;
  unknown.allow = {"no_such_plan"};
  CHECK_THROWS_AS(engine(f, unknown), grove::error);
  engine_options no_walk;
  no_walk.deny = {grove::plans::group_walk::plan_name};
  CHECK_THROWS_AS(engine(f, no_walk), grove::error);

  const engine e(f);
  CHECK(e.isa() == machine_targets().back());  // the highest rung this machine runs
  CHECK((e.group_depth() == 3 || e.group_depth() == 4));
  CHECK(e.sharing_rate() == 1.0);  // 10 features: all resident
  const grove::description d = e.describe();
  CHECK(d.target == grove::to_string(e.isa()));
  REQUIRE(!d.plans.empty());
  CHECK(d.plans.back().name == grove::plans::group_walk::plan_name);
  CHECK(d.plans.back().min_rows == 0);
  CHECK(d.plans.back().leaves);
  for (const grove::plan_description& p : d.plans) CHECK(p.bytes > 0);
  // A plan denied is not built; the group walk alone serves every call.
  engine_options only_walk;
  only_walk.allow = {grove::plans::group_walk::plan_name};
  const engine w(f, only_walk);
  REQUIRE(w.plans().size() == 1);
  CHECK(std::string(w.plan_for(1, false).name()) == grove::plans::group_walk::plan_name);
}

TEST_CASE("engine: fixtures bit-exact, every plan on every target", "[engine]") {
#if defined(GROVE_FIXTURES_DIR)
  const fs::path root = GROVE_FIXTURES_DIR;
#else
  const fs::path root = fs::path(__FILE__).parent_path() / "fixtures";
#endif
  REQUIRE(fs::is_directory(root));
  const coverage before = compared;
  int dirs = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!fs::exists(entry.path() / "model.json") || !fs::exists(entry.path() / "X.csv")) continue;
    check_model_dir(entry.path());
    ++dirs;
  }
  CHECK(dirs > 10);
  require_compared(before, plan_names(), "fixtures");
  WARN("engine plans verified bit for bit on this machine: " << verified_line(compared));
}

TEST_CASE("engine: shared XGBoost 3.5 models bit-exact", "[engine]") {
  const fs::path root = grove_test::models35_dir();
  const coverage before = compared;
  int models = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!fs::exists(entry.path() / "model.json") || !fs::exists(entry.path() / "X.csv")) continue;
    check_model_dir(entry.path());
    ++models;
  }
  CHECK(models >= 4);
  require_compared(before,
                   {grove::plans::group_walk::plan_name, grove::plans::few_row_walk::plan_name},
                   "XGBoost 3.5 models");
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
  SECTION("lossguide-like unbalanced, deep") {
    check_random({20, 1, 25, 14, 0.35}, 16, {17, 1000});
  }
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
  SECTION("categorical splits with codes up to 2^24, wide, sparse and empty sets") {
    for (std::uint32_t seed : {40, 41, 42}) {
      random_spec s{6, 1, 40, seed == 42 ? 8 : 6, 0.05};
      s.categorical_prob = 0.6;
      s.wide_categories = true;
      s.plain_thresholds = true;
      std::mt19937 rng(seed);
      const forest f = random_forest(rng, s);
      // Both kinds of tree: sets in lanes (codes far beyond 64 among them), and too sparse
      // sets that send their tree to the reference walk.
      const grove::compile::grouped_forest g = grove::compile::build_grouped_forest(f, 3);
      CHECK(g.categorical_lanes);
      CHECK(g.category_words.size() > 1000);
      CHECK(!g.fallback_trees.empty());
      CHECK(g.fallback_trees.size() < f.num_trees());
      const coverage before = compared;
      for (std::size_t n : {1, 7, 17, 300}) {
        check_forest(f, rows_on_categories(f, rng, n), n, 6, {nan_f, -999.0f, 0.0f},
                     some_ranges(f.num_trees()), "category rows, seed " + std::to_string(seed));
      }
      require_compared(before,
                       {grove::plans::group_walk::plan_name, grove::plans::few_row_walk::plan_name},
                       "category rows, seed " + std::to_string(seed));
    }
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

/// True when the plan named `plan` is built for `f` on `target` when forced.
bool builds(const forest& f, isa_kind target, const std::string& plan) {
  engine_options options;
  options.isa = target;
  options.allow = {plan};
  return engine(f, options).has_plan(plan);
}

/// Checks `f` on random rows and on rows at its thresholds, and which sliced plans it takes:
/// the block plan where expect_block (targets from AVX2 on), the one-row plan where expect_rows
/// (AVX-512; with rows_need_bytes, only on byte nodes: avx512_vbmi).
void check_sliced(const random_spec& s, std::uint32_t seed, bool expect_block, bool expect_rows,
                  bool rows_need_bytes = false) {
  std::mt19937 rng(seed);
  const forest f = random_forest(rng, s);
  for (isa_kind target : machine_targets()) {
    INFO("target " << grove::to_string(target));
    CHECK(builds(f, target, grove::plans::sliced_block::plan_name) ==
          (expect_block && engine::plan_runs_on(grove::plans::sliced_block::plan_name, target)));
    CHECK(builds(f, target, grove::plans::sliced_row::plan_name) ==
          (expect_rows && engine::plan_runs_on(grove::plans::sliced_row::plan_name, target) &&
           (target == isa_kind::avx512_vbmi || !rows_need_bytes)));
  }
  const coverage before = compared;
  // Blocks of rows matter only where the block plan takes them; otherwise the calls of few
  // rows are what this checks (the group walk has its own tests).
  std::vector<std::size_t> counts{1, 3, 15, 16};
  if (expect_block) counts.insert(counts.end(), {32, 63, 64, 65, 200});
  for (std::size_t n : counts) {
    const auto cols = static_cast<std::size_t>(s.num_feature);
    check_forest(f, random_rows(rng, n, s.num_feature), n, cols, {nan_f, -999.0f, 0.0f},
                 some_ranges(f.num_trees()), "random seed " + std::to_string(seed));
    check_forest(f, rows_on_thresholds(f, rng, n), n, cols, {nan_f, -999.0f},
                 some_ranges(f.num_trees()), "threshold rows, seed " + std::to_string(seed));
  }
  const std::string what = "sliced, seed " + std::to_string(seed);
  if (expect_block) require_compared(before, {grove::plans::sliced_block::plan_name}, what);
  if (expect_rows) {
    // Word nodes (avx512) take trees of at most 6 levels; byte nodes (avx512_vbmi) 8.
    for (isa_kind target : machine_targets()) {
      if (!engine::plan_runs_on(grove::plans::sliced_row::plan_name, target) ||
          (rows_need_bytes && target != isa_kind::avx512_vbmi))
        continue;
      INFO(what << ": calls compared through sliced_row on " << grove::to_string(target));
      CHECK(count(compared, grove::plans::sliced_row::plan_name, target) >
            count(before, grove::plans::sliced_row::plan_name, target));
    }
  }
}

/// The same where the one-row plan takes what the block plan takes (at most 64 features).
void check_sliced(const random_spec& s, std::uint32_t seed, bool expect_block) {
  check_sliced(s, seed, expect_block,
               expect_block && s.num_feature <= grove::kernels::sliced_row_max_columns);
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
    check_sliced({40, 1, 6, 9, 0.1}, 53, false);    // depth 9
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

/// Checks `f` on random rows and on rows at its thresholds in calls of few rows, and whether
/// the node-mask plan is built (on targets that have its kernel).
void check_node_masks(const random_spec& s, std::uint32_t seed, bool expect_masks) {
  std::mt19937 rng(seed);
  const forest f = random_forest(rng, s);
  for (isa_kind target : machine_targets()) {
    INFO("target " << grove::to_string(target));
    CHECK(builds(f, target, grove::plans::node_mask_row::plan_name) ==
          (expect_masks && engine::plan_runs_on(grove::plans::node_mask_row::plan_name, target)));
    // These models are too deep for the one-row sliced plan, which comes first.
    CHECK_FALSE(builds(f, target, grove::plans::sliced_row::plan_name));
  }
  const coverage before = compared;
  const auto cols = static_cast<std::size_t>(s.num_feature);
  for (std::size_t n : {1, 2, 15, 16}) {
    check_forest(f, random_rows(rng, n, s.num_feature), n, cols, {nan_f, -999.0f},
                 some_ranges(f.num_trees()), "random seed " + std::to_string(seed));
    check_forest(f, rows_on_thresholds(f, rng, n), n, cols, {nan_f}, some_ranges(f.num_trees()),
                 "threshold rows, seed " + std::to_string(seed));
  }
  if (expect_masks)
    require_compared(before, {grove::plans::node_mask_row::plan_name},
                     "node masks, seed " + std::to_string(seed));
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

namespace {

/// Checks `f` on random rows and on rows at its thresholds in calls of many rows (and the
/// calls of few rows beside them), and whether the bitvector block plan is built (on targets
/// that have its kernel).
void check_bitvector_blocks(const random_spec& s, std::uint32_t seed, bool expect) {
  std::mt19937 rng(seed);
  const forest f = random_forest(rng, s);
  for (isa_kind target : machine_targets()) {
    INFO("target " << grove::to_string(target));
    CHECK(builds(f, target, grove::plans::bitvector_block::plan_name) ==
          (expect && engine::plan_runs_on(grove::plans::bitvector_block::plan_name, target)));
  }
  const coverage before = compared;
  const auto cols = static_cast<std::size_t>(s.num_feature);
  for (std::size_t n : {15, 32, 63, 64, 65, 200, 257, 600}) {
    check_forest(f, random_rows(rng, n, s.num_feature), n, cols, {nan_f, -999.0f, 0.0f},
                 some_ranges(f.num_trees()), "random seed " + std::to_string(seed));
    check_forest(f, rows_on_thresholds(f, rng, n), n, cols, {nan_f, -999.0f},
                 some_ranges(f.num_trees()), "threshold rows, seed " + std::to_string(seed));
  }
  if (expect)
    require_compared(before, {grove::plans::bitvector_block::plan_name},
                     "bitvector blocks, seed " + std::to_string(seed));
}

}  // namespace

TEST_CASE("engine: bitvector block kernel bit-exact", "[engine]") {
  SECTION("lossguide-like trees of 64 leaves, depth up to 14") {
    random_spec s{30, 1, 40, 14, 0.3};
    s.max_leaves = 64;
    check_bitvector_blocks(s, 70, true);
  }
  SECTION("136 features, some in several columns") {
    random_spec s{136, 1, 60, 12, 0.2};
    s.max_leaves = 64;
    check_bitvector_blocks(s, 71, true);
    random_spec two{2, 1, 30, 10, 0.1};  // about 900 thresholds per feature: 4 columns each
    two.max_leaves = 64;
    two.plain_thresholds = true;
    check_bitvector_blocks(two, 72, true);
  }
  SECTION("depth 8: up to 256 leaves, slices of several entries per split") {
    check_bitvector_blocks({30, 1, 20, 8, 0.05}, 78, true);
  }
  SECTION("single leaves, stumps, 16 outputs, DART weights") {
    random_spec s{12, 16, 64, 9, 0.45};
    s.max_leaves = 40;
    s.dart = true;
    check_bitvector_blocks(s, 73, true);
  }
  SECTION("depth 6 trees: forced, although the sliced block plan takes them first") {
    check_bitvector_blocks({20, 2, 30, 6, 0.1}, 74, true);
    std::mt19937 rng(74);
    const forest f = random_forest(rng, random_spec{20, 2, 30, 6, 0.1});
    for (isa_kind target : machine_targets())
      if (engine::plan_runs_on(grove::plans::sliced_block::plan_name, target))
        CHECK(std::string(engine(f, options_for(target, 0)).plan_for(1000, false).name()) ==
              grove::plans::sliced_block::plan_name);
  }
  SECTION("what the bitvector block plan does not take") {
    random_spec many{40, 1, 4, 9, 0.0};  // 512 leaves
    check_bitvector_blocks(many, 75, false);
    random_spec cats{8, 1, 20, 9, 0.2};
    cats.max_leaves = 64;
    cats.categorical_prob = 0.3;
    check_bitvector_blocks(cats, 76, false);
    random_spec outputs{8, 17, 34, 7, 0.2};
    outputs.max_leaves = 64;
    check_bitvector_blocks(outputs, 77, false);
  }
}

TEST_CASE("engine: calls of few rows walk D = 3 groups when the chosen depth is 4", "[engine]") {
  std::mt19937 rng(60);
  const forest f = random_forest(rng, random_spec{30, 2, 40, 8, 0.02});
  // A depth-4 step that costs less than two depth-3 steps on every target: each chooses D = 4
  // for these 8-level trees (by default only AVX-512 does).
  grove::tuning cheap_depth4;
  cheap_depth4.depth4_step_cost = 1.5;
  int checked = 0;
  for (isa_kind isa : machine_targets()) {
    engine_options options = options_for(isa, 0);
    options.tuning = cheap_depth4;
    const engine e(f, options);
    INFO("isa=" << grove::to_string(isa) << " depth=" << e.group_depth());
    REQUIRE(e.group_depth() == 4);
    const grove::plans::plan& few = e.plan_for(1, true);
    CHECK(std::string(few.name()) == grove::plans::few_row_walk::plan_name);
    CHECK(static_cast<const grove::plans::group_walk&>(few).group_depth() == 3);
    CHECK(std::string(e.plan_for(grove::tuning{}.few_rows, true).name()) ==
          grove::plans::group_walk::plan_name);
    options.deny = {grove::plans::few_row_walk::plan_name};
    CHECK(std::string(engine(f, options).plan_for(1, true).name()) ==
          grove::plans::group_walk::plan_name);
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
    ++checked;
  }
  CHECK(checked == static_cast<int>(machine_targets().size()));
  CHECK(checked > 0);
}

// ---- categorical splits against XGBoost ---------------------------------------------------

namespace {

/// Every forced plan on every target against XGBoost's margins (`want`, rows x outputs) and
/// leaf ids (`want_leaf`, rows x trees) for the rows X; then the same for the first rows alone.
void check_against_xgboost(const forest& f, const std::vector<float>& X, std::size_t n_rows,
                           std::size_t n_cols, const std::vector<float>& want,
                           const std::vector<float>& want_leaf, const std::string& label) {
  const std::size_t K = static_cast<std::size_t>(f.num_output);
  const std::size_t T = f.num_trees();
  REQUIRE(want.size() == n_rows * K);
  REQUIRE(want_leaf.size() == n_rows * T);
  const std::vector<forced> engines = forced_engines(f);
  for (std::size_t n : {n_rows, std::size_t{1}, std::size_t{7}, std::size_t{17}}) {
    if (n > n_rows) continue;
    const grove::rows x(X.data(), n, n_cols);
    for (const forced& c : engines)
      for (const bool leaf_ids : {false, true}) {
        const std::string ran = c.e->plan_for(n, leaf_ids).name();
        if (ran != c.plan) continue;
        INFO(label << " target=" << grove::to_string(c.target) << " plan=" << c.plan
                   << " depth=" << c.e->group_depth() << " rows=" << n
                   << (leaf_ids ? " leaves" : " margins"));
        const std::size_t width = leaf_ids ? T : K;
        const std::vector<float> expected((leaf_ids ? want_leaf : want).begin(),
                                          (leaf_ids ? want_leaf : want).begin() +
                                              static_cast<std::ptrdiff_t>(n * width));
        std::vector<float> got(expected.size(), 12345.0f);
        if (leaf_ids)
          c.e->leaves(x, nan_f, {0, T}, got.data());
        else
          c.e->margins(x, nan_f, {0, T}, got.data());
        INFO(describe_first_difference(got, expected, width));
        CHECK(same_bits(got, expected));
        ++compared[{ran, grove::to_string(c.target)}];
      }
  }
}

/// Category values XGBoost must route too, for a column of `levels` categories: unseen codes,
/// negative, fractional, -0.0, 2^24 and beyond, +-inf (with_infinities), missing.
std::vector<float> category_edges(int levels, bool with_infinities) {
  const auto l = static_cast<float>(levels);
  std::vector<float> v{nan_f,  -0.0f,         0.0f,          -0.5f,        -1.0f,
                       2.5f,   l - 0.5f,      l,             l + 1.0f,     31.0f,
                       32.0f,  63.99f,        64.0f,         16777215.0f,  16777216.0f,
                       3e9f,   2147483648.0f, -16777216.0f,  1e-40f,       l * 2.0f};
  if (with_infinities) v.insert(v.end(), {inf_f, -inf_f});
  return v;
}

/// Held-out rows plus rows whose categorical columns take the edge values.
std::vector<float> rows_with_edges(grove_test::dataset d, const std::vector<int>& levels,
                                   bool with_infinities) {
  for (std::size_t r = 0; r < d.rows; ++r)
    for (std::size_t c = 0; c < d.cols; ++c) {
      if (levels[c] == 0 || r % 3 != 0) continue;
      const std::vector<float> edges = category_edges(levels[c], with_infinities);
      d.X[r * d.cols + c] = edges[(r / 3 + c) % edges.size()];
    }
  return d.X;
}

}  // namespace

TEST_CASE("engine: categorical features of 200 to 20,000 levels equal XGBoost", "[engine][xgboost]") {
  grove_test::set_global_verbosity(0);
  const std::vector<int> levels{200, 0, 2000, 20000, 5, 0};
  std::vector<grove_test::categorical_column> cats;
  for (std::size_t c = 0; c < levels.size(); ++c)
    if (levels[c] > 0) cats.push_back({static_cast<int>(c), levels[c]});
  const grove_test::dataset train =
      grove_test::make_dataset(31, 6000, levels.size(), 0.03, cats, grove_test::task::regression());
  grove_test::dmatrix m = grove_test::make_dmatrix(train);
  grove_test::booster b(m);
  b.set_param("tree_method", "hist");
  b.set_param("max_cat_to_onehot", 1);
  b.set_param("max_depth", 6);
  b.set_param("eta", "0.3");
  b.set_param("nthread", 1);
  b.set_param("seed", 7);
  b.train(m, 16);
  const std::vector<char> json = b.save_json();
  const grove::model model = grove::load_from_memory(json.data(), json.size());
  const forest& f = model.forest();
  // Sets beyond code 63 are what this is about.
  const grove::compile::grouped_forest g = grove::compile::build_grouped_forest(f, 3);
  CHECK(g.fallback_trees.empty());
  CHECK(g.category_words.size() > 100);

  const std::size_t n = 400, cols = levels.size();
  const grove_test::dataset held =
      grove_test::make_dataset(32, n, cols, 0.03, cats, grove_test::task::regression());
  const coverage before = compared;
  for (const bool with_infinities : {true, false}) {
    const std::vector<float> X = rows_with_edges(held, levels, with_infinities);
    const std::vector<float> want =
        b.predict_dense(X.data(), n, cols, nan_f, grove_test::pred_type::margin).values;
    // pred_leaf goes through a DMatrix, which refuses infinities.
    const std::vector<float> want_leaf =
        with_infinities ? std::vector<float>{}
                        : b.predict_dmatrix(grove_test::dmatrix(X, n, cols, nan_f),
                                            grove_test::pred_type::leaf)
                              .values;
    if (with_infinities) {
      // Margins only: leaf ids of these rows are checked against the reference instead.
      std::vector<float> ref_leaf(n * f.num_trees());
      for (std::size_t r = 0; r < n; ++r)
        grove::ir::reference_leaf(f, X.data() + r * cols, nan_f, {0, f.num_trees()},
                                  ref_leaf.data() + r * f.num_trees());
      check_against_xgboost(f, X, n, cols, want, ref_leaf, "infinite rows");
    } else {
      check_against_xgboost(f, X, n, cols, want, want_leaf, "finite rows");
    }
  }
  require_compared(before, {grove::plans::group_walk::plan_name, grove::plans::few_row_walk::plan_name},
                   "categorical model of 20,000 levels");
}

TEST_CASE("engine: category codes up to 2^24 and sparse sets equal XGBoost", "[engine][xgboost]") {
  grove_test::set_global_verbosity(0);
  // Trees written as XGBoost 1.7 saves them, with sets XGBoost's training would rarely make:
  // codes just below 2^24, windows anywhere, a few codes spread over millions (too sparse for
  // words: their trees take the reference walk). XGBoost loads the same document and predicts.
  std::mt19937 rng(77);
  constexpr int num_feature = 4;  // 0..2 categorical, 3 numeric
  grove_test::model_spec spec;
  spec.num_feature = num_feature;
  spec.base_score = "5E-1";
  std::vector<std::vector<std::vector<std::int32_t>>> sets;  // [tree][node]
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < 24; ++i) {
    grove_test::tree_spec t;
    std::vector<std::vector<std::int32_t>> node_sets;
    struct todo {
      int node, depth;
    };
    auto add = [&] {
      t.left.push_back(-1);
      t.right.push_back(-1);
      t.feature.push_back(0);
      t.value.push_back(std::normal_distribution<double>(0.0, 1.0)(rng));
      t.default_left.push_back(u(rng) < 0.5 ? 1 : 0);
      node_sets.emplace_back();
      return static_cast<int>(t.left.size() - 1);
    };
    add();
    std::vector<todo> stack{{0, 0}};
    while (!stack.empty()) {
      const todo d = stack.back();
      stack.pop_back();
      if (d.depth >= 5 || (d.depth > 1 && u(rng) < 0.15)) continue;
      const int l = add(), r = add();
      t.left[d.node] = l;
      t.right[d.node] = r;
      const int feature = std::uniform_int_distribution<int>(0, num_feature - 1)(rng);
      t.feature[d.node] = feature;
      std::vector<std::int32_t>& set = node_sets[d.node];
      constexpr std::int32_t top = 1 << 24;
      if (feature == 0) {  // the top of the code range (XGBoost's bitset spans 2 MiB)
        for (std::int32_t c = top - 700; c < top; ++c)
          if (u(rng) < 0.3) set.push_back(c);
      } else if (feature == 1) {  // anywhere, or spread over millions when i % 4 == 3
        if (i % 4 == 3 && u(rng) < 0.3) {
          for (int k = 0; k < 3; ++k)
            set.push_back(std::uniform_int_distribution<std::int32_t>(0, 5000000)(rng));
          std::sort(set.begin(), set.end());
          set.erase(std::unique(set.begin(), set.end()), set.end());
        } else {
          const std::int32_t start = std::uniform_int_distribution<std::int32_t>(0, 60000)(rng);
          for (std::int32_t c = start; c < start + 2500; ++c)
            if (u(rng) < 0.2) set.push_back(c);
        }
      } else if (feature == 2) {  // small codes: within one or two words
        for (std::int32_t c = 0; c < 64; ++c)
          if (u(rng) < 0.4) set.push_back(c);
      } else {
        t.value[d.node] = std::normal_distribution<double>(0.0, 1.0)(rng);
      }
      if (feature < 3 && set.empty()) set.push_back(feature == 0 ? top - 1 : 40);
      stack.push_back({l, d.depth + 1});
      stack.push_back({r, d.depth + 1});
    }
    spec.trees.push_back(t);
    sets.push_back(node_sets);
  }
  nlohmann::json doc = grove_test::model_json(spec);
  doc["learner"]["feature_types"] = {"c", "c", "c", "q"};
  auto& trees = doc["learner"]["gradient_booster"]["model"]["trees"];
  for (std::size_t i = 0; i < sets.size(); ++i) {
    std::vector<int> split_type(sets[i].size(), 0), nodes, segments, sizes;
    std::vector<std::int32_t> codes;
    for (std::size_t node = 0; node < sets[i].size(); ++node) {
      if (spec.trees[i].left[node] < 0 || spec.trees[i].feature[node] == 3) continue;
      split_type[node] = 1;
      nodes.push_back(static_cast<int>(node));
      segments.push_back(static_cast<int>(codes.size()));
      sizes.push_back(static_cast<int>(sets[i][node].size()));
      codes.insert(codes.end(), sets[i][node].begin(), sets[i][node].end());
    }
    trees[i]["split_type"] = split_type;
    trees[i]["categories_nodes"] = nodes;
    trees[i]["categories_segments"] = segments;
    trees[i]["categories_sizes"] = sizes;
    trees[i]["categories"] = codes;
  }
  const std::string text = doc.dump();
  const grove_test::booster b = grove_test::booster::load(text.data(), text.size());
  const grove::model model = grove::load_from_memory(text.data(), text.size());
  const forest& f = model.forest();
  const grove::compile::grouped_forest g = grove::compile::build_grouped_forest(f, 3);
  CHECK(!g.fallback_trees.empty());
  CHECK(g.fallback_trees.size() < f.num_trees());

  // Rows on the sets' codes and around them, and the edge values.
  const std::size_t n = 600;
  std::vector<float> X = rows_on_categories(f, rng, n);
  const std::size_t cols = num_feature;
  for (std::size_t r = 0; r < n; ++r)
    X[r * cols + 3] = std::normal_distribution<float>(0.0f, 1.0f)(rng);
  const coverage before = compared;
  const std::vector<float> want =
      b.predict_dense(X.data(), n, cols, nan_f, grove_test::pred_type::margin).values;
  std::vector<float> finite = X;
  for (float& v : finite)
    if (std::isinf(v)) v = nan_f;
  const std::vector<float> want_finite =
      b.predict_dense(finite.data(), n, cols, nan_f, grove_test::pred_type::margin).values;
  const std::vector<float> want_leaf =
      b.predict_dmatrix(grove_test::dmatrix(finite, n, cols, nan_f), grove_test::pred_type::leaf)
          .values;
  check_against_xgboost(f, finite, n, cols, want_finite, want_leaf, "finite rows");
  std::vector<float> ref_leaf(n * f.num_trees());
  for (std::size_t r = 0; r < n; ++r)
    grove::ir::reference_leaf(f, X.data() + r * cols, nan_f, {0, f.num_trees()},
                              ref_leaf.data() + r * f.num_trees());
  check_against_xgboost(f, X, n, cols, want, ref_leaf, "rows with infinities");
  require_compared(before, {grove::plans::group_walk::plan_name, grove::plans::few_row_walk::plan_name},
                   "codes up to 2^24");
}

}  // namespace grove_test::engine_cases
