#pragma once
/// @file
/// Random models trained through the XGBoost C API at test time, for the differential tests
/// (test_differential, test_contribs): model number i's configuration cycles through the
/// objectives, depths, missing rates, categorical columns, DART, parallel trees, lossguide growth,
/// custom missing values and base scores.

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "support/xgboost_oracle.hpp"

namespace grove_test {

/// One random model's recipe.
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

inline std::string describe(const model_config& c, std::uint64_t seed) {
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

/// The configuration for model number i: cycles through objectives and features, depths 1 to
/// max_depth.
inline model_config config_for(std::uint64_t i, int max_depth = 8) {
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
  c.depth = 1 + static_cast<int>((i * 7) % static_cast<std::uint64_t>(max_depth));
  c.rounds = 3 + static_cast<int>((i * 5) % 10);
  c.nan_rate = std::vector<double>{0.0, 0.1, 0.4}[(i / 2) % 3];
  // Every third model has categorical columns, and so do the multi-class models of every other
  // pass through the objectives (i % 3 == 1 never meets a multi-class objective).
  c.categorical = i % 3 == 1 || (kind.kind == task_kind::multiclass && (i / 18) % 2 == 0);
  c.dart = i % 5 == 2;
  c.parallel_trees = i % 7 == 3 ? 2 : 1;
  c.lossguide = i % 4 == 3;
  // i % 6 == 5 is never categorical; i % 12 == 4 is.
  if (i % 6 == 5 || i % 12 == 4) c.custom_missing = -999.0f;
  // The first of every three passes through the objectives: its two models whose objective
  // takes a base score in (0, 1).
  if ((i / 18) % 3 == 0 && (objective == "binary:logistic" || objective == "reg:squarederror"))
    c.base_score = "0.37";
  c.cols = 3 + (i * 11) % 20;
  return c;
}

/// Trains the configured model on d through the XGBoost C API.
inline booster train(const model_config& c, const dataset& d) {
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

/// The categorical columns of a config's data (none unless c.categorical).
inline std::vector<categorical_column> categories_for(const model_config& c) {
  if (!c.categorical) return {};
  return {categorical_column{0, 12}, categorical_column{static_cast<int>(c.cols) - 1, 5}};
}

/// `rows` held-out rows from the training distribution, plus edge values XGBoost must route
/// too: row 0 all missing, row 1 negative zeros, row 2 infinities (with_infinities), unseen,
/// negative and fractional categories, and every third missing value as the custom missing.
inline dataset prediction_rows(const model_config& c, std::uint64_t seed, std::size_t rows,
                               bool with_infinities) {
  dataset d = make_dataset(seed + 1000, rows, c.cols, c.nan_rate, categories_for(c), c.kind);
  for (std::size_t j = 0; j < c.cols; ++j) {
    d.X[j] = std::numeric_limits<float>::quiet_NaN();
    d.X[c.cols + j] = -0.0f;
    if (with_infinities)
      d.X[2 * c.cols + j] = (j % 2 ? -1.0f : 1.0f) * std::numeric_limits<float>::infinity();
  }
  if (c.categorical) {
    d.X[3 * c.cols] = 40.0f;
    d.X[4 * c.cols] = -1.0f;
    d.X[5 * c.cols] = 2.5f;
  }
  if (!std::isnan(c.custom_missing))
    for (std::size_t k = 0; k < d.X.size(); k += 3)
      if (std::isnan(d.X[k])) d.X[k] = c.custom_missing;
  return d;
}

}  // namespace grove_test
