// Differential test against the XGBoost C library at test time: many small random models
// (objectives, depths, missing rates, categorical columns, multi-class, DART, parallel trees,
// lossguide growth, custom base scores) are trained, saved, loaded by grove, and predicted by
// both on held-out rows. Margins and leaves must be identical bit for bit; values within 1e-6.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <grove/grove.hpp>

#include "support/fixture.hpp"
#include "support/xgboost_oracle.hpp"

using namespace grove_test;

namespace {

struct model_config {
  std::string objective;
  task kind;
  int depth = 4;
  int rounds = 8;
  double nan_rate = 0.0;
  bool categorical = false;
  bool dart = false;
  int parallel_trees = 1;
  bool lossguide = false;
  float custom_missing = std::numeric_limits<float>::quiet_NaN();
  std::string base_score;  // empty: XGBoost's default
  std::size_t cols = 6;
};

std::string describe(const model_config& c, std::uint64_t seed) {
  std::string s = c.objective + " seed " + std::to_string(seed) + " depth " +
                  std::to_string(c.depth) + " rounds " + std::to_string(c.rounds) + " nan " +
                  std::to_string(c.nan_rate);
  if (c.categorical) s += " categorical";
  if (c.dart) s += " dart";
  if (c.parallel_trees > 1) s += " parallel " + std::to_string(c.parallel_trees);
  if (c.lossguide) s += " lossguide";
  if (!std::isnan(c.custom_missing)) s += " missing -999";
  if (!c.base_score.empty()) s += " base_score " + c.base_score;
  return s;
}

/// The configuration for model number i: cycles through objectives and features.
model_config config_for(std::uint64_t i) {
  static const std::vector<std::pair<std::string, task>> objectives = {
      {"reg:squarederror", task::regression()},   {"binary:logistic", task::binary()},
      {"multi:softprob", task::multiclass(3)},    {"reg:pseudohubererror", task::regression()},
      {"binary:logitraw", task::binary()},        {"multi:softmax", task::multiclass(4)},
      {"count:poisson", task::count()},           {"reg:gamma", task::positive()},
      {"reg:tweedie", task::positive()},          {"reg:logistic", task::binary()},
      {"binary:hinge", task::binary()},           {"rank:pairwise", task::ranking()},
      {"rank:ndcg", task::ranking()},             {"survival:cox", task::survival()},
      {"survival:aft", task::survival()},         {"reg:absoluteerror", task::regression()},
      {"reg:squaredlogerror", task::positive()},  {"rank:map", task::binary()},
  };
  model_config c;
  const auto& [objective, kind] = objectives[i % objectives.size()];
  c.objective = objective;
  c.kind = kind;
  c.depth = 1 + static_cast<int>((i * 7) % 8);
  c.rounds = 3 + static_cast<int>((i * 5) % 10);
  c.nan_rate = std::vector<double>{0.0, 0.1, 0.4}[(i / 2) % 3];
  c.categorical = i % 3 == 1;
  c.dart = i % 5 == 2;
  c.parallel_trees = i % 7 == 3 ? 2 : 1;
  c.lossguide = i % 4 == 3;
  if (i % 6 == 5) c.custom_missing = -999.0f;
  if (i % 9 == 4 && (objective == "binary:logistic" || objective == "reg:squarederror"))
    c.base_score = "0.37";
  c.cols = 3 + (i * 11) % 20;
  return c;
}

booster train(const model_config& c, const dataset& d) {
  dmatrix m = make_dmatrix(d);
  booster b(m);
  b.set_param("objective", c.objective);
  b.set_param("max_depth", c.lossguide ? 0 : c.depth);
  b.set_param("eta", "0.3");
  b.set_param("nthread", 1);
  b.set_param("seed", 7);
  b.set_param("tree_method", (c.categorical || c.lossguide) ? "hist" : "exact");
  if (c.categorical) b.set_param("max_cat_to_onehot", 1 + c.depth % 3 * 4);
  if (c.lossguide) {
    b.set_param("grow_policy", "lossguide");
    b.set_param("max_leaves", 4 + c.depth * 3);
  }
  if (c.kind.kind == task_kind::multiclass) b.set_param("num_class", c.kind.num_class);
  if (c.dart) {
    b.set_param("booster", "dart");
    b.set_param("rate_drop", "0.3");
    b.set_param("skip_drop", "0");
  }
  if (c.parallel_trees > 1) {
    b.set_param("num_parallel_tree", c.parallel_trees);
    b.set_param("subsample", "0.8");
  }
  if (!c.base_score.empty()) b.set_param("base_score", c.base_score);
  if (c.objective == "count:poisson") b.set_param("max_delta_step", "2");
  b.train(m, c.rounds);
  return b;
}

/// Held-out rows from the training distribution, plus edge values XGBoost must route too.
dataset prediction_rows(const model_config& c, std::uint64_t seed, bool with_infinities) {
  std::vector<categorical_column> cats;
  if (c.categorical) cats = {{0, 12}, {static_cast<int>(c.cols) - 1, 5}};
  dataset d = make_dataset(seed + 1000, 257, c.cols, c.nan_rate, cats, c.kind);
  // Row 0: everything missing; row 1: negative zeros; row 2: infinities (in-place path only).
  for (std::size_t j = 0; j < c.cols; ++j) {
    d.X[j] = std::numeric_limits<float>::quiet_NaN();
    d.X[c.cols + j] = -0.0f;
    if (with_infinities)
      d.X[2 * c.cols + j] = (j % 2 ? -1.0f : 1.0f) * std::numeric_limits<float>::infinity();
  }
  if (c.categorical) {  // unseen, negative and fractional categories
    d.X[3 * c.cols] = 40.0f;
    d.X[4 * c.cols] = -1.0f;
    d.X[5 * c.cols] = 2.5f;
  }
  if (!std::isnan(c.custom_missing))
    for (std::size_t k = 0; k < d.X.size(); k += 3)
      if (std::isnan(d.X[k])) d.X[k] = c.custom_missing;
  return d;
}

void compare_model(const model_config& c, std::uint64_t seed) {
  INFO(describe(c, seed));
  std::vector<categorical_column> cats;
  if (c.categorical) cats = {{0, 12}, {static_cast<int>(c.cols) - 1, 5}};
  const dataset train_rows = make_dataset(seed, 400, c.cols, c.nan_rate, cats, c.kind);
  const booster b = train(c, train_rows);
  // DART: XGBoost's in-place path adds and removes the intercept around every tree; its
  // DMatrix path is the plain float32 sum and the reference. DMatrix rejects infinities.
  const bool use_dense = !c.dart;
  const dataset x = prediction_rows(c, seed, use_dense);
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
          CHECK(count_relative_mismatches(got, expected.values, 1e-6) == 0);
      }
    }
    // pred_leaf goes through a DMatrix, which refuses infinities: use rows without them.
    const dataset finite = prediction_rows(c, seed, false);
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
  for (std::uint64_t i = 0; i < 180; ++i) compare_model(config_for(i), 100 + i);
}
