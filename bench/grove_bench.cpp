// grove-bench: prediction speed of grove against XGBoost 1.7.4's C API, measured in one run on
// the same rows.
//
// Models that stand for real use are trained at start-up through the XGBoost C API on data from
// bench_data.hpp and cached as JSON under <build>/bench/models (keyed by a hash of their whole
// configuration, so reruns do not retrain). Benchmark rows are a 100,000-row pool drawn from the
// training distribution with a held-out seed.
//
// Names: <model>/<variant>/rows:<batch>/thr:<threads>, variants:
//   xgboost            XGBoosterPredictFromDense (in-place, no DMatrix), margin, booster nthread
//   predictor          grove::predictor, output::margin, options.threads
//   reference          ir::reference_margin in a loop, one thread
//   engine.<target>.d<D>    grove's engine (when <grove/engine.hpp> exists), the group walk alone
//                           at depth D, every target the CPU has
//   engine.<target>.<plan>  the same with one plan forced by name (see plans/plan_list.hpp), on
//                           the batches it serves
// Counters: ns_per_row_tree = real time / (rows x trees), rows_per_s, trees, batch, threads.
// machine/simd_fma/thr:<threads> is a control: fixed SIMD arithmetic (no memory traffic) split
// over the same thread pool, so every run shows how much a second core gives on this machine.
// <model>/paired_threads/rows:100000 (2 cores or more, last): one thread against all cores,
// alternated call by call with the control in between (bm_paired_threads).
// Small batches cycle their start through the pool, so caches see a realistic stream of rows.
//
// Own flags (before Google Benchmark's): --grove_models=a,b (prepare/register only these models),
// --grove_check_rows=N (rows compared bit for bit against XGBoost at start-up, default 2000).

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
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grove/grove.hpp>
#include <grove/ir/reference.hpp>
#include <xsimd/xsimd.hpp>

#if __has_include(<grove/engine.hpp>)
#include <grove/engine.hpp>
#define GROVE_BENCH_HAS_ENGINE 1
#else
#define GROVE_BENCH_HAS_ENGINE 0
#endif

#include "bench_models.hpp"

namespace {

using grove_bench::bench_seed;
using grove_bench::make_model_defs;
using grove_bench::model_def;
using grove_bench::model_json;
using grove_bench::now_s;

constexpr std::size_t pool_rows = 100000;
const std::vector<std::int64_t> batch_sizes = {1, 16, 256, 100000};

#if GROVE_BENCH_HAS_ENGINE
// ---- The engine facade, in one place: adapt here when its API changes. ----------------------
struct engine_variant {
  std::string name;  // e.g. "engine.avx512.d4"
  grove::engine_options options;
  std::int64_t min_rows = 0;  // the smallest batch it is timed on
  std::int64_t max_rows = 0;  // the largest batch it is timed on; 0: every batch
};

/// Every target compiled in and supported by this CPU: the group walk alone at depths 3 and 4,
/// and each other plan that the target has a kernel for, forced by name, on the batches it
/// serves.
std::vector<engine_variant> engine_variants() {
  using grove::detail::engine;
  std::vector<engine_variant> out;
  for (grove::isa_kind isa : grove::target_ladder) {
    if (!grove::isa_compiled(isa) || !grove::cpu_supports(isa)) continue;
    const std::string target = std::string("engine.") + grove::to_string(isa) + ".";
    for (int depth : {3, 4}) {
      engine_variant v;
      v.name = target + "d" + std::to_string(depth);
      v.options.isa = isa;
      v.options.group_depth = depth;
      v.options.allow = {grove::plans::group_walk::plan_name};
      out.push_back(v);
    }
    for (const grove::plans::plan_entry& entry : grove::plans::plan_list) {
      const std::string plan = entry.name;
      if (plan == grove::plans::group_walk::plan_name || !engine::plan_runs_on(plan, isa)) continue;
      engine_variant v;
      v.name = target + plan;
      v.options.isa = isa;
      v.options.allow = {plan};
      if (plan == grove::plans::few_row_walk::plan_name) v.options.group_depth = 4;
      const grove::plans::call_set calls = entry.calls_for(v.options.tuning);
      v.min_rows = static_cast<std::int64_t>(calls.min_rows);
      if (calls.max_rows < static_cast<std::size_t>(batch_sizes.back()))
        v.max_rows = static_cast<std::int64_t>(calls.max_rows);
      out.push_back(v);
    }
  }
  return out;
}

using engine_t = grove::detail::engine;

std::unique_ptr<engine_t> make_engine(const grove::model& m, const grove::engine_options& o) {
  return std::make_unique<engine_t>(m.forest(), o);
}

/// Margins of rows [x, x + n) into out (n x num_output). The engine is single-threaded; `threads`
/// > 1 splits the rows as grove::predictor does (grove::detail::parallel_for, chunks >= 256 rows).
void engine_margin(const engine_t& e, const float* x, std::size_t n, std::size_t cols,
                   std::size_t threads, float* out, std::size_t /*out_size*/) {
  const grove::ir::tree_range all{0, e.num_trees()};
  const std::size_t k = e.num_output();
  grove::detail::parallel_for(n, threads, 256, [&](std::size_t b, std::size_t end) {
    e.margins(grove::rows(x + b * cols, end - b, cols), grove::missing_value, all, out + b * k);
  });
}

std::string engine_info(const engine_t& e) {
  std::string s = std::string("target ") + grove::to_string(e.isa()) +
                  ", D=" + std::to_string(e.group_depth()) + ", sharing rate " +
                  std::to_string(e.sharing_rate()) + ", " + std::to_string(e.grouped().num_groups) +
                  " groups, max steps " + std::to_string(e.grouped().max_steps) + ", plans:";
  for (const grove::plan_description& p : e.describe().plans)
    s += " " + p.name + " [" + std::to_string(p.min_rows) + ", " +
         (p.max_rows == std::numeric_limits<std::size_t>::max() ? std::string("inf")
                                                                : std::to_string(p.max_rows)) +
         "]";
  return s;
}

/// What the engine chooses by itself (target and group depth automatic), for the log.
std::string engine_auto_info(const grove::model& m) {
  const engine_t e(m.forest());
  return engine_info(e);
}
#endif

struct prepared {
  const model_def* def = nullptr;
  std::vector<float> pool;  // pool_rows x cols, from the training distribution (held out)
  std::size_t cols = 0, trees = 0, outputs = 1;
  std::optional<grove_test::booster> xgb;
  std::optional<grove::model> model;
  std::optional<grove::predictor> pred;
#if GROVE_BENCH_HAS_ENGINE
  std::map<std::string, std::unique_ptr<engine_t>> engines;
  std::map<std::string, bool> engine_exact;
#endif
  bool predictor_exact = false;
};

std::size_t g_check_rows = 2000;

/// Tree shape statistics for the log: leaves per tree, depth.
std::string forest_stats(const grove::ir::forest& f) {
  double leaves = 0, depth_sum = 0;
  int max_depth = 0;
  std::size_t cat_nodes = 0;
  for (const auto& t : f.trees) {
    std::vector<std::pair<std::int32_t, int>> stack{{0, 0}};
    int tree_depth = 0;
    while (!stack.empty()) {
      auto [n, dd] = stack.back();
      stack.pop_back();
      if (t.is_leaf(static_cast<std::size_t>(n))) {
        leaves += 1;
        tree_depth = std::max(tree_depth, dd);
        continue;
      }
      if (t.is_categorical(static_cast<std::size_t>(n))) ++cat_nodes;
      stack.push_back({t.left[static_cast<std::size_t>(n)], dd + 1});
      stack.push_back({t.right[static_cast<std::size_t>(n)], dd + 1});
    }
    depth_sum += tree_depth;
    max_depth = std::max(max_depth, tree_depth);
  }
  const double n = static_cast<double>(std::max<std::size_t>(1, f.trees.size()));
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%zu trees, %.1f leaves/tree, depth %.2f avg / %d max, %zu categorical splits",
                f.trees.size(), leaves / n, depth_sum / n, max_depth, cat_nodes);
  return buf;
}

bool same_bits(const float* a, const float* b, std::size_t n, std::size_t* first_diff) {
  for (std::size_t i = 0; i < n; ++i) {
    if (std::memcmp(a + i, b + i, sizeof(float)) != 0) {
      if (first_diff) *first_diff = i;
      return false;
    }
  }
  return true;
}

std::map<std::string, std::unique_ptr<prepared>>& registry() {
  static std::map<std::string, std::unique_ptr<prepared>> r;
  return r;
}

prepared& get(const model_def& def) {
  auto& slot = registry()[def.name];
  if (slot) return *slot;
  auto p = std::make_unique<prepared>();
  p->def = &def;
  const grove_bench::structure st(def.spec);
  const std::vector<char> json = model_json(def, st);
  p->xgb.emplace(grove_test::booster::load(json));
  p->model.emplace(grove::load_from_memory(json.data(), json.size(), {}, def.name));
  p->pred.emplace(*p->model);
  p->cols = def.spec.cols;
  p->trees = p->model->num_trees();
  p->outputs = p->model->num_output();
  p->pool = st.generate(bench_seed, pool_rows).X;
  std::fprintf(stderr, "[grove-bench] %s: %s\n", def.name.c_str(),
               forest_stats(p->model->forest()).c_str());

  // Exactness check on the first rows of the pool: grove must agree with XGBoost bit for bit.
  const std::size_t n = std::min(g_check_rows, pool_rows);
  const auto ref = p->xgb->predict_dense(p->pool.data(), n, p->cols,
                                         std::numeric_limits<float>::quiet_NaN(),
                                         grove_test::pred_type::margin, 0, 0, 2);
  grove::predict_options po;
  po.kind = grove::output::margin;
  const std::vector<float> mine = p->pred->predict(grove::rows(p->pool.data(), n, p->cols), po);
  std::size_t at = 0;
  p->predictor_exact = mine.size() == ref.values.size() &&
                       same_bits(mine.data(), ref.values.data(), mine.size(), &at);
  std::fprintf(stderr, "[grove-bench] %s: predictor margins vs XGBoost on %zu rows: %s\n",
               def.name.c_str(), n, p->predictor_exact ? "identical" : "DIFFERENT");
  std::string description = def.title + "; trained: " + forest_stats(p->model->forest()) +
                            "; predictor margins vs XGBoost on " + std::to_string(n) +
                            " rows: " + (p->predictor_exact ? "identical" : "DIFFERENT");
#if GROVE_BENCH_HAS_ENGINE
  std::fprintf(stderr, "[grove-bench] %s: engine auto choice: %s\n", def.name.c_str(),
               engine_auto_info(*p->model).c_str());
  for (const engine_variant& v : engine_variants()) {
    try {
      auto e = make_engine(*p->model, v.options);
      const std::string& forced = v.options.allow.front();
      if (!e->has_plan(forced)) {
        std::fprintf(stderr, "[grove-bench] %s: %s: the model does not take %s\n", def.name.c_str(),
                     v.name.c_str(), forced.c_str());
        continue;
      }
      // In calls of the sizes the plan serves.
      std::vector<float> out(n * p->outputs);
      const std::size_t step = v.max_rows > 0 ? static_cast<std::size_t>(v.max_rows) : n;
      for (std::size_t r0 = 0; r0 < n; r0 += step)
        engine_margin(*e, p->pool.data() + r0 * p->cols, std::min(step, n - r0), p->cols, 1,
                      out.data() + r0 * p->outputs, out.size() - r0 * p->outputs);
      const bool ok = out.size() == ref.values.size() &&
                      same_bits(out.data(), ref.values.data(), out.size(), &at);
      p->engine_exact[v.name] = ok;
      std::fprintf(stderr, "[grove-bench] %s: %s (%s) vs XGBoost: %s\n", def.name.c_str(),
                   v.name.c_str(), engine_info(*e).c_str(), ok ? "identical" : "DIFFERENT");
      p->engines[v.name] = std::move(e);
    } catch (const std::exception& ex) {
      std::fprintf(stderr, "[grove-bench] %s: %s unavailable: %s\n", def.name.c_str(),
                   v.name.c_str(), ex.what());
    }
  }
  description += "; engine auto choice: " + engine_auto_info(*p->model);
  {
    std::string inexact;
    for (const auto& [name, ok] : p->engine_exact)
      if (!ok) inexact += " " + name;
    description += inexact.empty() ? "; all engine variants identical to XGBoost"
                                   : "; NOT identical to XGBoost:" + inexact;
  }
#endif
  benchmark::AddCustomContext("model:" + def.name, description);
  slot = std::move(p);
  return *slot;
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

void set_counters(benchmark::State& state, std::size_t rows, std::size_t trees,
                  std::size_t threads) {
  using benchmark::Counter;
  const double work = static_cast<double>(rows) * static_cast<double>(trees);
  state.counters["ns_per_row_tree"] =
      Counter(work * 1e-9, Counter::kIsIterationInvariantRate | Counter::kInvert);
  state.counters["rows_per_s"] = Counter(static_cast<double>(rows), Counter::kIsIterationInvariantRate);
  state.counters["trees"] = static_cast<double>(trees);
  state.counters["batch"] = static_cast<double>(rows);
  state.counters["threads"] = static_cast<double>(threads);
}

/// Start of the next batch: batches walk through the pool and wrap around.
inline std::size_t next_offset(std::size_t offset, std::size_t rows) {
  offset += rows;
  return offset + rows > pool_rows ? 0 : offset;
}

void bm_xgboost(benchmark::State& state, const model_def* def) {
  prepared& p = get(*def);
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto threads = static_cast<std::size_t>(state.range(1));
  const BoosterHandle h = p.xgb->handle();
  grove_test::detail::check(XGBoosterSetParam(h, "nthread", std::to_string(threads).c_str()),
                            "XGBoosterSetParam(nthread)");
  // Margin output, in-place (no DMatrix is built or cached; XGBoost makes a throw-away proxy).
  const std::string cfg =
      "{\"type\": 1, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
      "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}";
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  auto predict = [&](std::size_t offset) {
    const std::string ai =
        grove_test::detail::array_interface(p.pool.data() + offset * p.cols, rows, p.cols);
    if (XGBoosterPredictFromDense(h, ai.c_str(), cfg.c_str(), nullptr, &shape, &dim, &result) != 0)
      throw std::runtime_error(XGBGetLastError());
  };
  predict(0);  // warm-up: configuration after set_param, buffers
  std::size_t offset = 0;
  for (auto _ : state) {
    predict(offset);
    benchmark::DoNotOptimize(result);
    benchmark::ClobberMemory();
    offset = next_offset(offset, rows);
  }
  set_counters(state, rows, p.trees, threads);
  state.SetLabel("in-place PredictFromDense, no DMatrix cache, nthread=" + std::to_string(threads));
}

void bm_predictor(benchmark::State& state, const model_def* def) {
  prepared& p = get(*def);
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto threads = static_cast<std::size_t>(state.range(1));
  grove::predict_options po;
  po.kind = grove::output::margin;
  po.threads = threads;
  std::vector<float> out(p.pred->output_size(rows, po));
  p.pred->predict(grove::rows(p.pool.data(), rows, p.cols), out.data(), out.size(), po);
  std::size_t offset = 0;
  for (auto _ : state) {
    p.pred->predict(grove::rows(p.pool.data() + offset * p.cols, rows, p.cols), out.data(),
                    out.size(), po);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    offset = next_offset(offset, rows);
  }
  set_counters(state, rows, p.trees, threads);
  if (!p.predictor_exact) state.SetLabel("NOT bit-exact vs XGBoost");
}

void bm_reference(benchmark::State& state, const model_def* def) {
  prepared& p = get(*def);
  const auto rows = static_cast<std::size_t>(state.range(0));
  const grove::ir::forest& f = p.model->forest();
  const grove::ir::tree_range all{0, f.num_trees()};
  const float missing = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> out(rows * p.outputs);
  std::size_t offset = 0;
  for (auto _ : state) {
    const float* x = p.pool.data() + offset * p.cols;
    for (std::size_t r = 0; r < rows; ++r)
      grove::ir::reference_margin(f, x + r * p.cols, missing, all, out.data() + r * p.outputs);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    offset = next_offset(offset, rows);
  }
  set_counters(state, rows, p.trees, 1);
}

#if GROVE_BENCH_HAS_ENGINE
void bm_engine(benchmark::State& state, const model_def* def, const std::string& variant) {
  prepared& p = get(*def);
  auto it = p.engines.find(variant);
  if (it == p.engines.end()) {
    state.SkipWithError("engine variant unavailable for this model");
    for (auto _ : state) {
    }
    return;
  }
  const engine_t& e = *it->second;
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto threads = static_cast<std::size_t>(state.range(1));
  std::vector<float> out(rows * p.outputs);
  engine_margin(e, p.pool.data(), rows, p.cols, threads, out.data(), out.size());
  std::size_t offset = 0;
  for (auto _ : state) {
    engine_margin(e, p.pool.data() + offset * p.cols, rows, p.cols, threads, out.data(),
                  out.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    offset = next_offset(offset, rows);
  }
  set_counters(state, rows, p.trees, threads);
  if (!p.engine_exact[variant]) state.SetLabel("NOT bit-exact vs XGBoost");
}
#endif

/// Register-only SIMD multiply-adds: 64 equal units of `steps` steps on 12 independent chains
/// (enough to keep the FMA units busy), split over `threads` threads by the same parallel_for
/// the predictor uses. No memory traffic: how fast it runs depends on the cores alone.
void simd_control(std::size_t threads, std::size_t steps, float* sums) {
  using batch = xsimd::batch<float>;
  constexpr std::size_t units = 64, chains = 12;
  auto unit = [&](std::size_t b, std::size_t e) {
    for (std::size_t u = b; u < e; ++u) {
      batch acc[chains];
      for (std::size_t c = 0; c < chains; ++c) acc[c] = batch(1.0f + static_cast<float>(c + u));
      const batch scale(0.9999999f), shift(1e-7f);
      for (std::size_t i = 0; i < steps; ++i)
        for (std::size_t c = 0; c < chains; ++c) acc[c] = xsimd::fma(acc[c], scale, shift);
      batch total = acc[0];
      for (std::size_t c = 1; c < chains; ++c) total += acc[c];
      sums[u] = xsimd::hadd(total);
    }
  };
  grove::detail::parallel_for(units, threads, 1, unit);
}

/// Control for thread scaling: simd_control with one thread or all cores. Its one-thread /
/// all-core ratio is what the machine itself gives to throughput-bound vector code in this run.
void bm_machine_simd(benchmark::State& state) {
  const auto threads = static_cast<std::size_t>(state.range(0));
  std::vector<float> sums(64);
  for (auto _ : state) {
    simd_control(threads, 300000, sums.data());
    benchmark::DoNotOptimize(sums.data());
    benchmark::ClobberMemory();
  }
  state.counters["threads"] = static_cast<double>(threads);
}

/// Quantile q (0..1) of v, by the nearest rank.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

/// Thread scaling measured in pairs: each round times one 100k-row predictor call with one
/// thread, then one with all cores, then the SIMD control the same two ways, and keeps both
/// ratios. On a VM whose cores come and go (the host runs other work on them), one-thread and
/// all-core runs measured minutes apart compare different machines; a round's two calls are
/// a fraction of a second apart, and the control shows what the machine gave in that round.
/// Counters: the median ratio over the rounds and its quartiles, the control's, the median of
/// the two ratios' quotient per round (of_control: 1 when the predictor gains from the second
/// core what register-only code gained in the same round), the rounds.
void bm_paired_threads(benchmark::State& state, const model_def* def) {
  prepared& p = get(*def);
  constexpr std::size_t rows = 100000;
  const std::size_t cores = grove::detail::hardware_threads();
  grove::predict_options one, all;
  one.kind = all.kind = grove::output::margin;
  one.threads = 1;
  all.threads = cores;
  std::vector<float> out(p.pred->output_size(rows, one));
  std::vector<float> sums(64);
  const grove::rows x(p.pool.data(), rows, p.cols);
  auto seconds = [](auto&& work) {
    const double t0 = now_s();
    work();
    return now_s() - t0;
  };
  auto predict = [&](const grove::predict_options& o) {
    p.pred->predict(x, out.data(), out.size(), o);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  };
  auto control = [&](std::size_t threads) {
    simd_control(threads, 100000, sums.data());
    benchmark::DoNotOptimize(sums.data());
  };
  predict(all);  // warm-up: the pool's threads exist, the model's pages are touched
  std::vector<double> ratio, control_ratio, of_control;
  for (auto _ : state) {
    double total = 0.0;
    std::size_t rounds = 15;  // at least; more for fast models (about 4 s in all), odd
    for (std::size_t r = 0; r < rounds; ++r) {
      const double t1 = seconds([&] { predict(one); }), tn = seconds([&] { predict(all); });
      const double c1 = seconds([&] { control(1); }), cn = seconds([&] { control(cores); });
      ratio.push_back(t1 / tn);
      control_ratio.push_back(c1 / cn);
      of_control.push_back(ratio.back() / control_ratio.back());
      total += t1 + tn + c1 + cn;
      if (r == 0) rounds = std::clamp<std::size_t>(static_cast<std::size_t>(4.0 / total), 15, 61) | 1;
    }
    state.SetIterationTime(total);
  }
  state.counters["speedup"] = quantile(ratio, 0.5);
  state.counters["speedup_q1"] = quantile(ratio, 0.25);
  state.counters["speedup_q3"] = quantile(ratio, 0.75);
  state.counters["control_speedup"] = quantile(control_ratio, 0.5);
  state.counters["control_q1"] = quantile(control_ratio, 0.25);
  state.counters["control_q3"] = quantile(control_ratio, 0.75);
  state.counters["of_control"] = quantile(of_control, 0.5);
  state.counters["rounds"] = static_cast<double>(ratio.size());
  state.counters["threads"] = static_cast<double>(cores);
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

struct bench_options {
  bool explicit_min_time = false;
  std::vector<std::string> only_models;
};

/// Registers `make()` twice: small batches (many fast iterations, 0.05 s each) and the
/// 100k-row batch (1 ms to seconds per iteration: a few iterations, 0.3 s). An explicit
/// --benchmark_min_time overrides both. Returns the full names, for the filter check in main().
enum class threading {
  single,        ///< one thread only
  all,           ///< 1 and all cores at every batch size
  all_from_256,  ///< all cores only for batches >= 256 rows (the variant keeps smaller ones on
                 ///< one thread by construction, so a second run would measure the same thing)
};

/// The one-thread runs of a variant (`all_cores` false) or its all-core runs (true).
template <class make_t>
std::vector<std::string> register_variant(const std::string& name, const make_t& make,
                                          threading threads, bool all_cores, const bench_options& o,
                                          bool one_repetition_big = false,
                                          std::int64_t max_rows = 0, std::int64_t min_rows = 0) {
  const auto cores = static_cast<std::int64_t>(grove::detail::hardware_threads());
  std::vector<std::string> full;
  for (bool big : {false, true}) {
    std::vector<std::int64_t> rows_run;
    for (std::int64_t rows : batch_sizes) {
      if ((rows >= 100000) != big || (max_rows > 0 && rows > max_rows) || rows < min_rows) continue;
      const bool has_all_cores = cores > 1 && (threads == threading::all ||
                                               (threads == threading::all_from_256 && rows >= 256));
      if (!all_cores || has_all_cores) rows_run.push_back(rows);
    }
    if (rows_run.empty()) continue;
    const std::int64_t t = all_cores ? cores : 1;
    std::string suffix = o.explicit_min_time ? "" : big ? "/min_time:0.300" : "/min_time:0.050";
    if (big && one_repetition_big) suffix += "/repeats:1";
    benchmark::internal::Benchmark* b = make(name);
    b->ArgNames({"rows", "thr"});
    for (std::int64_t rows : rows_run) {
      b->Args({rows, t});
      full.push_back(name + "/rows:" + std::to_string(rows) + "/thr:" + std::to_string(t) +
                     suffix + "/real_time");
    }
    b->UseRealTime();
    b->Unit(benchmark::kMicrosecond);
    if (!o.explicit_min_time) b->MinTime(big ? 0.3 : 0.05);
    // The reference predictor takes up to ~40 s per 100k-row batch (the 2000-tree model), and it
    // is a fixed baseline: one repetition is enough.
    if (big && one_repetition_big) b->Repetitions(1);
  }
  return full;
}

/// Every one-thread benchmark first, then every all-core one: on a 2-core VM a one-thread
/// measurement right after a 2-thread run of XGBoost came out slower (one row of the regression
/// model: 18.1 ns per tree alone, 20.8 right after, 18.2 right after with the process pinned to
/// one CPU).
std::vector<std::string> register_all(const std::vector<model_def>& defs, const bench_options& o) {
  std::vector<std::string> names;
  auto add = [&](const std::vector<std::string>& v) { names.insert(names.end(), v.begin(), v.end()); };
  const auto cores = static_cast<std::int64_t>(grove::detail::hardware_threads());
  for (bool all_cores : {false, true}) {
    if (!all_cores || cores > 1) {
      benchmark::internal::Benchmark* b =
          benchmark::RegisterBenchmark("machine/simd_fma", bm_machine_simd);
      b->ArgName("thr")->Arg(all_cores ? cores : 1)->UseRealTime()->Unit(benchmark::kMillisecond);
      if (!o.explicit_min_time) b->MinTime(0.3);
    }
    for (const model_def& d : defs) {
      if (!o.only_models.empty() &&
          std::find(o.only_models.begin(), o.only_models.end(), d.name) == o.only_models.end())
        continue;
      const model_def* dp = &d;
      auto simple = [dp](void (*fn)(benchmark::State&, const model_def*)) {
        return [dp, fn](const std::string& n) {
          return benchmark::RegisterBenchmark(n.c_str(), fn, dp);
        };
      };
      add(register_variant(d.name + "/xgboost", simple(bm_xgboost), threading::all, all_cores, o));
      add(register_variant(d.name + "/predictor", simple(bm_predictor), threading::all, all_cores,
                           o));
      add(register_variant(d.name + "/reference", simple(bm_reference), threading::single, all_cores,
                           o, true));
#if GROVE_BENCH_HAS_ENGINE
      for (const engine_variant& v : engine_variants()) {
        const std::string vn = v.name;
        add(register_variant(
            d.name + "/" + vn,
            [dp, vn](const std::string& n) {
              return benchmark::RegisterBenchmark(
                  n.c_str(), [dp, vn](benchmark::State& s) { bm_engine(s, dp, vn); });
            },
            threading::all_from_256, all_cores, o, false, v.max_rows, v.min_rows));
      }
#endif
    }
  }
  // Last, thread scaling in pairs (one iteration of many rounds; see bm_paired_threads).
  for (const model_def& d : defs) {
    if (cores < 2 || (!o.only_models.empty() && std::find(o.only_models.begin(),
                                                            o.only_models.end(),
                                                            d.name) == o.only_models.end()))
      continue;
    const std::string name = d.name + "/paired_threads/rows:100000";
    const model_def* dp = &d;
    benchmark::RegisterBenchmark(name.c_str(), [dp](benchmark::State& s) {
      bm_paired_threads(s, dp);
    })->Iterations(1)->Repetitions(1)->UseManualTime()->Unit(benchmark::kMillisecond);
    names.push_back(name + "/iterations:1/repeats:1/manual_time");
  }
  return names;
}

}  // namespace

int main(int argc, char** argv) {
  bench_options o;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--grove_models=", 0) == 0) {
      std::stringstream ss(a.substr(15));
      for (std::string m; std::getline(ss, m, ',');) o.only_models.push_back(m);
      continue;
    }
    if (a.rfind("--grove_check_rows=", 0) == 0) {
      g_check_rows = static_cast<std::size_t>(std::stoull(a.substr(19)));
      continue;
    }
    if (a.rfind("--benchmark_min_time", 0) == 0) o.explicit_min_time = true;
    args.push_back(argv[i]);
  }
  int n_args = static_cast<int>(args.size());
  benchmark::Initialize(&n_args, args.data());
  if (benchmark::ReportUnrecognizedArguments(n_args, args.data())) return 1;

  const std::vector<model_def> defs = make_model_defs();
  const std::vector<std::string> names = register_all(defs, o);

  benchmark::AddCustomContext("xgboost_version", grove_test::xgboost_version());
  benchmark::AddCustomContext("xgboost_path",
                              "XGBoosterPredictFromDense (in-place, no DMatrix cache), type 1 "
                              "(margin), nthread set on the booster");
  benchmark::AddCustomContext("grove_engine", GROVE_BENCH_HAS_ENGINE ? "present" : "absent");
  benchmark::AddCustomContext("pool_rows", std::to_string(pool_rows));
  const char* omp_wait = std::getenv("OMP_WAIT_POLICY");
  benchmark::AddCustomContext("OMP_WAIT_POLICY", omp_wait ? omp_wait : "(unset)");

  // Prepare (train or load, check exactness) the models that the filter selects, before any
  // timing, so progress is not interleaved with results. Others are prepared lazily, if ever.
  std::string filter = benchmark::GetBenchmarkFilter();
  if (filter.empty() || filter == "all") filter = ".";
  bool negative = !filter.empty() && filter[0] == '-';
  std::regex re;
  try {
    re = std::regex(negative ? filter.substr(1) : filter);
  } catch (const std::regex_error&) {
    re = std::regex(".");
    negative = false;
  }
  const double t0 = now_s();
  for (const model_def& d : defs) {
    bool wanted = false;
    for (const std::string& n : names)
      if (n.rfind(d.name + "/", 0) == 0 && std::regex_search(n, re) != negative) wanted = true;
    if (wanted) get(d);
  }
  std::fprintf(stderr, "[grove-bench] models ready in %.1f s (engine %s)\n", now_s() - t0,
               GROVE_BENCH_HAS_ENGINE ? "present" : "absent");

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Free the boosters now: at exit, XGBoost's own function-local statics (created after the
  // registry) are already destroyed and XGBoosterFree then double-frees.
  registry().clear();
  return 0;
}
