// Awkward input rows: NaN, +-inf, denormals, -0.0, huge values, values exactly on split
// thresholds, too few / too many columns, padded rows. Predictions are compared with XGBoost
// itself (in-place prediction accepts infinities and any category value) or, for the routing
// rules, with expectations written from XGBoost's rule (+inf goes right, -inf left, a value is
// missing only when it is NaN or equals `missing`) and with the reference predictor.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <grove/grove.hpp>
#include <grove/ir/builder.hpp>
#include <grove/ir/reference.hpp>
#include <limits>
#include <string>
#include <vector>

#include "support/fixture.hpp"
#include "support/xgboost_oracle.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::inputs_cases {

namespace fs = std::filesystem;
using grove_test::count_bit_mismatches;
using grove_test::count_ulp_mismatches;

namespace {

constexpr float inf = std::numeric_limits<float>::infinity();
constexpr float qnan = std::numeric_limits<float>::quiet_NaN();

/// Every fixture except DART ones: XGBoost's in-place prediction (the only XGBoost path that
/// accepts infinite inputs) rounds DART margins differently from its DMatrix path.
std::vector<fs::path> non_dart_fixtures() {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(grove_test::fixtures_dir())) {
    if (!e.is_directory() || !fs::exists(e.path() / "meta.json")) continue;
    const auto meta = grove_test::read_json_file((e.path() / "meta.json").string());
    if (meta["booster"] != "dart") dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

std::vector<char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(in), {});
}

/// Numeric split thresholds per feature, read from the loaded model.
std::vector<std::vector<float>> thresholds_by_feature(const grove::ir::forest& f) {
  std::vector<std::vector<float>> out(static_cast<std::size_t>(f.num_feature));
  for (const auto& t : f.trees)
    for (std::size_t n = 0; n < t.num_nodes(); ++n)
      if (!t.is_leaf(n) && !t.is_categorical(n) && t.feature[n] < f.num_feature)
        out[static_cast<std::size_t>(t.feature[n])].push_back(t.threshold[n]);
  return out;
}

/// The fixture's rows with about half the cells replaced by awkward values (deterministic):
/// non-finite, signed zeros, denormals, huge, category codes out of range, and split thresholds
/// of that column exactly or one ulp either side.
std::vector<float> awkward_rows(const grove_test::dense_rows_t& x,
                                const std::vector<std::vector<float>>& thresholds,
                                bool finite_only) {
  static const float specials[] = {qnan,
                                   inf,
                                   -inf,
                                   -0.0f,
                                   0.0f,
                                   std::numeric_limits<float>::denorm_min(),
                                   -std::numeric_limits<float>::denorm_min(),
                                   1e-39f,
                                   -1e-40f,
                                   3e38f,
                                   -3e38f,
                                   std::numeric_limits<float>::max(),
                                   -std::numeric_limits<float>::max(),
                                   -1.0f,
                                   4.99f,
                                   16777216.0f,
                                   1e9f};
  constexpr std::size_t num_specials = sizeof(specials) / sizeof(specials[0]);
  std::vector<float> v = x.values;
  std::size_t k = 0;
  for (std::size_t i = 0; i < x.num_rows; ++i) {
    for (std::size_t j = 0; j < x.num_cols; ++j) {
      const std::size_t h = i * 131 + j * 31;
      float& cell = v[i * x.num_cols + j];
      if (h % 4 == 0) {
        cell = specials[k++ % num_specials];
      } else if (h % 4 == 1 && j < thresholds.size() && !thresholds[j].empty()) {
        const float t = thresholds[j][(h / 4) % thresholds[j].size()];
        const std::size_t how = (h / 7) % 3;
        cell = how == 0 ? t : std::nextafter(t, how == 1 ? inf : -inf);
      }
      if (finite_only && std::isinf(cell)) cell = std::copysign(3e38f, cell);
    }
  }
  return v;
}

grove::predict_options with(grove::output kind, float missing, std::size_t threads = 1) {
  grove::predict_options o;
  o.kind = kind;
  o.missing = missing;
  o.threads = threads;
  return o;
}

/// A one-split model on feature 0: x0 < threshold -> node 1 (leaf 1.0), else node 2 (leaf 2.0);
/// a missing value goes to node 1 when default_left.
grove::predictor stump(float threshold, bool default_left) {
  grove::ir::forest_builder b(1, 1, grove::ir::objective_from_name("reg:squarederror"));
  b.set_base_score({0.0f});
  grove::ir::tree t;
  t.left = {1, -1, -1};
  t.right = {2, -1, -1};
  t.feature = {0, 0, 0};
  t.threshold = {threshold, 0.0f, 0.0f};
  t.default_left = {static_cast<std::uint8_t>(default_left), 0, 0};
  t.leaf_value = {0.0f, 1.0f, 2.0f};
  b.add_tree(std::move(t), 0, 1.0f);
  return grove::predictor(grove::model(b.finish()));
}

}  // namespace

TEST_CASE("inputs: NaN, infinities, denormals, -0, huge values and thresholds match XGBoost",
          "[inputs]") {
  grove_test::set_global_verbosity(0);
  std::size_t models = 0, cells = 0;
  for (const fs::path& dir : non_dart_fixtures()) {
    INFO(dir.string());
    const auto x = grove_test::read_csv_file((dir / "X.csv").string());
    const grove::predictor p(grove::load((dir / "model.json").string()));
    const auto booster = grove_test::booster::load(read_bytes(dir / "model.json"));
    const auto thresholds = thresholds_by_feature(p.get_model().forest());
    const std::vector<float> rows = awkward_rows(x, thresholds, false);
    const grove::rows view(rows.data(), x.num_rows, x.num_cols);
    // +inf as `missing` makes +inf missing (and only it); -999 and 0 (which -0.0 equals) too.
    for (const float missing : {qnan, inf, -999.0f, 0.0f}) {
      INFO("missing " << missing);
      const auto want_margin = booster.predict_dense(rows.data(), x.num_rows, x.num_cols, missing,
                                                     grove_test::pred_type::margin);
      const auto want_value = booster.predict_dense(rows.data(), x.num_rows, x.num_cols, missing,
                                                    grove_test::pred_type::value);
      for (std::size_t threads : {1, 2}) {
        CHECK(count_bit_mismatches(p.predict(view, with(grove::output::margin, missing, threads)),
                                   want_margin.values) == 0);
        CHECK(
            count_ulp_mismatches(p.predict(view, with(grove::output::value, missing, threads)),
                                 want_value.values, grove_test::value_ulps) == 0);
      }
    }
    // Leaf ids through a DMatrix, which refuses infinities: the same rows with +-3e38 instead.
    const std::vector<float> finite = awkward_rows(x, thresholds, true);
    const grove_test::dmatrix d(finite, x.num_rows, x.num_cols);
    const auto want_leaf = booster.predict_dmatrix(d, grove_test::pred_type::leaf);
    CHECK(count_bit_mismatches(p.predict(grove::rows(finite.data(), x.num_rows, x.num_cols),
                                         with(grove::output::leaf, qnan)),
                               want_leaf.values) == 0);
    ++models;
    cells += rows.size();
  }
  CHECK(models >= 30);
  WARN(models << " models, " << cells << " cells, half of them awkward");
}

TEST_CASE("inputs: +inf goes right, -inf left, infinity is missing only when missing = inf",
          "[inputs]") {
  struct route {
    float x, missing;
    bool default_left;
    float threshold;
    float leaf;  // 1: left, 2: right (by XGBoost's rule, worked out by hand)
  };
  const float dmin = std::numeric_limits<float>::denorm_min();
  const route cases[] = {
      {inf, qnan, true, 0.0f, 2},    {-inf, qnan, false, 0.0f, 1},
      {inf, inf, false, 0.0f, 2},    {inf, inf, true, 0.0f, 1},  // missing: default
      {-inf, inf, false, 0.0f, 1},   // -inf is not the missing value +inf
      {-inf, -inf, false, 0.0f, 2},  // ... unless missing = -inf
      {qnan, inf, true, 0.0f, 1},    {qnan, -999.0f, false, 0.0f, 2},  // NaN always missing
      {inf, qnan, true, inf, 2},     {3e38f, qnan, true, inf, 1},      // threshold +inf
      {-inf, qnan, true, -inf, 2},   {-3e38f, qnan, true, -inf, 2},    // threshold -inf
      {-0.0f, qnan, false, 0.0f, 2}, {0.0f, qnan, false, -0.0f, 2},    // -0 == 0: not below
      {-0.0f, 0.0f, true, -5.0f, 1}, {-0.0f, 0.0f, false, 5.0f, 2},    // -0 equals missing 0
      {dmin, qnan, true, dmin, 2},   {0.0f, qnan, false, dmin, 1},     // denormal threshold
      {-dmin, qnan, false, 0.0f, 1}, {dmin, qnan, true, 0.0f, 2},      // denormal input
      {1.5f, qnan, true, 1.5f, 2},   {std::nextafter(1.5f, 0.0f), qnan, false, 1.5f, 1},
      {3e38f, qnan, true, 3e38f, 2}, {-3e38f, qnan, false, -3e38f, 2},
  };
  for (const route& r : cases) {
    INFO("x " << r.x << ", missing " << r.missing << ", default_left " << r.default_left
              << ", threshold " << r.threshold);
    const grove::predictor p = stump(r.threshold, r.default_left);
    for (grove::output kind : {grove::output::margin, grove::output::leaf}) {
      const auto got = p.predict(grove::rows(&r.x, 1, 1), with(kind, r.missing));
      REQUIRE(got.size() == 1);
      // Margins are the leaf values 1 / 2, leaf outputs the node ids 1 / 2: the same numbers.
      CHECK(got[0] == r.leaf);
      float ref = 0;
      grove::ir::reference_leaf(p.get_model().forest(), &r.x, r.missing, {0, 1}, &ref);
      CHECK(got[0] == ref);
    }
  }
}

TEST_CASE("inputs: too few columns is a shape error and nothing is written", "[inputs]") {
  for (const char* name : {"obj_multi_softprob", "categorical_partition", "lossguide_deep"}) {
    INFO(name);
    const std::string dir = grove_test::fixtures_dir() + "/" + name;
    const auto x = grove_test::read_csv_file(dir + "/X.csv");
    const grove::predictor p(grove::load(dir + "/model.json"));
    const std::size_t nf = p.num_feature();
    REQUIRE(nf >= 2);
    for (grove::output kind : {grove::output::margin, grove::output::value, grove::output::leaf}) {
      for (std::size_t threads : {1, 2, 0}) {
        const grove::predict_options o = with(kind, qnan, threads);
        const std::size_t n = x.num_rows;
        std::vector<float> out(p.output_size(n, o) + 3);
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(i) + 0.25f;
        const std::vector<float> before = out;
        auto expect_shape_error = [&](const grove::rows& rows, std::size_t out_size) {
          try {
            p.predict(rows, out.data(), out_size, o);
            FAIL("no error");
          } catch (const grove::error& e) {
            CHECK(e.code() == grove::error_code::shape);
          }
          CHECK(std::memcmp(out.data(), before.data(), out.size() * sizeof(float)) == 0);
        };
        // One column short (same stride as the data, so the memory is all there).
        expect_shape_error(grove::rows(x.values.data(), n, nf - 1, x.num_cols), out.size());
        expect_shape_error(grove::rows(x.values.data(), n, 0, x.num_cols), out.size());
        expect_shape_error(grove::rows(x.values.data(), 0, nf - 1, x.num_cols), out.size());
        // A stride smaller than the column count, and an output buffer one value short.
        expect_shape_error(grove::rows(x.values.data(), n, nf, nf - 1), out.size());
        expect_shape_error(grove::rows(x.values.data(), n, nf), p.output_size(n, o) - 1);
        // The allocating overload reports the same.
        try {
          (void)p.predict(grove::rows(x.values.data(), n, nf - 1, x.num_cols), o);
          FAIL("no error");
        } catch (const grove::error& e) {
          CHECK(e.code() == grove::error_code::shape);
        }
      }
    }
  }
}

TEST_CASE("inputs: extra columns are ignored and a row stride may exceed the columns", "[inputs]") {
  std::size_t compared = 0;
  for (const fs::path& dir : non_dart_fixtures()) {
    INFO(dir.string());
    const auto x = grove_test::read_csv_file((dir / "X.csv").string());
    const grove::predictor p(grove::load((dir / "model.json").string()));
    const auto xgb_margin = grove_test::read_csv_file((dir / "margin.csv").string());
    const std::size_t nf = p.num_feature(), n = x.num_rows;
    REQUIRE(x.num_cols == nf);
    // The `missing` XGBoost's margin.csv was made with.
    float missing = qnan;
    const auto meta = grove_test::read_json_file((dir / "meta.json").string());
    for (const auto& c : meta["cases"])
      if (c["file"] == "margin.csv" && !c["missing"].is_null()) missing = c["missing"].get<float>();
    // Wide rows: nf real columns, 3 extra columns of garbage, then 2 padding values per row.
    const std::size_t extra = 3, pad = 2, stride = nf + extra + pad;
    std::vector<float> wide(n * stride);
    const float garbage[] = {qnan, inf, -inf, 1e30f, -7.0f};
    for (std::size_t i = 0; i < n; ++i) {
      std::copy(x.values.begin() + i * nf, x.values.begin() + (i + 1) * nf,
                wide.begin() + i * stride);
      for (std::size_t j = nf; j < stride; ++j) wide[i * stride + j] = garbage[(i + j) % 5];
    }
    const grove::rows compact(x.values.data(), n, nf);
    const grove::rows more_columns(wide.data(), n, nf + extra, stride);
    const grove::rows padded(wide.data(), n, nf, stride);
    for (grove::output kind : {grove::output::margin, grove::output::value, grove::output::leaf}) {
      for (std::size_t threads : {1, 2}) {
        const grove::predict_options o = with(kind, missing, threads);
        const auto want = p.predict(compact, o);
        CHECK(count_bit_mismatches(p.predict(more_columns, o), want) == 0);
        CHECK(count_bit_mismatches(p.predict(padded, o), want) == 0);
        if (kind == grove::output::margin)  // and compact rows are XGBoost's own result
          CHECK(count_bit_mismatches(want, xgb_margin.values) == 0);
        ++compared;
      }
    }
  }
  CHECK(compared >= 180);
}

}  // namespace grove_test::inputs_cases
