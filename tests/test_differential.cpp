// Differential test against the XGBoost C library at test time: many small random models
// (objectives, depths, missing rates, categorical columns, multi-class, DART, parallel trees,
// lossguide growth, custom base scores, and categorical columns with a user `missing` and with
// multi-class objectives; the test counts each) are trained, saved, loaded by grove, and
// predicted by both on held-out rows, over several iteration ranges. Margins and leaves must be
// identical bit for bit; values within one float (grove_test::value_ulps).

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <grove/grove.hpp>

#include "support/files.hpp"
#include "support/fixture.hpp"
#include "support/random_models.hpp"
#include "support/xgboost_oracle.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::differential_cases {

using namespace grove_test;

namespace {

/// Iteration ranges [begin, end) compared (0:0 is every round): all, the first round, a middle
/// span, the second half and the last round. DART models leave out the first round alone:
/// XGBoost 1.7.4's DMatrix margins of a DART model for rounds 0:1 changed between two calls on
/// the same booster and rows in this process (2 of the 64 rows of dart_binary), so they are no
/// reference there.
std::vector<std::pair<int, int>> ranges_of(int rounds, bool dart) {
  std::vector<std::pair<int, int>> out{{0, 0}};
  for (const auto& [begin, end] : std::vector<std::pair<int, int>>{
           {0, 1}, {1, rounds - 1}, {rounds / 2, rounds}, {rounds - 1, rounds}})
    if (begin < end && end <= rounds && !(dart && begin == 0 && end == 1))
      out.emplace_back(begin, end);
  return out;
}

/// XGBoost's leaf ids for rounds [begin, end) (0:0 all): its pred_leaf refuses a range that does
/// not start at 0, so the model is sliced there.
prediction xgboost_leaves(const booster& b, const dmatrix& d, int begin, int end) {
  return begin == 0 ? b.predict_dmatrix(d, pred_type::leaf, 0, end)
                    : b.slice(begin, end).predict_dmatrix(d, pred_type::leaf);
}

grove::predict_options options(grove::output kind, float missing, int begin, int end) {
  grove::predict_options o;
  o.kind = kind;
  o.missing = missing;
  o.iteration_begin = static_cast<std::size_t>(begin);
  o.iteration_end = static_cast<std::size_t>(end);
  return o;
}

void compare_model(const model_config& c, std::uint64_t seed) {
  INFO(describe(c, seed));
  const dataset train_rows = make_dataset(seed, 400, c.cols, c.nan_rate, categories_for(c), c.kind);
  const booster b = train(c, train_rows);
  // DART: XGBoost's in-place path adds and removes the intercept around every tree; its
  // DMatrix path is the plain float32 sum and the reference. DMatrix rejects infinities.
  const bool use_dense = !c.dart;
  const dataset x = prediction_rows(c, seed, 257, use_dense);
  const float missing = c.custom_missing;

  const std::vector<char> json_bytes = b.save_json(), ubj_bytes = b.save_ubjson();
  for (const std::vector<char>* bytes : {&json_bytes, &ubj_bytes}) {
    INFO((bytes == &json_bytes ? "json" : "ubjson"));
    const grove::predictor p(grove::load_from_memory(bytes->data(), bytes->size()));
    const grove::rows rows(x.X.data(), x.rows, x.cols);
    const int rounds = b.boosted_rounds();
    for (const auto& [begin, end] : ranges_of(rounds, c.dart)) {
      INFO("iteration range " << begin << ":" << end);
      for (const grove::output kind : {grove::output::margin, grove::output::value}) {
        const grove::predict_options o = options(kind, missing, begin, end);
        const pred_type type = kind == grove::output::margin ? pred_type::margin : pred_type::value;
        const prediction expected =
            use_dense ? b.predict_dense(x.X.data(), x.rows, x.cols, missing, type, begin, end)
                      : b.predict_dmatrix(dmatrix(x.X, x.rows, x.cols, missing), type, begin, end);
        const std::vector<float> got = p.predict(rows, o);
        REQUIRE(got.size() == expected.values.size());
        if (kind == grove::output::margin)
          CHECK(count_bit_mismatches(got, expected.values) == 0);
        else
          CHECK(count_ulp_mismatches(got, expected.values, value_ulps) == 0);
      }
    }
    // pred_leaf goes through a DMatrix, which refuses infinities: use rows without them.
    const dataset finite = prediction_rows(c, seed, 257, false);
    const dmatrix d(finite.X, finite.rows, finite.cols, missing);
    for (const auto& [begin, end] : ranges_of(rounds, c.dart)) {
      INFO("leaves, iteration range " << begin << ":" << end);
      const prediction leaves = xgboost_leaves(b, d, begin, end);
      const std::vector<float> got =
          p.predict(grove::rows(finite.X.data(), finite.rows, finite.cols),
                    options(grove::output::leaf, missing, begin, end));
      REQUIRE(got.size() == leaves.values.size());
      CHECK(count_bit_mismatches(got, leaves.values) == 0);
    }
  }
}

}  // namespace

TEST_CASE("fixtures: several iteration ranges equal the XGBoost C library", "[differential]") {
  // The fixtures' own files hold one range each (*_1_3.csv, leaf_0_2.csv); here XGBoost loads
  // each fixture's model and predicts every range of ranges_of() through a DMatrix (its
  // reference path, DART included), margins, values and leaves.
  set_global_verbosity(0);
  std::size_t models = 0, compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures_dir())) {
    const std::filesystem::path dir = entry.path();
    if (!std::filesystem::exists(dir / "meta.json")) continue;
    INFO(dir.string());
    const auto meta = read_json_file((dir / "meta.json").string());
    const auto x = read_csv_file((dir / "X.csv").string());
    const auto& first = meta["cases"][0];
    const float missing = first["missing"].is_null() ? std::numeric_limits<float>::quiet_NaN()
                                                     : first["missing"].get<float>();
    const std::string bytes = read_bytes(dir / "model.json");
    const booster b = booster::load(bytes.data(), bytes.size());
    const grove::predictor p(grove::load_from_memory(bytes.data(), bytes.size()));
    const dmatrix d(x.values, x.num_rows, x.num_cols, missing);
    const grove::rows rows(x.values.data(), x.num_rows, x.num_cols);
    const int rounds = b.boosted_rounds();
    REQUIRE(rounds >= 3);
    for (const auto& [begin, end] : ranges_of(rounds, meta["booster"] == "dart")) {
      INFO("iteration range " << begin << ":" << end);
      const auto grove_output = [&](grove::output kind) {
        return p.predict(rows, options(kind, missing, begin, end));
      };
      CHECK(count_bit_mismatches(grove_output(grove::output::margin),
                                 b.predict_dmatrix(d, pred_type::margin, begin, end).values) == 0);
      CHECK(count_ulp_mismatches(grove_output(grove::output::value),
                                 b.predict_dmatrix(d, pred_type::value, begin, end).values,
                                 value_ulps) == 0);
      CHECK(count_bit_mismatches(grove_output(grove::output::leaf),
                                 xgboost_leaves(b, d, begin, end).values) == 0);
      compared += 3;
    }
    ++models;
  }
  CHECK(models >= 30);
  CHECK(compared >= models * 4 * 3);
}

TEST_CASE("random models: grove equals the XGBoost C library", "[differential]") {
  set_global_verbosity(0);
  constexpr std::uint64_t models = 180;
  // What the header promises, counted: each kind of model occurs.
  std::size_t base_score = 0, categorical = 0, categorical_missing = 0, categorical_multiclass = 0,
              custom_missing = 0, multiclass = 0, dart = 0, parallel = 0, lossguide = 0;
  for (std::uint64_t i = 0; i < models; ++i) {
    const model_config c = config_for(i);
    const bool multi = c.kind.kind == task_kind::multiclass;
    base_score += !c.base_score.empty();
    categorical += c.categorical;
    categorical_missing += c.categorical && !std::isnan(c.custom_missing);
    categorical_multiclass += c.categorical && multi;
    custom_missing += !std::isnan(c.custom_missing);
    multiclass += multi;
    dart += c.dart;
    parallel += c.parallel_trees > 1;
    lossguide += c.lossguide;
    compare_model(c, 100 + i);
  }
  CHECK(base_score >= 5);
  CHECK(categorical >= 30);
  CHECK(categorical_missing >= 5);
  CHECK(categorical_multiclass >= 5);
  CHECK(custom_missing >= 20);
  CHECK(multiclass >= 10);
  CHECK(dart >= 20);
  CHECK(parallel >= 10);
  CHECK(lossguide >= 20);
}

}  // namespace grove_test::differential_cases
