// SHAP feature contributions (output::contribs) against XGBoost 1.7.4's pred_contribs, asked
// through the C library at test time: the committed fixtures, random models trained here, the
// table-free path algorithm, and the error cases.
//
// Tolerance. grove computes in double from the same covers and leaf values; XGBoost computes in
// float32 and adds each tree's contributions into a float32 total. Its rounding error on one
// value is a few float ulps of the magnitudes it added up, i.e. of the row's contributions for
// that output, not of the value itself (a small contribution can be the sum of large ones that
// cancel). So a value b (XGBoost) and a (grove) agree when
//   |a - b| <= 1e-5 * max(1, s),  s = max |contribution| in that row and output (bias included),
// i.e. 1e-5 relative to the row's scale, and 1e-5 absolute below scale 1. That is ~100 float
// ulps: loose enough for float accumulation over hundreds of trees, tight enough that any real
// mistake (a wrong cover, a wrong branch, a dropped tree) shows: those move values by whole
// percent.

#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <grove/grove.hpp>
#include <grove/ir/builder.hpp>

#include "support/files.hpp"
#include "support/fixture.hpp"
#include "support/random_models.hpp"
#include "support/xgboost_oracle.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::contribs_cases {

namespace fs = std::filesystem;
using namespace grove_test;

namespace {

/// Totals over the whole run, printed at the end of the fixture and random-model cases.
struct tally {
  std::size_t models = 0, rows = 0, values = 0, mismatches = 0;
  double max_error = 0;  // |a - b| / max(1, row scale), the quantity bounded by 1e-5
};

constexpr double tolerance = 1e-5;

/// Compares contributions laid out [row][output][block]; returns the number of mismatches and
/// updates t.
std::size_t compare_contribs(const std::vector<float>& got, const std::vector<float>& expected,
                             std::size_t block, tally& t) {
  REQUIRE(got.size() == expected.size());
  REQUIRE(block > 0);
  REQUIRE(expected.size() % block == 0);
  std::size_t bad = 0;
  for (std::size_t b0 = 0; b0 < expected.size(); b0 += block) {
    double scale = 1.0;
    for (std::size_t j = 0; j < block; ++j)
      scale = std::max(scale, std::abs(static_cast<double>(expected[b0 + j])));
    for (std::size_t j = 0; j < block; ++j) {
      const double a = got[b0 + j], b = expected[b0 + j];
      const double err = std::abs(a - b) / scale;
      if (!(err <= tolerance)) {
        if (bad < 5)
          UNSCOPED_INFO("value " << b0 + j << " (block " << b0 / block << ", column " << j
                                 << "): grove " << a << ", XGBoost " << b);
        ++bad;
      }
      if (err > t.max_error || std::isnan(err)) t.max_error = std::isnan(err) ? 1e300 : err;
    }
  }
  t.values += expected.size();
  t.mismatches += bad;
  return bad;
}

/// Each row's block per output sums to grove's margin for that output.
std::size_t check_sums(const std::vector<float>& contribs, const std::vector<float>& margins,
                       std::size_t num_output, std::size_t block) {
  REQUIRE(contribs.size() == margins.size() * block);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < margins.size(); ++i) {
    double sum = 0, scale = 1;
    for (std::size_t j = 0; j < block; ++j) {
      sum += contribs[i * block + j];
      scale = std::max(scale, std::abs(static_cast<double>(contribs[i * block + j])));
    }
    if (!(std::abs(sum - margins[i]) <= tolerance * scale * 4)) {
      if (bad < 5)
        UNSCOPED_INFO("row " << i / num_output << " output " << i % num_output << ": sum " << sum
                             << ", margin " << margins[i]);
      ++bad;
    }
  }
  return bad;
}

std::vector<fs::path> fixture_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(fixtures_dir()))
    if (entry.is_directory() && fs::exists(entry.path() / "meta.json")) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

/// XGBoost's contributions for rounds [begin, end) (end 0: all).
std::vector<float> xgboost_contribs(const booster& b, const std::vector<float>& X,
                                    std::size_t rows, std::size_t cols, float missing, int begin,
                                    int end) {
  const dmatrix d(X, rows, cols, missing);
  if (begin == 0) return predict_dmatrix(b, d, pred_type::contrib, 0, end).values;
  const booster part = b.slice(begin, end == 0 ? b.boosted_rounds() : end);
  return predict_dmatrix(part, d, pred_type::contrib).values;
}

/// Compares grove with XGBoost on rows X for one iteration range, threads 1 and 2, and checks
/// the sums against grove's margins.
void compare_model(const grove::predictor& p, const booster& b, const std::vector<float>& X,
                   std::size_t rows, std::size_t cols, float missing, int begin, int end,
                   tally& t) {
  INFO("iteration range " << begin << ":" << end);
  const std::vector<float> expected = xgboost_contribs(b, X, rows, cols, missing, begin, end);
  grove::predict_options o;
  o.kind = grove::output::contribs;
  o.missing = missing;
  o.iteration_begin = static_cast<std::size_t>(begin);
  o.iteration_end = static_cast<std::size_t>(end);
  const std::size_t block = p.num_feature() + 1;
  const std::size_t num_output = p.get_model().num_output();
  REQUIRE(p.output_width(o) == num_output * block);
  REQUIRE(expected.size() == rows * num_output * block);
  std::vector<float> first;
  for (std::size_t threads : {1, 2}) {
    INFO("threads " << threads);
    o.threads = threads;
    const std::vector<float> got = p.predict(grove::rows(X.data(), rows, cols), o);
    CHECK(compare_contribs(got, expected, block, t) == 0);
    if (threads == 1) {
      first = got;
    } else {
      CHECK(count_bit_mismatches(got, first) == 0);  // threads split rows, not sums
    }
  }
  grove::predict_options m = o;
  m.kind = grove::output::margin;
  m.threads = 1;
  const std::vector<float> margins = p.predict(grove::rows(X.data(), rows, cols), m);
  CHECK(check_sums(first, margins, num_output, block) == 0);
  t.rows += rows;
}

tally& random_tally() {
  static tally t;
  return t;
}

}  // namespace

TEST_CASE("contribs: the fixtures match XGBoost 1.7.4's pred_contribs", "[contribs][fixtures]") {
  set_global_verbosity(0);
  tally t;
  const auto dirs = fixture_dirs();
  REQUIRE(dirs.size() >= 30);
  for (const fs::path& dir : dirs) {
    INFO(dir.string());
    const auto meta = read_json_file((dir / "meta.json").string());
    const auto x = read_csv_file((dir / "X.csv").string());
    float missing = std::numeric_limits<float>::quiet_NaN();
    for (const auto& c : meta["cases"])
      if (!c["missing"].is_null()) missing = c["missing"].get<float>();
    const std::vector<char> bytes = [&] {
      const std::string s = read_bytes(dir / "model.json");
      return std::vector<char>(s.begin(), s.end());
    }();
    const booster b = booster::load(bytes);
    const int rounds = b.boosted_rounds();
    for (const char* file : {"model.json", "model.ubj"}) {
      INFO(file);
      const grove::predictor p(grove::load((dir / file).string()));
      std::vector<std::pair<int, int>> ranges = {{0, 0}};
      if (rounds >= 3) ranges.insert(ranges.end(), {{0, 2}, {1, 3}});
      for (const auto& [begin, end] : ranges)
        compare_model(p, b, x.values, x.num_rows, x.num_cols, missing, begin, end, t);
      ++t.models;
    }
    // A dump written with stats carries the covers too.
    const std::string objective = meta["dump_objective"].get<std::string>();
    const bool dump_expresses_model = meta["booster"] != "dart" &&
                                      meta["params"].value("num_parallel_tree", 1) == 1 &&
                                      (meta["num_output"] == 1 || objective.rfind("multi:", 0) == 0);
    if (dump_expresses_model) {
      INFO("dump.json");
      const grove::predictor p(grove::load((dir / "dump.json").string(), dump_options(meta)));
      compare_model(p, b, x.values, x.num_rows, x.num_cols, missing, 0, 0, t);
      ++t.models;
    }
  }
  WARN("fixtures: " << t.models << " models, " << t.rows << " rows, " << t.values
                    << " values compared; max |grove - XGBoost| / max(1, row scale) = "
                    << t.max_error);
  CHECK(t.mismatches == 0);
  CHECK(t.models >= 90);
}

TEST_CASE("contribs: models saved by XGBoost 3.5 give its pred_contribs", "[contribs][xgboost3]") {
  // contribs.csv: XGBoost 3.5's pred_contribs on X.csv, [row][output][feature + 1]. The
  // vector-leaf model has none (XGBoost cannot explain it; grove refuses it, tested below).
  tally t;
  for (const char* name : {"binary_nan_d6", "categorical", "softprob"}) {
    const fs::path dir = model35(name);
    const auto x = read_csv_file((dir / "X.csv").string());
    const auto expected = read_csv_file((dir / "contribs.csv").string());
    for (const char* file : {"model.json", "model.ubj"}) {
      INFO((dir / file).string());
      const grove::predictor p(grove::load((dir / file).string()));
      grove::predict_options o;
      o.kind = grove::output::contribs;
      REQUIRE(p.output_width(o) == expected.num_cols);
      const std::vector<float> got =
          p.predict(grove::rows(x.values.data(), x.num_rows, x.num_cols), o);
      CHECK(compare_contribs(got, expected.values, p.num_feature() + 1, t) == 0);
      ++t.models;
    }
  }
  CHECK(t.models == 6);
  CHECK(t.values > 0);
  CHECK(t.mismatches == 0);
}

TEST_CASE("contribs: random models match the XGBoost C library", "[contribs][differential]") {
  set_global_verbosity(0);
  tally& t = random_tally();
  for (std::uint64_t i = 0; i < 108; ++i) {
    const model_config c = config_for(i, 10);  // up to 10: some leaves beyond 8 slots
    const std::uint64_t seed = 500 + i;
    INFO(describe(c, seed));
    const booster b =
        train(c, make_dataset(seed, 400, c.cols, c.nan_rate, categories_for(c), c.kind));
    const dataset x = prediction_rows(c, seed, 150, false);
    const std::vector<char> bytes = i % 2 ? b.save_ubjson() : b.save_json();
    const grove::predictor p(grove::load_from_memory(bytes.data(), bytes.size()));
    const int rounds = b.boosted_rounds();
    compare_model(p, b, x.X, x.rows, x.cols, c.custom_missing, 0, 0, t);
    compare_model(p, b, x.X, x.rows, x.cols, c.custom_missing, 0, rounds - 1, t);
    if (rounds >= 3) compare_model(p, b, x.X, x.rows, x.cols, c.custom_missing, 1, rounds - 1, t);
    ++t.models;
  }
  WARN("random models: " << t.models << " models, " << t.rows << " rows, " << t.values
                         << " values compared; max |grove - XGBoost| / max(1, row scale) = "
                         << t.max_error);
  CHECK(t.mismatches == 0);
}

TEST_CASE("contribs: the path algorithm and per-leaf split decisions agree with XGBoost",
          "[contribs][explain]") {
  // explain::tree_shap with no tables (every leaf through the path algorithm), no split scratch
  // (decisions taken per leaf path) and no per-tree accumulator, as for trees too deep or too
  // large for the defaults; with a tiny table budget, where tables run out part way through the
  // forest; and with tables for every leaf.
  set_global_verbosity(0);
  tally t;
  for (std::uint64_t i : {2, 9, 13, 20, 31, 37}) {
    model_config c = config_for(i, 10);
    c.depth = 7;
    const std::uint64_t seed = 900 + i;
    INFO(describe(c, seed));
    const booster b =
        train(c, make_dataset(seed, 400, c.cols, c.nan_rate, categories_for(c), c.kind));
    const dataset x = prediction_rows(c, seed, 150, false);
    const std::vector<char> bytes = b.save_json();
    const grove::model m = grove::load_from_memory(bytes.data(), bytes.size());
    const grove::ir::forest& f = m.forest();
    const std::vector<float> expected = xgboost_contribs(b, x.X, x.rows, x.cols, c.custom_missing, 0, 0);
    const std::size_t block = m.num_feature() + 1, width = m.num_output() * block;
    for (int variant = 0; variant < 3; ++variant) {
      INFO("variant " << variant);
      grove::explain::shap_options so;
      if (variant == 0) {
        so.max_table_slots = 0;
        so.scratch_splits = 0;
        so.local_features = 0;  // each leaf's shares straight into the float output
      } else if (variant == 1) {
        so.table_budget_bytes = 4096;
      } else {
        so.max_table_slots = 16;  // every leaf of these trees fits
      }
      const grove::explain::tree_shap shap(f, so);
      if (variant == 0) CHECK(shap.table_leaves() == 0);
      if (variant == 1) CHECK(shap.table_bytes() <= 4096);
      if (variant == 1) CHECK(shap.path_leaves() > 0);
      if (variant == 2) CHECK(shap.path_leaves() == 0);
      const grove::ir::tree_range all{0, f.num_trees()};
      std::vector<float> got(x.rows * width, 0.0f);
      for (std::size_t r = 0; r < x.rows; ++r) {
        float* o = got.data() + r * width;
        shap.add_row(x.X.data() + r * x.cols, c.custom_missing, all, o);
        for (std::size_t k = 0; k < m.num_output(); ++k) {
          double bias = f.base_margin[k];
          for (std::size_t tr = 0; tr < f.num_trees(); ++tr)
            if (shap.tree_output(tr) == static_cast<std::int32_t>(k)) bias += shap.expected_value(tr);
          o[k * block + block - 1] = static_cast<float>(bias);
        }
      }
      CHECK(compare_contribs(got, expected, block, t) == 0);
    }
  }
  CHECK(t.values > 0);
}

TEST_CASE("contribs: output width and layout", "[contribs]") {
  const fs::path dir = fs::path(fixtures_dir()) / "obj_multi_softprob";
  const grove::predictor p(grove::load((dir / "model.json").string()));
  const auto x = read_csv_file((dir / "X.csv").string());
  grove::predict_options o;
  o.kind = grove::output::contribs;
  REQUIRE(p.get_model().num_output() == 3);
  CHECK(p.output_width(o) == 3 * (p.num_feature() + 1));
  CHECK(p.output_size(7, o) == 7 * 3 * (p.num_feature() + 1));
  // Too small a buffer is refused before anything is written.
  std::vector<float> out(p.output_size(x.num_rows, o) - 1, 123.0f);
  CHECK_THROWS_AS(p.predict(grove::rows(x.values.data(), x.num_rows, x.num_cols), out.data(),
                            out.size(), o),
                  grove::error);
  CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 123.0f; }));
  // A strided view gives the same values as the packed rows.
  std::vector<float> wide(x.num_rows * (x.num_cols + 2), -7.0f);
  for (std::size_t r = 0; r < x.num_rows; ++r)
    std::copy(x.values.begin() + static_cast<std::ptrdiff_t>(r * x.num_cols),
              x.values.begin() + static_cast<std::ptrdiff_t>((r + 1) * x.num_cols),
              wide.begin() + static_cast<std::ptrdiff_t>(r * (x.num_cols + 2)));
  const auto packed = p.predict(grove::rows(x.values.data(), x.num_rows, x.num_cols), o);
  const auto strided =
      p.predict(grove::rows(wide.data(), x.num_rows, x.num_cols, x.num_cols + 2), o);
  CHECK(count_bit_mismatches(packed, strided) == 0);
  // Copies share the tables and agree.
  const grove::predictor copy = p;
  CHECK(&copy.prepare_contributions() == &p.prepare_contributions());
  // Zero rows: nothing needed.
  CHECK_NOTHROW(p.predict(grove::rows(nullptr, 0, x.num_cols), nullptr, 0, o));
}

TEST_CASE("contribs: a dump without stats is refused, one with stats is not", "[contribs][bad]") {
  set_global_verbosity(0);
  const model_config c = config_for(1);
  const dataset d = make_dataset(77, 300, c.cols, 0.1, {}, c.kind);
  const booster b = train(c, d);
  grove::load_options lo;
  lo.objective = c.objective;
  lo.base_score = c.base_score.empty() ? 0.5f : std::stof(c.base_score);  // a dump has none
  lo.num_feature = static_cast<std::int64_t>(c.cols);
  const std::string without = b.dump_json(false), with = b.dump_json(true);
  const grove::predictor bare(grove::load_from_memory(without.data(), without.size(), lo));
  grove::predict_options o;
  o.kind = grove::output::contribs;
  std::vector<float> out(bare.output_size(d.rows, o));
  try {
    bare.predict(grove::rows(d.X.data(), d.rows, d.cols), out.data(), out.size(), o);
    FAIL("no error");
  } catch (const grove::error& e) {
    CHECK(e.code() == grove::error_code::unsupported);
    CHECK_THAT(e.what(), Catch::Contains("cover"));
  }
  // Other outputs still work on that model.
  o.kind = grove::output::margin;
  CHECK_NOTHROW(bare.predict(grove::rows(d.X.data(), d.rows, d.cols), o));
  // With stats: the covers are there and the values are XGBoost's.
  const grove::predictor full(grove::load_from_memory(with.data(), with.size(), lo));
  tally t;
  compare_model(full, b, d.X, d.rows, d.cols, std::numeric_limits<float>::quiet_NaN(), 0, 0, t);
  CHECK(t.values > 0);
}

TEST_CASE("contribs: vector-leaf trees are refused", "[contribs][bad]") {
  // XGBoost 1.7 cannot train multi-target trees and has no contributions for them.
  grove::ir::forest f;
  grove::ir::tree tr;
  tr.left = {1, -1, -1};
  tr.right = {2, -1, -1};
  tr.feature = {0, 0, 0};
  tr.threshold = {0.5f, 0, 0};
  tr.default_left = {1, 0, 0};
  tr.leaf_size = 2;
  tr.leaf_value = {0, 0, 1, 2, 3, 4};
  tr.cover = {2, 1, 1};
  f.trees.push_back(tr);
  f.tree_output = {0};
  f.tree_weight = {1.0f};
  f.round_begin = {0, 1};
  f.num_feature = 1;
  f.num_output = 2;
  f.base_margin = {0, 0};
  try {
    const grove::explain::tree_shap shap(f);
    FAIL("no error");
  } catch (const grove::error& e) {
    CHECK(e.code() == grove::error_code::unsupported);
    CHECK_THAT(e.what(), Catch::Contains("vector leaves"));
  }
  // A real multi-output-tree model saved by XGBoost 3.5.
  const grove::predictor p(grove::load((model35("multi_output_tree") / "model.json").string()));
  grove::predict_options o;
  o.kind = grove::output::contribs;
  std::vector<float> row(p.num_feature(), 0.5f), out(p.output_width(o));
  try {
    p.predict(grove::rows(row.data(), 1, row.size()), out.data(), out.size(), o);
    FAIL("no error");
  } catch (const grove::error& e) {
    CHECK(e.code() == grove::error_code::unsupported);
    CHECK_THAT(e.what(), Catch::Contains("vector leaves"));
  }
}

namespace {

/// A chain of `splits` splits (node 2i splits on feature i % 40; its left child is a leaf, its
/// right child the next split), covers halving down the chain.
grove::ir::tree chain_tree(std::int32_t splits) {
  grove::ir::tree t;
  const std::int32_t nodes = 2 * splits + 1;
  for (std::int32_t i = 0; i < nodes; ++i) {
    const bool split = i % 2 == 0 && i < nodes - 1;
    t.left.push_back(split ? i + 1 : -1);
    t.right.push_back(split ? i + 2 : -1);
    t.feature.push_back(split ? (i / 2) % 40 : 0);
    t.threshold.push_back(split ? static_cast<float>((i / 2) % 7) : 0.0f);
    t.default_left.push_back(static_cast<std::uint8_t>(i % 3 == 0));
    t.leaf_value.push_back(split ? 0.0f : static_cast<float>(i % 11) - 5.0f);
    t.cover.push_back(static_cast<float>(nodes - i));
  }
  return t;
}

}  // namespace

TEST_CASE("contribs: very deep trees: the path algorithm, and a bound on path memory",
          "[contribs][limits]") {
  {  // One chain of 1000 splits: leaves 1000 deep, 40 distinct features per path (no table).
    grove::ir::forest_builder b(40, 1, grove::ir::objective_from_name("reg:squarederror"));
    b.add_tree(chain_tree(1000), 0, 1.0f);
    const grove::predictor p(grove::model(b.finish()));
    CHECK(p.prepare_contributions().table_leaves() < 20);
    std::vector<float> x(50 * 40);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 31) % 9) - 0.5f;
    grove::predict_options o;
    o.kind = grove::output::contribs;
    const auto phi = p.predict(grove::rows(x.data(), 50, 40), o);
    o.kind = grove::output::margin;
    const auto margin = p.predict(grove::rows(x.data(), 50, 40), o);
    CHECK(check_sums(phi, margin, 1, 41) == 0);
  }
  {  // 17 chains of 4000 splits: 17 x 8 million path steps, past the 2^25 bound: refused before
     // anything large is allocated.
    grove::ir::forest_builder b(40, 1, grove::ir::objective_from_name("reg:squarederror"));
    for (int i = 0; i < 17; ++i) b.add_tree(chain_tree(4000), 0, 1.0f);
    const grove::predictor p(grove::model(b.finish()));
    try {
      p.prepare_contributions();
      FAIL("no error");
    } catch (const grove::error& e) {
      CHECK(e.code() == grove::error_code::limit);
      CHECK_THAT(e.what(), Catch::Contains("steps"));
    }
    // Other outputs are unaffected.
    std::vector<float> x(40, 1.0f);
    CHECK(p.predict(grove::rows(x.data(), 1, 40)).size() == 1);
  }
}

namespace {

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

struct cli_result {
  int status;
  std::string out, err;
};

cli_result run_cli(const temp_dir& tmp, const std::string& args) {
  const fs::path out = tmp.path / "stdout.txt", err = tmp.path / "stderr.txt";
  const std::string command = quoted(GROVE_PREDICT_EXE) + " " + args + " > " +
                              quoted(out.string()) + " 2> " + quoted(err.string());
  const int raw = std::system(command.c_str());
  const int status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return {status, read_bytes(out), read_bytes(err)};
}

}  // namespace

TEST_CASE("grove-predict --output contribs prints XGBoost's contributions", "[contribs][cli]") {
  set_global_verbosity(0);
  temp_dir tmp("contribs-cli");
  for (const char* name : {"obj_multi_softprob", "missing_custom_m999"}) {
    INFO(name);
    const fs::path dir = fs::path(fixtures_dir()) / name;
    const auto x = read_csv_file((dir / "X.csv").string());
    const bool custom = std::string(name) == "missing_custom_m999";
    const float missing = custom ? -999.0f : std::numeric_limits<float>::quiet_NaN();
    const cli_result r = run_cli(tmp, quoted((dir / "model.json").string()) + " " +
                                          quoted((dir / "X.csv").string()) +
                                          " --output contribs" + (custom ? " --missing -999" : ""));
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    std::ofstream(tmp.path / "out.csv") << r.out;
    const auto printed = read_csv_file((tmp.path / "out.csv").string());
    const std::string s = read_bytes(dir / "model.json");
    const booster b = booster::load(std::vector<char>(s.begin(), s.end()));
    const std::vector<float> expected =
        xgboost_contribs(b, x.values, x.num_rows, x.num_cols, missing, 0, 0);
    CHECK(printed.num_rows == x.num_rows);
    const std::size_t block = b.num_feature() + 1;
    CHECK(printed.num_cols * x.num_rows == expected.size());
    tally t;
    CHECK(compare_contribs(printed.values, expected, block, t) == 0);
  }
  // A dump without stats: a clear error and a non-zero status.
  const std::string s = read_bytes(fs::path(fixtures_dir()) / "obj_reg_squarederror" / "model.json");
  const booster b = booster::load(std::vector<char>(s.begin(), s.end()));
  write_bytes(tmp.path / "bare.json", b.dump_json(false));
  const cli_result r =
      run_cli(tmp, quoted((tmp.path / "bare.json").string()) + " " +
                       quoted((fs::path(fixtures_dir()) / "obj_reg_squarederror" / "X.csv").string()) +
                       " --output contribs --objective reg:squarederror --base-score 0.5");
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("cover"));
  CHECK(r.out.empty());
}

}  // namespace grove_test::contribs_cases
