#pragma once
/// @file
/// The benchmark models, shared by grove-bench and grove-bench-contribs: their definitions
/// (data spec, training rows, rounds, XGBoost parameters) and training through the XGBoost C API
/// with a cache keyed by the whole recipe, so the two programs train each model once between them.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench_data.hpp"
#include "support/xgboost_oracle.hpp"

#ifndef GROVE_BENCH_MODEL_DIR
#define GROVE_BENCH_MODEL_DIR "bench-models"
#endif

namespace grove_bench {

inline constexpr std::uint64_t train_seed = 1001;
inline constexpr std::uint64_t bench_seed = 2002;  // held out: never used for training
/// Bump when the generator or the training recipe changes, to retrain cached models.
inline constexpr const char* recipe_version = "bench-v1";


inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct model_def {
  std::string name;
  std::string title;  // for the summary
  data_spec spec;
  std::size_t train_rows = 0;
  int rounds = 0;
  std::vector<std::pair<std::string, std::string>> params;

  std::string key() const {
    std::string k = std::string(recipe_version) + "|" + name + "|" + spec.describe() +
                    "|rows=" + std::to_string(train_rows) + "|rounds=" + std::to_string(rounds) +
                    "|xgb=" + grove_test::xgboost_version();
    for (const auto& [p, v] : params) k += "|" + p + "=" + v;
    return k;
  }
};

inline std::vector<model_def> make_model_defs() {
  std::vector<model_def> defs;
  const std::vector<std::pair<std::string, std::string>> common = {
      {"tree_method", "hist"}, {"nthread", "2"},           {"seed", "7"},
      {"eta", "0.1"},          {"subsample", "0.8"},       {"colsample_bytree", "0.8"},
      {"max_bin", "256"},
  };
  auto with = [&](std::vector<std::pair<std::string, std::string>> extra) {
    auto p = common;
    for (auto& e : extra) {
      auto it = std::find_if(p.begin(), p.end(), [&](auto& q) { return q.first == e.first; });
      if (it != p.end()) it->second = e.second; else p.push_back(e);
    }
    return p;
  };
  {
    model_def d;
    d.name = "binary";
    d.title = "binary: depth 6, 200 trees, 28 features";
    d.spec.cols = 28;
    d.spec.kind = label_kind::binary;
    d.spec.structure_seed = 11;
    d.train_rows = 30000;
    d.rounds = 200;
    d.params = with({{"objective", "binary:logistic"}, {"max_depth", "6"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "fraud";
    d.title = "fraud-like: depth 8, 300 trees, 30 features, 15% NaN";
    d.spec.cols = 30;
    d.spec.kind = label_kind::binary;
    d.spec.nan_rate = 0.15;
    d.spec.positive_rate = 0.1;
    d.spec.structure_seed = 12;
    d.train_rows = 50000;
    d.rounds = 300;
    d.params = with({{"objective", "binary:logistic"}, {"max_depth", "8"},
                     {"min_child_weight", "0.5"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "regression";
    d.title = "regression: depth 10, 150 trees, 100 features";
    d.spec.cols = 100;
    d.spec.kind = label_kind::regression;
    d.spec.noise = 0.3;
    d.spec.structure_seed = 13;
    d.train_rows = 50000;
    d.rounds = 150;
    d.params = with({{"objective", "reg:squarederror"}, {"max_depth", "10"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "ranking";
    d.title = "ranking: lossguide 64 leaves, 200 trees, 136 features";
    d.spec.cols = 136;
    d.spec.kind = label_kind::ranking;
    d.spec.nan_rate = 0.02;
    d.spec.structure_seed = 14;
    d.train_rows = 40000;
    d.rounds = 200;
    d.params = with({{"objective", "rank:pairwise"}, {"grow_policy", "lossguide"},
                     {"max_leaves", "64"}, {"max_depth", "0"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "multiclass";
    d.title = "multiclass: 10 classes, depth 5, 600 trees, 64 features";
    d.spec.cols = 64;
    d.spec.kind = label_kind::multiclass;
    d.spec.num_class = 10;
    d.spec.structure_seed = 15;
    d.train_rows = 30000;
    d.rounds = 60;
    d.params = with({{"objective", "multi:softprob"}, {"num_class", "10"}, {"max_depth", "5"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "categorical";
    d.title = "categorical: depth 5, 60 trees, 6 features (3 categorical)";
    d.spec.cols = 6;
    d.spec.kind = label_kind::regression;
    d.spec.cardinality = {0, 12, 0, 40, 0, 5};
    d.spec.nan_rate = 0.02;
    d.spec.structure_seed = 16;
    d.train_rows = 20000;
    d.rounds = 60;
    d.params = with({{"objective", "reg:squarederror"}, {"max_depth", "5"},
                     {"max_cat_to_onehot", "4"}, {"colsample_bytree", "1"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "categorical_200";
    d.title = "categorical: depth 6, 60 trees, 8 features (5, 30 and 200 levels)";
    d.spec.cols = 8;
    d.spec.kind = label_kind::regression;
    d.spec.cardinality = {5, 0, 30, 0, 200, 0, 0, 0};
    d.spec.nan_rate = 0.02;
    d.spec.structure_seed = 18;
    d.train_rows = 30000;
    d.rounds = 60;
    d.params = with({{"objective", "reg:squarederror"}, {"max_depth", "6"},
                     {"max_cat_to_onehot", "4"}, {"colsample_bytree", "1"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "categorical_20k";
    d.title = "categorical: depth 6, 100 trees, 8 features (2,000 and 20,000 levels)";
    d.spec.cols = 8;
    d.spec.kind = label_kind::regression;
    d.spec.cardinality = {0, 2000, 0, 20000, 0, 0, 0, 0};
    d.spec.nan_rate = 0.02;
    d.spec.structure_seed = 19;
    d.train_rows = 60000;
    d.rounds = 100;
    d.params = with({{"objective", "reg:squarederror"}, {"max_depth", "6"},
                     {"max_cat_to_onehot", "4"}, {"colsample_bytree", "1"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "large";
    d.title = "large: depth 8, 2000 trees, 50 features";
    d.spec.cols = 50;
    d.spec.kind = label_kind::binary;
    d.spec.noise = 0.8;
    d.spec.structure_seed = 17;
    d.train_rows = 40000;
    d.rounds = 2000;
    d.params = with({{"objective", "binary:logistic"}, {"max_depth", "8"}, {"eta", "0.05"},
                     {"min_child_weight", "0.2"}});
    defs.push_back(d);
  }
  {
    model_def d;
    d.name = "wide";
    d.title = "wide: depth 6, 200 trees, 1,000 features";
    d.spec.cols = 1000;
    d.spec.kind = label_kind::binary;
    d.spec.nan_rate = 0.05;
    d.spec.structure_seed = 18;
    d.train_rows = 20000;
    d.rounds = 200;
    d.params = with({{"objective", "binary:logistic"}, {"max_depth", "6"}});
    defs.push_back(d);
  }
  return defs;
}

inline std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

inline std::vector<char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Flags every benchmark program beside grove-bench takes: --grove_rows=N (rows per batch) and
/// --grove_summary_reps=N (repetitions of its summary).
struct summary_flags {
  std::size_t rows;
  int summary_reps;
};

/// Takes the program's own flags out of argv before Google Benchmark reads it: the summary
/// flags into `flags`, others through own(argument), which returns true when it took one. Then
/// sets XGBoost quiet and starts Google Benchmark with the XGBoost version and `xgboost_path`
/// in its context.
template <class own_fn_t>
inline void start_benchmarks(int& argc, char** argv, summary_flags& flags, const own_fn_t& own,
                             const char* xgboost_path) {
  const std::size_t default_rows = flags.rows;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--grove_rows=", 0) == 0)
      flags.rows = std::strtoull(a.c_str() + 13, nullptr, 10);
    else if (a.rfind("--grove_summary_reps=", 0) == 0)
      flags.summary_reps = std::max(1, std::atoi(a.c_str() + 21));
    else if (!own(a))
      argv[kept++] = argv[i];
  }
  argc = kept;
  if (flags.rows == 0) flags.rows = default_rows;
  grove_test::set_global_verbosity(0);
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("xgboost_version", grove_test::xgboost_version());
  benchmark::AddCustomContext("xgboost_path", xgboost_path);
}

/// The JSON of a model called `name`, from the cache when a model of the same key was saved
/// there, else from train() (then saved).
template <class train_fn_t>
inline std::vector<char> cached_model(const std::string& name, const std::string& key,
                                      const train_fn_t& train) {
  char hash[32];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a(key)));
  const std::string dir = GROVE_BENCH_MODEL_DIR;
  const std::string path = dir + "/" + name + "-" + hash + ".json";
  std::vector<char> json = read_file(path);
  if (!json.empty()) {
    std::fprintf(stderr, "[grove_bench] %s: cached model %s\n", name.c_str(), path.c_str());
    return json;
  }
  const double t0 = now_s();
  json = train();
  std::filesystem::create_directories(dir);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(json.data(), static_cast<std::streamsize>(json.size()));
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  std::rename(tmp.c_str(), path.c_str());
  std::fprintf(stderr, "[grove_bench] %s: trained in %.1f s, saved %s\n", name.c_str(),
               now_s() - t0, path.c_str());
  return json;
}

/// Trains the model (or loads it from the cache) and returns its JSON.
inline std::vector<char> model_json(const model_def& def, const structure& st) {
  return cached_model(def.name, def.key(), [&] {
    const double t0 = now_s();
    std::fprintf(stderr, "[grove_bench] %s: training %d rounds on %zu rows x %zu features ...\n",
                 def.name.c_str(), def.rounds, def.train_rows, def.spec.cols);
    const data d = st.generate(train_seed, def.train_rows);
    grove_test::dmatrix dtrain(d.X, d.rows, d.cols, std::numeric_limits<float>::quiet_NaN(), 2);
    if (d.has_categorical()) dtrain.set_feature_types(d.feature_types);
    dtrain.set_labels(d.y);
    if (!d.group.empty()) dtrain.set_group(d.group);
    grove_test::booster b(dtrain);
    for (const auto& [p, v] : def.params) b.set_param(p, v);
    const int step = std::max(1, def.rounds / 10);
    for (int done = 0; done < def.rounds;) {
      const int n = std::min(step, def.rounds - done);
      b.train(dtrain, n);
      done += n;
      std::fprintf(stderr, "[grove_bench] %s: %d/%d rounds, %.1f s\n", def.name.c_str(), done,
                   def.rounds, now_s() - t0);
    }
    return b.save_json();
  });
}

}  // namespace grove_bench
