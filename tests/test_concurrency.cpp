// Concurrency and allocation tests of grove::predictor (tests/sanitize.sh runs this binary under
// ThreadSanitizer: its test names start with "concurrency:"; it uses no XGBoost at run time).
//
// 1. Many threads share one predictor and call predict() at once with different batch sizes,
//    thread counts and outputs; every result must equal, bit for bit, the single-threaded result
//    computed beforehand (itself checked against XGBoost's margins in the fixtures).
// 2. The non-allocating predict(rows, out, size, options) must not allocate: global operator
//    new / delete are replaced in this binary to count allocations.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <grove/grove.hpp>
#include <grove/ir/builder.hpp>
#include <grove/ir/reference.hpp>
#include <initializer_list>
#include <iostream>
#include <limits>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "support/fixture.hpp"

#include <sys/wait.h>
#include <unistd.h>

// ---------------------------------------------------------------------------------------------
// Counting allocator: every operator new in the process goes through here.
// ---------------------------------------------------------------------------------------------

namespace {
std::atomic<std::size_t> allocations{0};

void* counted_alloc(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t a) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const std::size_t align = std::max(static_cast<std::size_t>(a), sizeof(void*));
  void* p = nullptr;
  if (posix_memalign(&p, align, n == 0 ? 1 : n) != 0) return nullptr;
  return p;
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = counted_alloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return counted_alloc(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = counted_aligned_alloc(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = counted_aligned_alloc(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return counted_aligned_alloc(n, a);
}
// GCC cannot see that the operator new above returns malloc'ed memory.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

const std::vector<std::string> stress_fixtures = {
    "obj_multi_softprob",  // 3 outputs, softmax transform
    "lossguide_deep",      // deep trees, 30 features
    "categorical_partition",
    "categorical_high",  // category sets in pooled words (300 and 1,000 levels)
    "dart_binary",   // tree weights, sigmoid
    "multi_target",  // vector leaves
};

/// A fixture's X.csv repeated until it has at least `n` rows, with its margins repeated alike.
struct tiled_fixture {
  std::string name;
  grove_test::dense_rows_t x;         // n rows
  std::vector<float> xgboost_margin;  // XGBoost's margins for those rows (from margin.csv)
};

tiled_fixture tile(const std::string& name, std::size_t n) {
  const std::string dir = grove_test::fixtures_dir() + "/" + name;
  const auto x = grove_test::read_csv_file(dir + "/X.csv");
  const auto m = grove_test::read_csv_file(dir + "/margin.csv");
  tiled_fixture t{name, {}, {}};
  t.x.num_rows = n;
  t.x.num_cols = x.num_cols;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t r = i % x.num_rows;
    t.x.values.insert(t.x.values.end(), x.values.begin() + r * x.num_cols,
                      x.values.begin() + (r + 1) * x.num_cols);
    t.xgboost_margin.insert(t.xgboost_margin.end(), m.values.begin() + r * m.num_cols,
                            m.values.begin() + (r + 1) * m.num_cols);
  }
  return t;
}

grove::predict_options options(grove::output kind, std::size_t threads) {
  grove::predict_options o;
  o.kind = kind;
  o.threads = threads;
  return o;
}

constexpr grove::output kinds[] = {grove::output::margin, grove::output::value,
                                   grove::output::leaf};

const char* kind_name(grove::output kind) {
  return kind == grove::output::margin ? "margin" : kind == grove::output::value ? "value" : "leaf";
}

}  // namespace

TEST_CASE("concurrency: many threads share one predictor, results equal single-threaded ones",
          "[concurrency]") {
  constexpr std::size_t pool_rows = 5000 + 123;  // batches start at varying offsets
  constexpr std::size_t callers = 16;
  constexpr std::size_t calls_per_caller = 96;
  const std::size_t batch_sizes[] = {1, 7, 256, 5000};
  const std::size_t thread_counts[] = {1, 2, 0};

  struct subject {
    tiled_fixture data;
    grove::predictor p;
    std::vector<float> expected[3];  // per output kind, all pool rows, threads = 1
  };
  std::vector<subject> subjects;
  for (const std::string& name : stress_fixtures) {
    tiled_fixture data = tile(name, pool_rows);
    grove::predictor p(grove::load(grove_test::fixtures_dir() + "/" + name + "/model.json"));
    subject s{std::move(data), std::move(p), {}};
    const grove::rows all(s.data.x.values.data(), pool_rows, s.data.x.num_cols);
    for (int k = 0; k < 3; ++k) s.expected[k] = s.p.predict(all, options(kinds[k], 1));
    // The single-threaded reference is itself XGBoost's result (no DART here: margin.csv of a
    // DART fixture comes from XGBoost's DMatrix path, which grove follows too).
    INFO(name);
    REQUIRE(grove_test::count_bit_mismatches(s.expected[0], s.data.xgboost_margin) == 0);
    subjects.push_back(std::move(s));
  }

  std::atomic<std::size_t> calls{0}, rows_predicted{0}, mismatches{0}, errors{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t c = 0; c < callers; ++c) {
    threads.emplace_back([&, c] {
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      std::vector<float> buffer;
      for (std::size_t i = 0; i < calls_per_caller; ++i) {
        const std::size_t h = c * 7919 + i * 104729;  // deterministic mix of all choices
        const subject& s = subjects[h % subjects.size()];
        const int k = static_cast<int>((h / 5) % 3);
        const std::size_t batch = batch_sizes[(c + i) % 4];
        const std::size_t nthreads = thread_counts[(h / 15) % 3];
        const std::size_t offset = (h * 31) % (pool_rows - batch + 1);
        const grove::predict_options o = options(kinds[k], nthreads);
        const std::size_t width = s.p.output_width(o);
        const grove::rows x(s.data.x.values.data() + offset * s.data.x.num_cols, batch,
                            s.data.x.num_cols);
        try {
          const float* got;
          std::vector<float> owned;
          if (i % 2 == 0) {  // the non-allocating overload into a reused buffer
            buffer.assign(batch * width + 1, -1.0f);
            s.p.predict(x, buffer.data(), batch * width, o);
            got = buffer.data();
          } else {
            owned = s.p.predict(x, o);
            got = owned.data();
          }
          if (std::memcmp(got, s.expected[k].data() + offset * width,
                          batch * width * sizeof(float)) != 0)
            mismatches.fetch_add(1);
        } catch (...) {
          errors.fetch_add(1);
        }
        calls.fetch_add(1);
        rows_predicted.fetch_add(batch);
      }
    });
  }
  go.store(true, std::memory_order_release);
  for (std::thread& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << "concurrency stress: " << callers << " threads, " << subjects.size()
            << " shared predictors, " << calls << " predict calls, " << rows_predicted << " rows, "
            << mismatches << " mismatching calls, " << errors << " errors, " << seconds << " s\n";
  WARN("stress: " << callers << " threads, " << calls << " calls, " << rows_predicted << " rows, "
                  << mismatches << " mismatches, " << errors << " errors, " << seconds << " s");
  CHECK(calls == callers * calls_per_caller);
  CHECK(mismatches == 0);
  CHECK(errors == 0);
}

TEST_CASE("concurrency: predict into a caller's buffer allocates nothing", "[concurrency][alloc]") {
  for (const std::string& name : stress_fixtures) {
    INFO(name);
    const tiled_fixture data = tile(name, 10000);
    const grove::predictor p(grove::load(grove_test::fixtures_dir() + "/" + name + "/model.json"));
    std::size_t width = 0;
    for (grove::output kind : kinds) width = std::max(width, p.output_width(options(kind, 1)));
    std::vector<float> out(10000 * width);
    for (grove::output kind : kinds) {
      for (std::size_t threads : {1, 2}) {
        for (std::size_t n : {1, 256, 10000}) {
          const grove::predict_options o = options(kind, threads);
          const grove::rows x(data.x.values.data(), n, data.x.num_cols);
          const std::size_t before = allocations.load();
          p.predict(x, out.data(), out.size(), o);
          const std::size_t after = allocations.load();
          INFO("output " << kind_name(kind) << ", threads " << threads << ", rows " << n);
          CHECK(after - before == 0);
        }
      }
    }
  }
  // The counter works: the allocating overload does allocate.
  const grove::predictor p(
      grove::load(grove_test::fixtures_dir() + "/obj_reg_squarederror/model.json"));
  const std::vector<float> row(p.num_feature(), 0.5f);
  const std::size_t before = allocations.load();
  const auto v = p.predict(grove::rows(row.data(), 1, row.size()));
  CHECK(allocations.load() - before >= 1);
  CHECK(v.size() == 1);
}

namespace {

/// Set in the process that fresh_process_first_predict() starts.
constexpr const char* fresh_process_variable = "GROVE_TEST_FRESH_PROCESS";

/// In a process where nothing has predicted yet: loads a fixture, builds a predictor, and counts
/// the allocations of its first predict() calls, two threads first; the exit status is the
/// number of failed checks.
void fresh_process_first_predict() {
  const tiled_fixture data = tile("obj_multi_softprob", 10000);
  const grove::predictor p(
      grove::load(grove_test::fixtures_dir() + "/obj_multi_softprob/model.json"));
  std::size_t width = 0;
  for (grove::output kind : kinds) width = std::max(width, p.output_width(options(kind, 1)));
  std::vector<float> out(10000 * width);
  for (std::size_t threads : {2, 1}) {
    for (grove::output kind : kinds) {
      const std::size_t before = allocations.load();
      p.predict(grove::rows(data.x.values.data(), 10000, data.x.num_cols), out.data(), out.size(),
                options(kind, threads));
      const std::size_t count = allocations.load() - before;  // before INFO, which allocates
      INFO("first call with output " << kind_name(kind) << ", threads " << threads);
      CHECK(count == 0);
    }
  }
  const std::size_t before = allocations.load();  // the counter counts in this process too
  const auto v = p.predict(grove::rows(data.x.values.data(), 1, data.x.num_cols));
  CHECK(allocations.load() - before >= 1);
  CHECK(!v.empty());
}

}  // namespace

TEST_CASE("concurrency: the first predict of a fresh process allocates nothing",
          "[concurrency][alloc]") {
  if (std::getenv(fresh_process_variable) != nullptr) {
    fresh_process_first_predict();
    return;
  }
  // This test case again, in a new process of this executable (the one running it may have
  // predicted already).
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  REQUIRE(n > 0);
  self[n] = '\0';
  const std::string command = std::string("env ") + fresh_process_variable + "=1 '" + self +
                              "' 'concurrency: the first predict of a fresh process allocates "
                              "nothing'";
  INFO(command);
  const int status = std::system(command.c_str());
  REQUIRE(status != -1);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

namespace {

/// A forest of one stump per tree: tree k splits feature `feature_of(k)` at k and adds k or -k
/// to output `output_of(k)`.
template <class feature_fn, class output_fn>
grove::predictor stumps(std::int64_t num_trees, std::int64_t num_feature, std::int64_t num_output,
                        feature_fn feature_of, output_fn output_of) {
  grove::ir::forest_builder b(
      num_feature, num_output,
      grove::ir::objective_from_name(num_output > 1 ? "multi:softprob" : "reg:squarederror"));
  b.set_base_score({0.5f});
  for (std::int64_t k = 0; k < num_trees; ++k) {
    grove::ir::tree t;
    t.left = {1, -1, -1};
    t.right = {2, -1, -1};
    t.feature = {static_cast<std::int32_t>(feature_of(k)), 0, 0};
    t.threshold = {static_cast<float>(k % 97), 0.0f, 0.0f};
    t.default_left = {1, 0, 0};
    t.leaf_value = {0.0f, static_cast<float>(k), static_cast<float>(-k)};
    b.add_tree(std::move(t), output_of(k), 1.0f);
  }
  return grove::predictor(grove::model(b.finish()));
}

/// Allocations of each predict() call, reported with WARN when not zero.
void check_no_allocation(const grove::predictor& p, const char* what,
                         std::initializer_list<std::size_t> row_counts) {
  std::size_t rows_max = 0;
  for (std::size_t n : row_counts) rows_max = std::max(rows_max, n);
  const std::size_t nf = p.num_feature();
  std::vector<float> x(rows_max * nf);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 101);
  std::size_t width = 0;
  for (grove::output kind : kinds) width = std::max(width, p.output_width(options(kind, 1)));
  std::vector<float> out(rows_max * width);
  for (grove::output kind : kinds) {
    for (std::size_t threads : {1, 2}) {
      for (std::size_t n : row_counts) {
        const std::size_t before = allocations.load();
        p.predict(grove::rows(x.data(), n, nf), out.data(), out.size(), options(kind, threads));
        const std::size_t count = allocations.load() - before;
        INFO(what << ", output " << kind_name(kind) << ", threads " << threads << ", rows " << n
                  << ": " << count << " allocations");
        if (count != 0)
          WARN("predict allocated " << count << " times (" << what << ", output " << kind_name(kind)
                                    << ", threads " << threads << ", rows " << n << ")");
        CHECK(count == 0);
      }
    }
  }
}

}  // namespace

TEST_CASE("concurrency: no allocation with more than 64 outputs either", "[concurrency][alloc]") {
  const grove::predictor p = stumps(
      70, 1, 70, [](std::int64_t) { return 0; }, [](std::int64_t k) { return k; });
  check_no_allocation(p, "70 outputs", {1, 256, 10000});
}

/// One balanced tree of `splits` splits, each on another feature (node i: x_i < i % 97, missing
/// left on odd nodes); leaf i's value is leaf_value(i).
template <class leaf_value_t>
grove::ir::tree wide_balanced_tree(std::int32_t splits, const leaf_value_t& leaf_value) {
  grove::ir::tree t;
  for (std::int32_t i = 0; i < 2 * splits + 1; ++i) {
    const bool split = i < splits;
    t.left.push_back(split ? 2 * i + 1 : -1);
    t.right.push_back(split ? 2 * i + 2 : -1);
    t.feature.push_back(split ? i : 0);
    t.threshold.push_back(split ? static_cast<float>(i % 97) : 0.0f);
    t.default_left.push_back(static_cast<std::uint8_t>(i % 2));
    t.leaf_value.push_back(split ? 0.0f : leaf_value(i));
  }
  return t;
}

// The engine keeps a block of rows on the stack; a model reading more features than that buffer
// holds is walked tree by tree on the caller's rows instead, still without allocating.
TEST_CASE("concurrency: no allocation with more than 16384 features either",
          "[concurrency][alloc]") {
  constexpr std::int32_t splits = 16500;
  grove::ir::forest_builder b(splits, 1, grove::ir::objective_from_name("reg:squarederror"));
  b.add_tree(wide_balanced_tree(splits, [](std::int32_t i) { return static_cast<float>(i); }), 0,
             1.0f);
  const grove::predictor p(grove::model(b.finish()));
  check_no_allocation(p, "16500 features", {1, 256, 1024});

  // And it is still exact: the reference walk, row by row.
  const std::size_t n = 40;
  std::vector<float> x(n * splits);
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = i % 13 == 0 ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(i % 101);
  grove::predict_options o;
  o.kind = grove::output::margin;
  const std::vector<float> got = p.predict(grove::rows(x.data(), n, splits), o);
  const grove::ir::forest& f = p.get_model().forest();
  for (std::size_t r = 0; r < n; ++r) {
    float want = 0.0f;
    grove::ir::reference_margin(f, x.data() + r * splits, o.missing, {0, 1}, &want);
    CHECK(got[r] == want);
  }
}

// ---------------------------------------------------------------------------------------------
// SHAP contributions (output::contribs): the tables are built on first use, once, shared.
// ---------------------------------------------------------------------------------------------

TEST_CASE("concurrency: contributions: racing first calls agree, later calls allocate nothing",
          "[concurrency][alloc][contribs]") {
  for (const char* name : {"obj_multi_softprob", "lossguide_deep", "categorical_partition",
                           "dart_binary"}) {
    INFO(name);
    const tiled_fixture data = tile(name, 600);
    const grove::predictor p(grove::load(grove_test::fixtures_dir() + "/" + name + "/model.json"));
    const grove::rows x(data.x.values.data(), 600, data.x.num_cols);
    grove::predict_options o = options(grove::output::contribs, 1);
    // Eight threads make the first contribs calls at once: one builds the tables, all use them.
    std::vector<std::vector<float>> results(8);
    std::vector<std::thread> callers;
    for (std::size_t i = 0; i < results.size(); ++i)
      callers.emplace_back([&, i] { results[i] = p.predict(x, options(grove::output::contribs, 1 + i % 2)); });
    for (std::thread& t : callers) t.join();
    const std::vector<float> expected = p.predict(x, o);
    for (const auto& r : results) CHECK(grove_test::count_bit_mismatches(r, expected) == 0);
    std::vector<float> out(p.output_size(600, o));
    for (std::size_t threads : {1, 2}) {
      for (std::size_t n : {1, 64, 600}) {
        o.threads = threads;
        const std::size_t before = allocations.load();
        p.predict(grove::rows(x.data, n, x.num_cols), out.data(), out.size(), o);
        const std::size_t count = allocations.load() - before;
        INFO("threads " << threads << ", rows " << n);
        CHECK(count == 0);
      }
    }
  }
}

TEST_CASE("concurrency: contributions of a tree too big for the stack scratch",
          "[concurrency][alloc][contribs]") {
  // One balanced tree with 16,500 splits on as many features: more splits than the decision
  // scratch (8192: splits are decided per leaf path instead) and more features than the per-tree
  // accumulator (2048: leaves add straight into the output). Nothing is allocated either way;
  // contributions still sum to the margin.
  constexpr std::int32_t splits = 16500, nodes = 2 * splits + 1;
  grove::ir::forest_builder b(splits, 1, grove::ir::objective_from_name("reg:squarederror"));
  grove::ir::tree t =
      wide_balanced_tree(splits, [](std::int32_t i) { return static_cast<float>(i % 13) - 6.0f; });
  t.cover.assign(nodes, 1.0f);  // leaves 1 (or 2 for odd ones), splits the sum of their children
  for (std::int32_t i = splits; i < nodes; ++i) t.cover[i] = 1.0f + static_cast<float>(i % 2);
  for (std::int32_t i = splits - 1; i >= 0; --i) t.cover[i] = t.cover[2 * i + 1] + t.cover[2 * i + 2];
  b.add_tree(std::move(t), 0, 1.0f);
  const grove::predictor p(grove::model(b.finish()));
  const grove::explain::tree_shap& shap = p.prepare_contributions();
  CHECK(shap.table_leaves() == 0);  // paths of 14 features: too deep for tables (12 slots)
  constexpr std::size_t n = 40;
  std::vector<float> x(n * splits);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 101);
  grove::predict_options o = options(grove::output::contribs, 1);
  std::vector<float> out(p.output_size(n, o)), margin(n);
  // Warm up: the process-wide thread pool starts its threads on first use.
  p.predict(grove::rows(x.data(), n, splits), out.data(), out.size(),
            options(grove::output::contribs, 2));
  for (std::size_t threads : {1, 2}) {
    o.threads = threads;
    const std::size_t before = allocations.load();
    p.predict(grove::rows(x.data(), n, splits), out.data(), out.size(), o);
    CHECK(allocations.load() - before == 0);
    p.predict(grove::rows(x.data(), n, splits), margin.data(), margin.size(),
              options(grove::output::margin, 1));
    for (std::size_t r = 0; r < n; ++r) {
      double sum = 0, scale = 1;
      for (std::size_t j = 0; j <= splits; ++j) {
        sum += out[r * (splits + 1) + j];
        scale = std::max(scale, std::abs(static_cast<double>(out[r * (splits + 1) + j])));
      }
      INFO("row " << r);
      CHECK(std::abs(sum - margin[r]) <= 1e-4 * scale);
    }
  }
}

TEST_CASE("concurrency: parallel_for covers every row once, in shrinking whole chunks",
          "[concurrency]") {
  struct piece {
    std::size_t begin, end;
  };
  for (std::size_t threads : {1, 2, 3, 8}) {
    for (std::size_t n : {0, 1, 255, 256, 257, 1000, 4096, 100000, 100003}) {
      for (std::size_t min_chunk : {1, 8, 256}) {
        INFO("threads " << threads << ", rows " << n << ", min_chunk " << min_chunk);
        std::vector<std::atomic<int>> seen(n);
        std::mutex m;
        std::vector<piece> pieces;
        grove::detail::parallel_for(n, threads, min_chunk, [&](std::size_t b, std::size_t e) {
          for (std::size_t r = b; r < e; ++r) seen[r].fetch_add(1, std::memory_order_relaxed);
          std::lock_guard<std::mutex> lock(m);
          pieces.push_back({b, e});
        });
        std::size_t wrong = 0;
        for (std::size_t r = 0; r < n; ++r) wrong += seen[r].load() != 1;
        CHECK(wrong == 0);
        std::sort(pieces.begin(), pieces.end(),
                  [](const piece& a, const piece& b) { return a.begin < b.begin; });
        const bool one_piece = threads == 1 || n / min_chunk < 2;
        if (one_piece) {
          REQUIRE(pieces.size() == 1);
          CHECK(pieces[0].end == n);
          continue;
        }
        // Every piece but the last is a whole number of min_chunks, and none is longer than
        // the one before it: the end of the range is handed out in small pieces.
        for (std::size_t k = 0; k < pieces.size(); ++k) {
          const std::size_t size = pieces[k].end - pieces[k].begin;
          CHECK(size > 0);
          if (k + 1 < pieces.size()) CHECK(size % min_chunk == 0);
          if (k > 0) CHECK(size <= pieces[k - 1].end - pieces[k - 1].begin);
        }
        CHECK(pieces.back().end - pieces.back().begin <= min_chunk);
      }
    }
  }
}
