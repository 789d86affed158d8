// grove-bench-contribs: SHAP contributions (grove::output::contribs) against XGBoost 1.7.4's
// pred_contribs (XGBoosterPredictFromDMatrix, type 2), in one run on the same rows.
//
// Models: "binary" (depth 6, 200 trees, 28 features) and "fraud" (depth 8, 300 trees, 30
// features, 15% NaN) of bench/bench_models.hpp, trained once for both benchmark programs.
// Rows: drawn from the training distribution with a held-out seed.
//
// Names: <model>/<variant>/rows:<n>/thr:<threads>, variants:
//   xgboost   XGBoosterPredictFromDMatrix type 2 on a DMatrix built beforehand, booster nthread
//   grove     grove::predictor::predict, output::contribs, options.threads (tables prepared)
// Counter ns_per_row = real time / rows.
//
// At start-up each model's contributions are compared with XGBoost's on the benchmark rows
// (max |grove - XGBoost| / max(1, row scale) is printed). After the Google Benchmark runs, a
// summary prints the median ns per row of both at one thread and the ratio.
//
// Own flags (before Google Benchmark's): --grove_rows=N (rows per batch, default 1000),
// --grove_summary_reps=N (repetitions of the summary timing, default 5).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grove/grove.hpp>

#include "bench_models.hpp"

namespace {

using grove_bench::bench_seed;
using grove_bench::model_def;
using grove_bench::model_json;
using grove_bench::now_s;

grove_bench::summary_flags flags{1000, 5};

/// The two benchmark models contributions are measured on (bench_models.hpp).
std::vector<model_def> make_model_defs() {
  std::vector<model_def> defs;
  for (model_def& d : grove_bench::make_model_defs())
    if (d.name == "binary" || d.name == "fraud") defs.push_back(std::move(d));
  return defs;
}

// ---- Prepared models ------------------------------------------------------------------------

struct prepared {
  std::string name;
  std::unique_ptr<grove::predictor> predictor;
  std::unique_ptr<grove_test::booster> booster;
  std::unique_ptr<grove_test::dmatrix> dmatrix;
  std::vector<float> X;
  std::size_t rows = 0, cols = 0;
  std::vector<float> out;
};

std::vector<std::unique_ptr<prepared>>& registry() {
  static std::vector<std::unique_ptr<prepared>> r;
  return r;
}

prepared& prepare(const model_def& def) {
  auto p = std::make_unique<prepared>();
  p->name = def.name;
  const grove_bench::structure st(def.spec);
  const std::vector<char> json = model_json(def, st);
  p->predictor = std::make_unique<grove::predictor>(grove::load_from_memory(json.data(), json.size()));
  const double t0 = now_s();
  const grove::explain::tree_shap& shap = p->predictor->prepare_contributions();
  std::fprintf(stderr,
               "[contribs-bench] %s: tables built in %.2f s, %.1f MiB, %zu leaves from tables, "
               "%zu by the path algorithm\n",
               def.name.c_str(), now_s() - t0, shap.table_bytes() / 1048576.0,
               shap.table_leaves(), shap.path_leaves());
  p->booster = std::make_unique<grove_test::booster>(grove_test::booster::load(json));
  const grove_bench::data d = st.generate(bench_seed, flags.rows);
  p->X = d.X;
  p->rows = d.rows;
  p->cols = d.cols;
  p->dmatrix = std::make_unique<grove_test::dmatrix>(p->X, p->rows, p->cols);
  grove::predict_options o;
  o.kind = grove::output::contribs;
  p->out.resize(p->predictor->output_size(p->rows, o));

  // Exactness on the benchmark rows.
  p->booster->set_param("nthread", 2);
  const auto expected =
      grove_test::predict_dmatrix(*p->booster, *p->dmatrix, grove_test::pred_type::contrib).values;
  const auto got = p->predictor->predict(grove::rows(p->X.data(), p->rows, p->cols), o);
  const std::size_t block = p->predictor->num_feature() + 1;
  double worst = 0;
  for (std::size_t b0 = 0; b0 < expected.size(); b0 += block) {
    double scale = 1;
    for (std::size_t j = 0; j < block; ++j) scale = std::max(scale, std::abs(double(expected[b0 + j])));
    for (std::size_t j = 0; j < block; ++j)
      worst = std::max(worst, std::abs(double(got[b0 + j]) - expected[b0 + j]) / scale);
  }
  std::fprintf(stderr,
               "[contribs-bench] %s: %zu rows, max |grove - XGBoost| / max(1, row scale) = %.3g%s\n",
               def.name.c_str(), p->rows, worst, worst <= 1e-5 ? "" : "  ** ABOVE 1e-5 **");
  registry().push_back(std::move(p));
  return *registry().back();
}

void run_grove(const prepared& p, std::size_t threads) {
  grove::predict_options o;
  o.kind = grove::output::contribs;
  o.threads = threads;
  p.predictor->predict(grove::rows(p.X.data(), p.rows, p.cols), const_cast<float*>(p.out.data()),
                       p.out.size(), o);
  benchmark::DoNotOptimize(p.out.data());
}

void run_xgboost(const prepared& p) {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  const char* cfg =
      "{\"type\": 2, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false}";
  if (XGBoosterPredictFromDMatrix(p.booster->handle(), p.dmatrix->handle(), cfg, &shape, &dim,
                                  &result) != 0)
    throw std::runtime_error(XGBGetLastError());
  benchmark::DoNotOptimize(result);
}

void bench_grove(benchmark::State& state, prepared* p, std::size_t threads) {
  for (auto _ : state) run_grove(*p, threads);
  state.counters["ns_per_row"] = benchmark::Counter(
      static_cast<double>(p->rows) * 1e-9, benchmark::Counter::kIsIterationInvariantRate |
                                               benchmark::Counter::kInvert);
}

void bench_xgboost(benchmark::State& state, prepared* p, int threads) {
  p->booster->set_param("nthread", threads);
  for (auto _ : state) run_xgboost(*p);
  state.counters["ns_per_row"] = benchmark::Counter(
      static_cast<double>(p->rows) * 1e-9, benchmark::Counter::kIsIterationInvariantRate |
                                               benchmark::Counter::kInvert);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  grove_bench::start_benchmarks(
      argc, argv, flags, [](const std::string&) { return false; },
      "XGBoosterPredictFromDMatrix type 2 (pred_contribs), DMatrix built beforehand, nthread "
      "set on the booster");

  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  for (const model_def& def : make_model_defs()) {
    prepared& p = prepare(def);
    const std::string base = def.name + "/";
    const std::string rows = "/rows:" + std::to_string(p.rows);
    benchmark::RegisterBenchmark((base + "xgboost" + rows + "/thr:1").c_str(), bench_xgboost, &p, 1)
        ->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((base + "grove" + rows + "/thr:1").c_str(), bench_grove, &p,
                                 std::size_t{1})
        ->UseRealTime()->Unit(benchmark::kMillisecond);
    if (cores > 1) {
      benchmark::RegisterBenchmark((base + "xgboost" + rows + "/thr:" + std::to_string(cores)).c_str(),
                                   bench_xgboost, &p, static_cast<int>(cores))
          ->UseRealTime()->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark((base + "grove" + rows + "/thr:" + std::to_string(cores)).c_str(),
                                   bench_grove, &p, cores)
          ->UseRealTime()->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();

  // Summary: one thread each, alternating grove and XGBoost, median of the repetitions.
  std::printf("\nSHAP contributions, %zu rows, one thread, median of %d (ns per row):\n",
              flags.rows, flags.summary_reps);
  std::printf("| model | XGBoost 1.7.4 pred_contribs | grove contribs | grove speedup |\n");
  std::printf("|---|---|---|---|\n");
  for (auto& pp : registry()) {
    prepared& p = *pp;
    p.booster->set_param("nthread", 1);
    std::vector<double> tx, tg;
    for (int r = 0; r < flags.summary_reps; ++r) {
      double t0 = now_s();
      run_xgboost(p);
      tx.push_back((now_s() - t0) * 1e9 / static_cast<double>(p.rows));
      t0 = now_s();
      run_grove(p, 1);
      tg.push_back((now_s() - t0) * 1e9 / static_cast<double>(p.rows));
    }
    const double x = median(tx), g = median(tg);
    std::printf("| %s | %.0f | %.0f | %.1fx |\n", p.name.c_str(), x, g, x / g);
  }
  benchmark::Shutdown();
  // Free the boosters before exit: XGBoost's own statics are gone by then (see grove_bench.cpp).
  registry().clear();
  return 0;
}
