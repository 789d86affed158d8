// Differential test against the XGBoost C library at test time: many small random models
// (objectives, depths, missing rates, categorical columns, multi-class, DART, parallel trees,
// lossguide growth, custom base scores, and categorical columns with a user `missing` and with
// multi-class objectives; the test counts each) are trained, saved, loaded by grove, and
// predicted by both on held-out rows. Margins and leaves must be
// identical bit for bit; values within one float (grove_test::value_ulps).

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <grove/grove.hpp>

#include "support/fixture.hpp"
#include "support/random_models.hpp"
#include "support/xgboost_oracle.hpp"

using namespace grove_test;

namespace {

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
    for (const auto& [begin, end] : std::vector<std::pair<int, int>>{{0, 0}, {1, rounds - 1}}) {
      INFO("iteration range " << begin << ":" << end);
      grove::predict_options o;
      o.missing = missing;
      o.iteration_begin = static_cast<std::size_t>(begin);
      o.iteration_end = static_cast<std::size_t>(end);
      for (const grove::output kind : {grove::output::margin, grove::output::value}) {
        o.kind = kind;
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
    grove::predict_options o;
    o.kind = grove::output::leaf;
    o.missing = missing;
    const prediction leaves =
        b.predict_dmatrix(dmatrix(finite.X, finite.rows, finite.cols, missing), pred_type::leaf);
    CHECK(count_bit_mismatches(p.predict(grove::rows(finite.X.data(), finite.rows, finite.cols), o),
                               leaves.values) == 0);
  }
}

}  // namespace

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
