// Sparse CSR rows and float64 rows: every plan forced on every target against the reference
// (bit for bit), the predictor against the XGBoost C library (XGBoosterPredictFromCSR, DMatrix
// from CSR, float64 arrays) on the fixtures and on random models, and malformed CSR views.

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <grove/grove.hpp>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "support/fixture.hpp"
#include "support/forced_plans.hpp"
#include "support/random_models.hpp"
#include "support/xgboost_oracle.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::sparse_cases {

using namespace grove_test;

namespace {

namespace fs = std::filesystem;

const float nan_f = std::numeric_limits<float>::quiet_NaN();

/// CSR arrays with the given element types.
template <class pointer_t, class index_t, class value_t>
struct csr_arrays {
  std::vector<pointer_t> ptr;
  std::vector<index_t> index;
  std::vector<value_t> value;
  std::size_t rows = 0, cols = 0;

  grove::csr_rows view() const {
    return grove::csr_rows(ptr.data(), index.data(), value.data(), rows, cols, value.size());
  }
  /// Rows [r0, r0 + n) as a view into the same arrays (its first offset is not 0).
  grove::csr_rows view(std::size_t r0, std::size_t n) const {
    return grove::csr_rows(ptr.data() + r0, index.data(), value.data(), n, cols, value.size());
  }
};

using csr_t = csr_arrays<std::int64_t, std::int32_t, float>;

/// Dense rows as CSR, as a caller holding them sparse would store them: NaN and `missing`
/// entries are mostly left out, some stored (both are missing either way); every other value is
/// stored, zeros included (an absent entry is missing, not zero).
csr_t to_csr(const std::vector<float>& X, std::size_t rows, std::size_t cols, float missing,
             std::uint32_t seed) {
  std::mt19937 rng(seed);
  csr_t c;
  c.rows = rows;
  c.cols = cols;
  c.ptr.push_back(0);
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < cols; ++j) {
      const float v = X[r * cols + j];
      if ((std::isnan(v) || v == missing) && rng() % 4 != 0) continue;
      c.index.push_back(static_cast<std::int32_t>(j));
      c.value.push_back(v);
    }
    c.ptr.push_back(static_cast<std::int64_t>(c.index.size()));
  }
  return c;
}

template <class pointer_t, class index_t, class value_t>
csr_arrays<pointer_t, index_t, value_t> convert(const csr_t& c) {
  csr_arrays<pointer_t, index_t, value_t> out;
  out.rows = c.rows;
  out.cols = c.cols;
  for (auto p : c.ptr) out.ptr.push_back(static_cast<pointer_t>(p));
  for (auto i : c.index) out.index.push_back(static_cast<index_t>(i));
  for (auto v : c.value) out.value.push_back(static_cast<value_t>(v));
  return out;
}

/// The same rows through every kind of view: CSR with each offset, index and value type, a
/// CSR view of a range of rows, float64 dense rows.
struct views {
  csr_t base;
  csr_arrays<std::uint64_t, std::uint32_t, float> u64_u32;
  csr_arrays<std::int32_t, std::int64_t, double> i32_i64_f64;
  csr_arrays<std::uint32_t, std::uint64_t, double> u32_u64_f64;
  std::vector<double> dense64;
  std::size_t rows, cols;

  views(const std::vector<float>& X, std::size_t n, std::size_t c, float missing,
        std::uint32_t seed)
      : base(to_csr(X, n, c, missing, seed)),
        u64_u32(convert<std::uint64_t, std::uint32_t, float>(base)),
        i32_i64_f64(convert<std::int32_t, std::int64_t, double>(base)),
        u32_u64_f64(convert<std::uint32_t, std::uint64_t, double>(base)),
        dense64(X.begin(), X.end()),
        rows(n),
        cols(c) {}

  /// (name, view, first row it holds).
  std::vector<std::tuple<std::string, grove::detail::row_source, std::size_t>> all() const {
    std::vector<std::tuple<std::string, grove::detail::row_source, std::size_t>> out;
    out.emplace_back("csr i64/i32/f32", base.view(), 0);
    out.emplace_back("csr u64/u32/f32", u64_u32.view(), 0);
    out.emplace_back("csr i32/i64/f64", i32_i64_f64.view(), 0);
    out.emplace_back("csr u32/u64/f64", u32_u64_f64.view(), 0);
    out.emplace_back("dense f64", grove::double_rows(dense64.data(), rows, cols), 0);
    if (rows > 3) out.emplace_back("csr rows 2..", base.view(2, rows - 3), 2);
    return out;
  }
};

/// Calls compared with the reference through a sparse or float64 view, per (plan, target).
std::map<std::pair<std::string, std::string>, long> compared;

/// Every forced plan, through every kind of view of rows X, against the reference walk on the
/// dense float32 rows: margins and leaf ids, bit for bit.
void check_plans(const grove::ir::forest& f, const std::vector<float>& X, std::size_t n_rows,
                 std::size_t n_cols, const std::vector<float>& missings, const std::string& label) {
  const std::size_t K = static_cast<std::size_t>(f.num_output);
  const std::vector<forced> engines = forced_engines(f);
  const std::vector<grove::ir::tree_range> ranges{{0, f.num_trees()},
                                                  {f.num_trees() / 3, f.num_trees()}};
  for (float missing : missings) {
    const views v(X, n_rows, n_cols, missing, static_cast<std::uint32_t>(n_rows * 31 + n_cols));
    for (const auto& [name, x, first] : v.all()) {
      x.check(f.num_feature);
      for (const grove::ir::tree_range& range : ranges) {
        std::vector<float> want(x.num_rows * K), want_leaf(x.num_rows * range.size());
        for (std::size_t r = 0; r < x.num_rows; ++r) {
          const float* row = X.data() + (first + r) * n_cols;
          grove::ir::reference_margin(f, row, missing, range, want.data() + r * K);
          grove::ir::reference_leaf(f, row, missing, range, want_leaf.data() + r * range.size());
        }
        for (const forced& c : engines)
          for (const bool leaf_ids : {false, true}) {
            const std::string ran = c.e->plan_for(x.num_rows, leaf_ids).name();
            if (ran != c.plan) continue;
            INFO(label << ", " << name << ", target " << grove::to_string(c.target) << ", plan "
                       << c.plan << ", missing " << missing << ", trees [" << range.begin << ", "
                       << range.end << "), " << x.num_rows << " rows"
                       << (leaf_ids ? ", leaves" : ", margins"));
            const std::vector<float>& expected = leaf_ids ? want_leaf : want;
            CHECK(count_bit_mismatches(
                      forced_output(c, x, missing, range, leaf_ids, expected.size()), expected) ==
                  0);
            ++compared[{ran, grove::to_string(c.target)}];
          }
      }
    }
  }
}

/// Fails unless every plan was compared through these views on every target of this machine
/// that has its kernel.
void require_every_plan() {
  for (grove::isa_kind target : machine_targets())
    for (const std::string& plan : plan_names()) {
      if (!grove::detail::engine::plan_runs_on(plan, target)) continue;
      INFO("sparse and float64 calls compared through " << plan << " on "
                                                        << grove::to_string(target));
      CHECK(compared[{plan, grove::to_string(target)}] > 0);
    }
}

const std::vector<grove::output> every_output{grove::output::margin, grove::output::value,
                                              grove::output::leaf, grove::output::contribs};

pred_type xgboost_type(grove::output kind) {
  switch (kind) {
    case grove::output::margin:
      return pred_type::margin;
    case grove::output::value:
      return pred_type::value;
    case grove::output::leaf:
      return pred_type::leaf;
    case grove::output::contribs:
      return pred_type::contrib;
  }
  return pred_type::value;
}

/// Values of `got` that differ from XGBoost's for this output: margins and leaves bit for bit,
/// values within value_ulps floats, contributions within 1e-5 of the row's scale (blocks of
/// num_feature + 1).
std::size_t mismatches(grove::output kind, const std::vector<float>& got,
                       const std::vector<float>& expected, std::size_t num_feature) {
  if (kind == grove::output::value) return count_ulp_mismatches(got, expected, value_ulps);
  if (kind == grove::output::contribs)
    return count_contrib_mismatches(got, expected, num_feature + 1, 1e-5);
  return count_bit_mismatches(got, expected);
}

std::vector<fs::path> fixture_dirs() {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fixtures_dir()))
    if (fs::exists(entry.path() / "model.json") && fs::exists(entry.path() / "X.csv"))
      out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// A fixture's rows, widened with missing columns to the model's width.
std::vector<float> fixture_rows(const fs::path& dir, std::size_t num_feature, std::size_t& rows) {
  const dense_rows_t X = read_csv_file((dir / "X.csv").string());
  rows = X.num_rows;
  std::vector<float> out(X.num_rows * num_feature, nan_f);
  for (std::size_t r = 0; r < X.num_rows; ++r)
    std::copy(X.values.begin() + r * X.num_cols, X.values.begin() + (r + 1) * X.num_cols,
              out.begin() + r * num_feature);
  return out;
}

/// The predictor on CSR rows (and the same rows as float64) against XGBoost: a DMatrix built
/// from the same CSR arrays for every output (the reference for DART margins too), and
/// XGBoosterPredictFromCSR for margins and values of other models. Margins and leaves bit for
/// bit, values within value_ulps floats, contributions within 1e-5 of the row's scale.
void check_against_xgboost(const grove::predictor& p, const booster& b, const std::vector<float>& X,
                           std::size_t rows, float missing, bool dart, const std::string& label) {
  INFO(label << ", missing " << missing);
  const std::size_t cols = p.num_feature();
  const csr_t c = to_csr(X, rows, cols, missing, 7);
  const auto u = convert<std::uint64_t, std::uint32_t, float>(c);
  const dmatrix m(u.ptr, u.index, u.value, cols, missing);
  const std::vector<double> X64(X.begin(), X.end());
  const grove::double_rows dense64(X64.data(), rows, cols);
  const int rounds = b.boosted_rounds();
  for (const auto& [begin, end] : std::vector<std::pair<int, int>>{{0, 0}, {0, rounds / 2 + 1}}) {
    INFO("iteration range " << begin << ":" << end);
    grove::predict_options o;
    o.missing = missing;
    o.iteration_begin = static_cast<std::size_t>(begin);
    o.iteration_end = static_cast<std::size_t>(end);
    for (const grove::output kind : every_output) {
      o.kind = kind;
      const pred_type type = xgboost_type(kind);
      if (kind == grove::output::contribs &&
          !grove::explain::tree_shap::unsupported_reason(p.get_model().forest()).empty())
        continue;
      INFO("output " << static_cast<int>(kind));
      const prediction expected = b.predict_dmatrix(m, type, begin, end);
      for (const bool sparse : {true, false}) {
        INFO((sparse ? "CSR" : "dense float64"));
        const std::vector<float> got = sparse ? p.predict(c.view(), o) : p.predict(dense64, o);
        REQUIRE(got.size() == expected.values.size());
        CHECK(mismatches(kind, got, expected.values, cols) == 0);
        if (!sparse || dart || (kind != grove::output::margin && kind != grove::output::value))
          continue;
        const prediction in_place =
            b.predict_csr(c.ptr, c.index, c.value, cols, missing, type, begin, end);
        if (kind == grove::output::margin)
          CHECK(count_bit_mismatches(got, in_place.values) == 0);
        else
          CHECK(count_ulp_mismatches(got, in_place.values, value_ulps) == 0);
      }
    }
  }
}

}  // namespace

TEST_CASE("sparse: every plan through CSR and float64 rows, fixtures", "[sparse]") {
  for (const fs::path& dir : fixture_dirs()) {
    const grove::model m = grove::load((dir / "model.json").string());
    std::size_t rows = 0;
    const std::vector<float> X = fixture_rows(dir, m.num_feature(), rows);
    const std::string label = dir.filename().string();
    check_plans(m.forest(), X, rows, m.num_feature(), {nan_f, -999.0f, 0.0f}, label);
    check_plans(m.forest(), X, std::min<std::size_t>(rows, 5), m.num_feature(), {nan_f, 0.0f},
                label + " (first rows)");
  }
  require_every_plan();
}

TEST_CASE("sparse: fixtures equal XGBoost through CSR and float64 rows", "[sparse]") {
  set_global_verbosity(0);
  std::size_t models = 0;
  for (const fs::path& dir : fixture_dirs()) {
    const nlohmann::json meta = read_json_file((dir / "meta.json").string());
    const std::string model_path = (dir / "model.json").string();
    const grove::predictor p(grove::load(model_path));
    const std::vector<char> bytes = [&] {
      std::ifstream in(model_path, std::ios::binary);
      return std::vector<char>(std::istreambuf_iterator<char>(in), {});
    }();
    const booster b = booster::load(bytes.data(), bytes.size());
    std::size_t rows = 0;
    const std::vector<float> X = fixture_rows(dir, p.num_feature(), rows);
    const bool dart = meta.value("booster", "") == "dart";
    for (float missing : {nan_f, 0.0f})
      check_against_xgboost(p, b, X, rows, missing, dart, dir.filename().string());
    ++models;
  }
  CHECK(models >= 30);
}

TEST_CASE("sparse: random sparse models equal XGBoost through CSR", "[sparse]") {
  set_global_verbosity(0);
  for (std::uint64_t i = 0; i < 36; ++i) {
    model_config c = config_for(i);
    c.nan_rate = i % 2 ? 0.85 : 0.6;  // most entries absent
    c.cols = 8 + (i * 13) % 40;
    const std::uint64_t seed = 500 + i;
    const dataset train_rows =
        make_dataset(seed, 400, c.cols, c.nan_rate, categories_for(c), c.kind);
    const booster b = train(c, train_rows);
    const std::vector<char> bytes = b.save_json();
    const grove::predictor p(grove::load_from_memory(bytes.data(), bytes.size()));
    // DMatrix refuses infinities: rows without them.
    const dataset x = prediction_rows(c, seed, 200, false);
    std::vector<float> X(x.rows * p.num_feature(), nan_f);  // the model may read fewer columns
    for (std::size_t r = 0; r < x.rows; ++r)
      for (std::size_t j = 0; j < std::min(x.cols, p.num_feature()); ++j)
        X[r * p.num_feature() + j] = x.X[r * x.cols + j];
    check_against_xgboost(p, b, X, x.rows, c.custom_missing, c.dart, describe(c, seed));

    // Every plan, through every view, against the reference.
    check_plans(p.get_model().forest(), X, x.rows, p.num_feature(), {c.custom_missing},
                describe(c, seed));
    check_plans(p.get_model().forest(), X, 7, p.num_feature(), {c.custom_missing},
                describe(c, seed) + " (7 rows)");
  }
}

TEST_CASE("sparse: a wide hashed-feature model equals XGBoost through CSR", "[sparse]") {
  // 20,000 columns, about 20 entries per row: the model reads a few hundred of them.
  set_global_verbosity(0);
  const std::size_t cols = 20000, rows = 600, per_row = 20;
  std::mt19937 rng(11);
  std::vector<std::uint64_t> ptr{0};
  std::vector<std::uint32_t> index;
  std::vector<float> value, label;
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<std::uint32_t> cs;
    while (cs.size() < per_row) {
      // Columns below 400 are frequent, the rest rare: trees split on both.
      const std::uint32_t col = rng() % 3 == 0 ? rng() % 400 : rng() % cols;
      if (std::find(cs.begin(), cs.end(), col) == cs.end()) cs.push_back(col);
    }
    std::sort(cs.begin(), cs.end());
    double score = 0;
    for (std::uint32_t col : cs) {
      const float v = static_cast<float>(rng() % 1000) / 250.0f - 1.0f;
      index.push_back(col);
      value.push_back(v);
      score += (col % 7 == 0 ? v : -0.3 * v) + (col < 50 ? 1.0 : 0.0);
    }
    ptr.push_back(index.size());
    label.push_back(score > 0.5 ? 1.0f : 0.0f);
  }
  dmatrix train_m(ptr, index, value, cols);
  train_m.set_float_info("label", label);
  booster b(std::vector<const dmatrix*>{&train_m});
  b.set_param("objective", "binary:logistic");
  b.set_param("max_depth", 6);
  b.set_param("nthread", 1);
  b.set_param("tree_method", "hist");
  b.train(train_m, 30);
  const std::vector<char> bytes = b.save_json();
  const grove::predictor p(grove::load_from_memory(bytes.data(), bytes.size()));
  REQUIRE(p.num_feature() == cols);
  const grove::csr_rows x(ptr.data(), index.data(), value.data(), rows, cols, value.size());
  for (const grove::output kind : every_output) {
    grove::predict_options o;
    o.kind = kind;
    const pred_type type = xgboost_type(kind);
    INFO("output " << static_cast<int>(kind));
    const std::vector<float> got = p.predict(x, o);
    const prediction expected = b.predict_dmatrix(train_m, type);
    REQUIRE(got.size() == expected.values.size());
    CHECK(mismatches(kind, got, expected.values, cols) == 0);
    if (kind == grove::output::margin)
      CHECK(count_bit_mismatches(got, b.predict_csr(ptr, index, value, cols, nan_f, type).values) ==
            0);
  }
  // Every plan the model allows, one row and many.
  const grove::ir::forest& f = p.get_model().forest();
  for (const forced& c : forced_engines(f))
    for (const std::size_t n : {std::size_t{1}, std::size_t{5}, rows}) {
      INFO("plan " << c.plan << " on " << grove::to_string(c.target) << ", " << n << " rows");
      const grove::csr_rows part(ptr.data(), index.data(), value.data(), n, cols, value.size());
      std::vector<float> got(n), want(n);
      c.e->margins(part, nan_f, {0, f.num_trees()}, got.data());
      std::vector<float> dense(cols);
      for (std::size_t r = 0; r < n; ++r) {
        std::fill(dense.begin(), dense.end(), nan_f);
        for (std::uint64_t e = ptr[r]; e < ptr[r + 1]; ++e) dense[index[e]] = value[e];
        grove::ir::reference_margin(f, dense.data(), nan_f, {0, f.num_trees()}, &want[r]);
      }
      CHECK(count_bit_mismatches(got, want) == 0);
    }
}

TEST_CASE("sparse: malformed CSR views are refused and nothing is written", "[sparse]") {
  const grove::predictor p(grove::load(fixtures_dir() + "/obj_binary_logistic/model.json"));
  const std::size_t cols = p.num_feature();
  REQUIRE(cols >= 4);
  // Three rows: {0: 1, 2: 0.5}, {1: -1, 3: 2}, {}.
  const std::vector<std::int64_t> ptr{0, 2, 4, 4};
  const std::vector<std::int32_t> index{0, 2, 1, 3};
  const std::vector<float> value{1.0f, 0.5f, -1.0f, 2.0f};

  struct bad_case {
    std::string name;
    std::vector<std::int64_t> ptr;
    std::vector<std::int32_t> index;
    std::size_t cols;
    std::string where;
  };
  const std::vector<bad_case> cases{
      {"row pointers decrease", {0, 2, 1, 4}, index, cols, "row 1"},
      {"row pointer past the arrays", {0, 2, 4, 5}, index, cols, "row 2"},
      {"negative row pointer", {0, -1, 4, 4}, index, cols, "row 1"},
      {"unsorted columns", ptr, {0, 2, 3, 1}, cols, "row 1, entry 3"},
      {"duplicate column", ptr, {0, 2, 3, 3}, cols, "row 1, entry 3"},
      {"column at the column count",
       ptr,
       {0, 2, 1, static_cast<std::int32_t>(cols)},
       cols,
       "row 1, entry 3"},
      {"column past a narrower column count", ptr, index, 3, "row 1, entry 3"},
      {"negative column", ptr, {0, 2, -1, 3}, cols, "row 1, entry 2"},
  };
  for (const bad_case& c : cases)
    for (const grove::output kind : every_output) {
      INFO(c.name << ", output " << static_cast<int>(kind));
      grove::predict_options o;
      o.kind = kind;
      o.threads = 2;
      std::vector<float> out(p.output_size(3, o), 777.0f);
      const grove::csr_rows x(c.ptr.data(), c.index.data(), value.data(), 3, c.cols, value.size());
      try {
        p.predict(x, out.data(), out.size(), o);
        FAIL("no error");
      } catch (const grove::error& e) {
        CHECK(e.code() == grove::error_code::invalid_argument);
        CHECK(e.where() == "rows (CSR), " + c.where);
      }
      CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 777.0f; }));
    }

  // Null arrays.
  std::vector<float> out(3, 777.0f);
  CHECK_THROWS_AS(p.predict(grove::csr_rows(static_cast<const std::int64_t*>(nullptr), index.data(),
                                            value.data(), 3, cols, value.size()),
                            out.data(), out.size()),
                  grove::error);
  CHECK_THROWS_AS(p.predict(grove::csr_rows(ptr.data(), static_cast<const std::int32_t*>(nullptr),
                                            value.data(), 3, cols, value.size()),
                            out.data(), out.size()),
                  grove::error);
  CHECK(std::all_of(out.begin(), out.end(), [](float v) { return v == 777.0f; }));

  // The well-formed view, a narrower one (absent columns are missing) and no rows at all.
  CHECK_NOTHROW(
      p.predict(grove::csr_rows(ptr.data(), index.data(), value.data(), 3, cols, value.size()),
                out.data(), out.size()));
  const std::vector<std::int32_t> narrow_index{0, 2, 1, 2};
  CHECK_NOTHROW(
      p.predict(grove::csr_rows(ptr.data(), narrow_index.data(), value.data(), 3, 3, value.size()),
                out.data(), out.size()));
  CHECK(p.predict(grove::csr_rows(ptr.data(), index.data(), value.data(), 0, cols, 0)).empty());
}

TEST_CASE("sparse: float64 values are rounded to float32 first, as XGBoost does", "[sparse]") {
  set_global_verbosity(0);
  model_config c = config_for(1);  // binary:logistic
  c.categorical = false;
  c.cols = 6;
  c.depth = 5;
  c.rounds = 12;
  const dataset train_rows = make_dataset(77, 400, c.cols, 0.1, {}, c.kind);
  const booster b = train(c, train_rows);
  const std::vector<char> bytes = b.save_json();
  const grove::predictor p(grove::load_from_memory(bytes.data(), bytes.size()));
  const grove::ir::forest& f = p.get_model().forest();
  // Values around every threshold a feature is split at: the threshold, the doubles just
  // below and above it, half-way to the next floats (ties round to even), and a third of the
  // way: most are not float32 values, and those just below a threshold round up to it, so a
  // comparison in double would send them the other way.
  std::vector<std::vector<double>> near(c.cols);
  for (const grove::ir::tree& t : f.trees)
    for (std::size_t n = 0; n < t.num_nodes(); ++n) {
      if (t.is_leaf(static_cast<std::int32_t>(n))) continue;
      const double th = t.threshold[n];
      const double below = std::nextafter(t.threshold[n], -INFINITY);
      const double above = std::nextafter(t.threshold[n], INFINITY);
      for (double v :
           {th, std::nextafter(th, -INFINITY), std::nextafter(th, INFINITY), (th + below) / 2,
            (th + above) / 2, th - (th - below) / 3, th + (above - th) / 3})
        near[static_cast<std::size_t>(t.feature[n])].push_back(v);
    }
  std::mt19937 rng(5);
  const std::size_t rows = 300;
  std::vector<double> X(rows * c.cols);
  std::size_t inexact = 0, flipped = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t j = 0; j < c.cols; ++j) {
      double& v = X[r * c.cols + j];
      v = near[j].empty() || rng() % 5 == 0 ? static_cast<double>(rng() % 1000) / 300.0 - 1.5
                                            : near[j][rng() % near[j].size()];
      if (rng() % 17 == 0) v = std::numeric_limits<double>::quiet_NaN();
      inexact += static_cast<double>(static_cast<float>(v)) != v;
    }
  for (const std::vector<double>& vs : near)
    for (double v : vs) flipped += v < static_cast<double>(static_cast<float>(v));
  CHECK(inexact > rows);  // most rows hold values float32 cannot represent
  CHECK(flipped > 0);     // and some round up onto a threshold

  const grove::double_rows x(X.data(), rows, c.cols);
  // The same rows as CSR with float64 values (NaN left out).
  std::vector<std::int64_t> ptr{0};
  std::vector<std::int32_t> index;
  std::vector<double> value;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < c.cols; ++j)
      if (!std::isnan(X[r * c.cols + j])) {
        index.push_back(static_cast<std::int32_t>(j));
        value.push_back(X[r * c.cols + j]);
      }
    ptr.push_back(static_cast<std::int64_t>(index.size()));
  }
  const grove::csr_rows sparse(ptr.data(), index.data(), value.data(), rows, c.cols, value.size());
  const dmatrix m(X.data(), rows, c.cols);
  for (const grove::output kind : every_output) {
    grove::predict_options o;
    o.kind = kind;
    const pred_type type = xgboost_type(kind);
    INFO("output " << static_cast<int>(kind));
    const prediction expected = b.predict_dmatrix(m, type);
    for (const std::vector<float>& got : {p.predict(x, o), p.predict(sparse, o)}) {
      REQUIRE(got.size() == expected.values.size());
      CHECK(mismatches(kind, got, expected.values, c.cols) == 0);
      if (kind == grove::output::margin) {
        CHECK(count_bit_mismatches(
                  got, b.predict_dense_f64(X.data(), rows, c.cols, nan_f, type).values) == 0);
        CHECK(count_bit_mismatches(
                  got, b.predict_csr(ptr, index, value, c.cols, nan_f, type).values) == 0);
      }
    }
  }
  // A float32 copy of the rows gives the same margins: the rounding is the only difference.
  std::vector<float> X32(X.begin(), X.end());
  grove::predict_options o;
  o.kind = grove::output::margin;
  CHECK(count_bit_mismatches(p.predict(x, o),
                             p.predict(grove::rows(X32.data(), rows, c.cols), o)) == 0);
}

}  // namespace grove_test::sparse_cases
