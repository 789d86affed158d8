// grove-bench-sparse: sparse rows (grove::csr_rows) against XGBoost 1.7.4's in-place CSR
// prediction (XGBoosterPredictFromCSR), in one run on the same rows, one thread.
//
// Models:
//  (a) the benchmark models of bench/bench_models.hpp (trained once for every benchmark
//      program), their held-out rows given as CSR (missing values left out) and, for grove, also
//      as the same rows dense (grove::rows);
//  (b) "wide": a binary:logistic model trained here on hashed sparse rows: 200,000 columns,
//      50 entries per row, columns drawn with a skewed frequency (a few common, most rare).
//
// Names: <model>/<variant>/rows:<n>/thr:1, variants:
//   xgboost_csr   XGBoosterPredictFromCSR, margins, booster nthread 1
//   grove_csr     grove::predictor::predict on grove::csr_rows, margins, one thread
//   grove_dense   the same rows dense (not for the wide model: its dense rows would be 8 GB)
// Counter ns_per_row = real time / rows.
//
// At start-up grove's CSR margins are compared with XGBoost's on every benchmark row (bit for
// bit). After the Google Benchmark runs, a summary times the variants alternately in thread CPU
// time (see thread_cpu_s), median of --grove_summary_reps, and prints grove CSR against grove
// dense and against XGBoost.
//
// Own flags (before Google Benchmark's): --grove_rows=N (rows per batch, default 10000),
// --grove_models=a,b,... (benchmark models of (a) to use, default all; "wide" is always run),
// --grove_summary_reps=N (default 7).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <grove/grove.hpp>

#include "bench_models.hpp"

namespace {

using grove_bench::bench_seed;
using grove_bench::model_def;
using grove_bench::now_s;

grove_bench::summary_flags flags{10000, 7};
std::string model_filter;

constexpr std::size_t wide_cols = 200000;
constexpr std::size_t wide_entries = 50;
constexpr std::size_t wide_train_rows = 20000;
constexpr int wide_rounds = 200;

/// Rows in CSR form (and dense, when the model is narrow enough).
struct csr_batch {
  std::vector<std::uint64_t> ptr{0};
  std::vector<std::uint32_t> index;
  std::vector<float> value;
  std::vector<float> dense;  // empty for the wide model
  std::size_t rows = 0, cols = 0;

  grove::csr_rows view(std::size_t r0, std::size_t n) const {
    return grove::csr_rows(ptr.data() + r0, index.data(), value.data(), n, cols, value.size());
  }
};

/// Dense rows as CSR, NaN left out.
csr_batch from_dense(const std::vector<float>& X, std::size_t rows, std::size_t cols) {
  csr_batch b;
  b.rows = rows;
  b.cols = cols;
  b.dense = X;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < cols; ++j)
      if (!std::isnan(X[r * cols + j])) {
        b.index.push_back(static_cast<std::uint32_t>(j));
        b.value.push_back(X[r * cols + j]);
      }
    b.ptr.push_back(b.index.size());
  }
  return b;
}

/// Hashed sparse rows: wide_entries distinct columns per row, column c drawn with probability
/// falling off as a power of its rank, values small counts; labels from a hidden linear score.
struct wide_data {
  csr_batch x;
  std::vector<float> y;
};

wide_data make_wide(std::uint64_t seed, std::size_t rows) {
  grove_test::rng weights_rng(97), rng(seed);
  std::vector<float> weight(wide_cols);
  for (float& w : weight) w = static_cast<float>(weights_rng.normal());
  wide_data d;
  d.x.rows = rows;
  d.x.cols = wide_cols;
  std::vector<std::uint32_t> cols;
  for (std::size_t r = 0; r < rows; ++r) {
    cols.clear();
    while (cols.size() < wide_entries) {
      const double u = static_cast<double>(rng.below(1u << 30)) / static_cast<double>(1u << 30);
      const auto c = static_cast<std::uint32_t>(static_cast<double>(wide_cols) * u * u * u);
      if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
    }
    std::sort(cols.begin(), cols.end());
    double score = 0;
    for (std::uint32_t c : cols) {
      const float v = 1.0f + static_cast<float>(rng.below(8)) * 0.25f;
      d.x.index.push_back(c);
      d.x.value.push_back(v);
      score += weight[c] * v / std::sqrt(static_cast<double>(wide_entries));
    }
    d.x.ptr.push_back(d.x.index.size());
    d.y.push_back(score + 0.5 * rng.normal() > 0 ? 1.0f : 0.0f);
  }
  return d;
}

std::vector<char> wide_model_json() {
  const std::string key = std::string(grove_bench::recipe_version) + "|wide|cols=" +
                          std::to_string(wide_cols) + "|entries=" + std::to_string(wide_entries) +
                          "|rows=" + std::to_string(wide_train_rows) +
                          "|rounds=" + std::to_string(wide_rounds) +
                          "|xgb=" + grove_test::xgboost_version();
  return grove_bench::cached_model("wide", key, [] {
    std::fprintf(stderr, "[sparse-bench] wide: training %d rounds on %zu rows x %zu columns\n",
                 wide_rounds, wide_train_rows, wide_cols);
    const wide_data d = make_wide(grove_bench::train_seed, wide_train_rows);
    grove_test::dmatrix train(d.x.ptr, d.x.index, d.x.value, wide_cols);
    train.set_float_info("label", d.y);
    grove_test::booster b(std::vector<const grove_test::dmatrix*>{&train});
    for (const auto& [p, v] : std::vector<std::pair<std::string, std::string>>{
             {"objective", "binary:logistic"},
             {"tree_method", "hist"},
             {"max_bin", "64"},
             {"max_depth", "6"},
             {"eta", "0.1"},
             {"nthread", "2"},
             {"seed", "7"}})
      b.set_param(p, v);
    b.train(train, wide_rounds);
    return b.save_json();
  });
}

struct prepared {
  std::string name;
  std::unique_ptr<grove::predictor> predictor;
  std::unique_ptr<grove_test::booster> booster;
  csr_batch x;
  std::vector<float> out;
};

std::vector<std::unique_ptr<prepared>>& registry() {
  static std::vector<std::unique_ptr<prepared>> r;
  return r;
}

prepared& prepare(const std::string& name, const std::vector<char>& json, csr_batch x) {
  auto p = std::make_unique<prepared>();
  p->name = name;
  p->predictor = std::make_unique<grove::predictor>(grove::load_from_memory(json.data(), json.size()));
  p->booster = std::make_unique<grove_test::booster>(grove_test::booster::load(json));
  p->x = std::move(x);
  grove::predict_options o;
  o.kind = grove::output::margin;
  p->out.resize(p->predictor->output_size(p->x.rows, o));
  // Exactness on the benchmark rows.
  const std::vector<float> got = p->predictor->predict(p->x.view(0, p->x.rows), o);
  const std::vector<float> expected =
      p->booster
          ->predict_csr(p->x.ptr, p->x.index, p->x.value, p->x.cols,
                        std::numeric_limits<float>::quiet_NaN(), grove_test::pred_type::margin)
          .values;
  std::size_t differ = got.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < got.size() && i < expected.size(); ++i)
    differ += std::memcmp(&got[i], &expected[i], sizeof(float)) != 0;
  std::fprintf(stderr, "[sparse-bench] %s: %zu rows, %.1f entries per row, %zu margins differ "
               "from XGBoosterPredictFromCSR%s\n",
               name.c_str(), p->x.rows,
               static_cast<double>(p->x.value.size()) / static_cast<double>(p->x.rows), differ,
               differ == 0 ? "" : "  ** NOT EXACT **");
  p->booster->set_param("nthread", 1);
  registry().push_back(std::move(p));
  return *registry().back();
}

void run_grove_csr(prepared& p, std::size_t rows) {
  grove::predict_options o;
  o.kind = grove::output::margin;
  o.threads = 1;
  p.predictor->predict(p.x.view(0, rows), p.out.data(), p.out.size(), o);
  benchmark::DoNotOptimize(p.out.data());
}

void run_grove_dense(prepared& p, std::size_t rows) {
  grove::predict_options o;
  o.kind = grove::output::margin;
  o.threads = 1;
  p.predictor->predict(grove::rows(p.x.dense.data(), rows, p.x.cols), p.out.data(), p.out.size(),
                       o);
  benchmark::DoNotOptimize(p.out.data());
}

void run_xgboost_csr(prepared& p, std::size_t rows) {
  // The first rows + 1 offsets and the entries they reach, without a copy.
  const std::string indptr = grove_test::detail::array_interface(p.x.ptr.data(), rows + 1, 0);
  const std::string index = grove_test::detail::array_interface(p.x.index.data(), p.x.ptr[rows], 0);
  const std::string value = grove_test::detail::array_interface(p.x.value.data(), p.x.ptr[rows], 0);
  const char* cfg =
      "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  if (XGBoosterPredictFromCSR(p.booster->handle(), indptr.c_str(), index.c_str(), value.c_str(),
                              p.x.cols, cfg, nullptr, &shape, &dim, &result) != 0)
    throw std::runtime_error(XGBGetLastError());
  benchmark::DoNotOptimize(result);
}

using run_fn = void (*)(prepared&, std::size_t);

void bench(benchmark::State& state, prepared* p, run_fn fn, std::size_t rows) {
  for (auto _ : state) fn(*p, rows);
  state.counters["ns_per_row"] = benchmark::Counter(
      static_cast<double>(rows) * 1e-9,
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// CPU time of the calling thread, in seconds. Every variant runs on the calling thread alone
/// (XGBoost's nthread 1 runs its OpenMP regions there), so on a machine shared with other work
/// this counts what each call computes, not the time slices other processes took.
double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// Thread CPU ns per row of fn over `rows` rows, in calls adding up to about 50 ms.
double time_ns_per_row(prepared& p, run_fn fn, std::size_t rows) {
  double t0 = thread_cpu_s();
  fn(p, rows);
  const double once = thread_cpu_s() - t0;
  const auto calls = static_cast<std::size_t>(std::clamp(0.05 / std::max(once, 1e-9), 1.0, 1e4));
  t0 = thread_cpu_s();
  for (std::size_t i = 0; i < calls; ++i) fn(p, rows);
  return (thread_cpu_s() - t0) * 1e9 / static_cast<double>(rows * calls);
}

bool wanted(const std::string& name) {
  if (model_filter.empty()) return true;
  const std::string list = "," + model_filter + ",";
  return list.find("," + name + ",") != std::string::npos;
}

}  // namespace

int main(int argc, char** argv) {
  grove_bench::start_benchmarks(
      argc, argv, flags,
      [](const std::string& a) {
        if (a.rfind("--grove_models=", 0) != 0) return false;
        model_filter = a.substr(15);
        return true;
      },
      "XGBoosterPredictFromCSR (in-place), margins, booster nthread 1");

  for (const model_def& def : grove_bench::make_model_defs()) {
    if (!wanted(def.name)) continue;
    const grove_bench::structure st(def.spec);
    const std::vector<char> json = grove_bench::model_json(def, st);
    const grove_bench::data d = st.generate(bench_seed, flags.rows);
    prepare(def.name, json, from_dense(d.X, d.rows, d.cols));
  }
  prepare("wide", wide_model_json(), make_wide(bench_seed, flags.rows).x);

  for (auto& pp : registry()) {
    prepared* p = pp.get();
    for (const std::size_t rows : {std::size_t{1}, p->x.rows}) {
      const std::string tail = "/rows:" + std::to_string(rows) + "/thr:1";
      const auto unit = rows == 1 ? benchmark::kMicrosecond : benchmark::kMillisecond;
      benchmark::RegisterBenchmark((p->name + "/xgboost_csr" + tail).c_str(), bench, p,
                                   run_xgboost_csr, rows)
          ->UseRealTime()
          ->Unit(unit);
      benchmark::RegisterBenchmark((p->name + "/grove_csr" + tail).c_str(), bench, p,
                                   run_grove_csr, rows)
          ->UseRealTime()
          ->Unit(unit);
      if (!p->x.dense.empty())
        benchmark::RegisterBenchmark((p->name + "/grove_dense" + tail).c_str(), bench, p,
                                     run_grove_dense, rows)
            ->UseRealTime()
            ->Unit(unit);
    }
  }
  benchmark::RunSpecifiedBenchmarks();

  for (const std::size_t rows : {flags.rows, std::size_t{1}}) {
    std::printf("\nMargins, %zu row%s per call, one thread, median of %d alternating rounds "
                "(thread CPU ns per row):\n",
                rows, rows == 1 ? "" : "s", flags.summary_reps);
    std::printf("| model | entries per row | XGBoost CSR | grove CSR | grove dense | "
                "CSR / dense | XGBoost / grove CSR |\n|---|---|---|---|---|---|---|\n");
    for (auto& pp : registry()) {
      prepared& p = *pp;
      const std::size_t n = std::min(rows, p.x.rows);
      std::vector<double> tx, tc, td;
      for (int r = 0; r < flags.summary_reps; ++r) {
        tx.push_back(time_ns_per_row(p, run_xgboost_csr, n));
        tc.push_back(time_ns_per_row(p, run_grove_csr, n));
        if (!p.x.dense.empty()) td.push_back(time_ns_per_row(p, run_grove_dense, n));
      }
      const double x = median(tx), c = median(tc);
      const double per_row = static_cast<double>(p.x.value.size()) / static_cast<double>(p.x.rows);
      if (td.empty()) {
        std::printf("| %s | %.1f | %.0f | %.0f | - | - | %.1fx |\n", p.name.c_str(), per_row, x,
                    c, x / c);
      } else {
        const double dn = median(td);
        std::printf("| %s | %.1f | %.0f | %.0f | %.0f | %.2f | %.1fx |\n", p.name.c_str(), per_row,
                    x, c, dn, c / dn, x / c);
      }
    }
  }
  benchmark::Shutdown();
  // Free the boosters before exit: XGBoost's own statics are gone by then (see grove_bench.cpp).
  registry().clear();
  return 0;
}
