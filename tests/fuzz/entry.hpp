#pragma once
/// @file
/// The fuzz entry points, shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp, built and run
/// by tests/fuzz/run.sh) and by the replay test (tests/test_fuzz_regressions.cpp), which feeds
/// every saved crash input in tests/fuzz/regressions/<target>/ back through the same code.
///
/// Contract: for ANY input bytes, grove either succeeds or throws grove::error. Anything else
/// is a finding: another exception type (including grove_fuzz::finding, thrown when a check
/// below fails), a crash, a sanitizer report, a timeout or running out of memory.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <grove/engine.hpp>
#include <grove/grove.hpp>
#include <grove/ir/reference.hpp>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/xgboost_oracle.hpp"

namespace grove_fuzz {

/// A check of the fuzz harness failed: a real finding (never caught by run()).
struct finding : std::logic_error {
  using std::logic_error::logic_error;
};

inline void require(bool ok, const std::string& what) {
  if (!ok) throw finding("grove fuzz finding: " + what);
}

/// FNV-1a over the input: seeds the choices below, so a given input always does the same.
inline std::uint64_t hash_bytes(const std::uint8_t* data, std::size_t size) {
  std::uint64_t h = 1469598103934665603ull;
  for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
  return h;
}

/// splitmix64: small, deterministic, identical everywhere.
class prng {
 public:
  explicit prng(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t s_;
};

/// Options for a dump, which stores no objective or intercept; picked from the input's hash.
inline grove::load_options dump_options(std::uint64_t h, bool multiclass) {
  grove::load_options o;
  if (multiclass) {
    o.objective = (h & 1) ? "multi:softprob" : "multi:softmax";
    o.num_class = 2 + static_cast<std::int64_t>((h >> 1) % 4);
  } else {
    static const char* const objectives[] = {"reg:squarederror", "binary:logistic", "count:poisson",
                                             "binary:hinge"};
    o.objective = objectives[h % 4];
  }
  static const float base_scores[] = {0.5f, 0.3f, 2.0f, 1e-7f};
  o.base_score = base_scores[(h >> 8) % 4];
  if ((h >> 12) % 4 == 0) o.num_feature = 64;  // sometimes a declared width too
  // Dump trees are stored by node id and ids may be sparse, so a few bytes can claim 2^24 node
  // slots per tree and, within the default limits, 2^28 in all (several GB: docs/limits.md).
  // The fuzz runs check that memory stays within the limits, so they use a smaller one.
  o.limits.max_total_nodes = std::int64_t{1} << 22;
  return o;
}

// ------------------------------------------------------------------------------------------
// Loader targets: bytes -> grove::load_from_memory (the format is sniffed from the content).
// ------------------------------------------------------------------------------------------

/// save_model JSON text (the seeds are model.json files).
inline void model_json(const std::uint8_t* data, std::size_t size) {
  (void)grove::load_from_memory(data, size);
}

/// save_model UBJSON (the seeds are model.ubj files).
inline void model_ubjson(const std::uint8_t* data, std::size_t size) {
  (void)grove::load_from_memory(data, size);
}

/// dump_model JSON, with the options a dump needs (single-output and multi-class).
inline void dump_json(const std::uint8_t* data, std::size_t size) {
  const std::uint64_t h = hash_bytes(data, size);
  for (bool multiclass : {false, true}) {
    try {
      (void)grove::load_from_memory(data, size, dump_options(h, multiclass));
    } catch (const grove::error&) {
    }
  }
}

// ------------------------------------------------------------------------------------------
// predict target: load whatever parses, then predict awkward rows every way and compare.
// ------------------------------------------------------------------------------------------

namespace detail {

/// Numeric split thresholds and category codes of the model's splits, as (feature, value),
/// sorted by feature.
inline std::vector<std::pair<std::int32_t, float>> thresholds(const grove::ir::forest& f) {
  std::vector<std::pair<std::int32_t, float>> out;
  for (const grove::ir::tree& t : f.trees)
    for (std::size_t n = 0; n < t.num_nodes() && out.size() < 100000; ++n) {
      if (t.is_leaf(n) || t.feature[n] < 0 || t.feature[n] >= f.num_feature) continue;
      if (!t.is_categorical(n)) {
        out.emplace_back(t.feature[n], t.threshold[n]);
        continue;
      }
      for (std::uint32_t c = t.category_begin[n]; c < t.category_begin[n + 1]; ++c)
        out.emplace_back(t.feature[n], static_cast<float>(t.categories[c]));
    }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

/// One awkward value for column `col`: non-finite, signed zero, denormal, huge, exactly on a
/// split threshold or category code of that column or one ulp either side, a category code
/// (fractional, negative, at a word's edge, at or beyond 2^24), or random bits.
inline float awkward_value(prng& r, std::int32_t col,
                           const std::vector<std::pair<std::int32_t, float>>& splits) {
  constexpr float inf = std::numeric_limits<float>::infinity();
  switch (r.below(16)) {
    case 0:
      return std::numeric_limits<float>::quiet_NaN();
    case 1:
      return inf;
    case 2:
      return -inf;
    case 3:
      return -0.0f;
    case 4:
      return 0.0f;
    case 5:
      return 3e38f;
    case 6:
      return -3e38f;
    case 7:
      return std::numeric_limits<float>::denorm_min();
    case 8:
      return -1e-40f;  // a negative denormal
    case 9: {
      static const float codes[] = {0.0f,  1.0f,  2.0f,        3.0f,        4.99f,
                                    -1.0f, -0.5f, 31.0f,       32.0f,       63.5f,
                                    64.0f, 1e9f,  16777215.0f, 16777216.0f, 2147483648.0f};
      return codes[r.below(15)];
    }
    case 10: {  // arbitrary bits: any NaN payload, any denormal
      const auto bits = static_cast<std::uint32_t>(r.next());
      float v;
      std::memcpy(&v, &bits, sizeof v);
      return v;
    }
    case 11:
    case 12:
    case 13:
    case 14: {
      auto range = std::equal_range(splits.begin(), splits.end(), std::make_pair(col, 0.0f),
                                    [](const auto& a, const auto& b) { return a.first < b.first; });
      if (range.first == range.second) break;
      const float t =
          (range.first + r.below(static_cast<std::size_t>(range.second - range.first)))->second;
      const std::size_t how = r.below(3);
      return how == 0 ? t : std::nextafter(t, how == 1 ? inf : -inf);
    }
    default:
      break;
  }
  return static_cast<float>(static_cast<double>(r.below(2001)) / 100.0 - 10.0);
}

/// Every reachable split's cover is finite, positive and the sum of its children's (to 1e-3).
inline bool consistent_covers(const grove::ir::forest& f) {
  for (const grove::ir::tree& t : f.trees) {
    if (t.cover.size() != t.num_nodes()) return false;
    for (std::size_t n = 0; n < t.num_nodes(); ++n) {
      if (t.is_leaf(n)) continue;
      const auto l = static_cast<std::size_t>(t.left[n]), r = static_cast<std::size_t>(t.right[n]);
      if (l >= t.num_nodes() || r >= t.num_nodes()) return false;  // an unreachable node's junk
      const double c = t.cover[n];
      const double children = static_cast<double>(t.cover[l]) + t.cover[r];
      if (!(c > 0.0) || !std::isfinite(c) || !(std::fabs(c - children) <= 1e-3 * c)) return false;
    }
  }
  return true;
}

inline bool same_bits(const float* a, const float* b, std::size_t n) {
  return n == 0 || std::memcmp(a, b, n * sizeof(float)) == 0;
}

/// Inputs compared with the XGBoost C library so far (the replay test checks that its seeds are).
inline std::size_t& xgboost_comparisons() {
  static std::size_t count = 0;
  return count;
}

/// The differential step: the model bytes grove loaded as a save_model file go to the XGBoost C
/// library too, and when it also accepts them and the rows, its margins must equal grove's bit
/// for bit. grove's loader and validator run first, so XGBoost's loader, which trusts its input,
/// only sees models grove accepted. DART margins come from XGBoost's DMatrix path (its in-place
/// path adds and removes the intercept around each tree), which refuses infinities: those rows
/// take +-3e38 instead, for both.
inline void compare_with_xgboost(const std::uint8_t* data, std::size_t size,
                                 const grove::predictor& p, const grove::rows& x,
                                 grove::predict_options o) {
  o.kind = grove::output::margin;
  o.threads = 1;
  const std::size_t nf = p.num_feature();
  std::vector<float> xs(x.num_rows * nf);
  for (std::size_t i = 0; i < x.num_rows; ++i)
    std::copy(x.row(i), x.row(i) + nf, xs.begin() + static_cast<std::ptrdiff_t>(i * nf));
  std::vector<float> want;
  bool dart = false;
  try {
    static const bool quiet = (grove_test::set_global_verbosity(0), true);
    (void)quiet;
    grove_test::booster b = grove_test::booster::load(data, size);
    b.set_param("nthread", 1);
    dart = b.save_config().find("\"dart\"") != std::string::npos;
    if (dart)
      for (float& v : xs)
        if (std::isinf(v)) v = v > 0 ? 3e38f : -3e38f;
    const int begin = static_cast<int>(o.iteration_begin), end = static_cast<int>(o.iteration_end);
    want = dart ? b.predict_dmatrix(grove_test::dmatrix(xs, x.num_rows, nf, o.missing),
                                    grove_test::pred_type::margin, begin, end)
                      .values
                : b.predict_dense(xs.data(), x.num_rows, nf, o.missing,
                                  grove_test::pred_type::margin, begin, end)
                      .values;
  } catch (const std::runtime_error&) {
    return;  // XGBoost refused the model, the rows or the range: nothing to compare
  }
  const std::vector<float> got = p.predict(grove::rows(xs.data(), x.num_rows, nf), o);
  require(got.size() == want.size() && same_bits(got.data(), want.data(), got.size()),
          std::string("margins differ from the XGBoost C library's") + (dart ? " (DART)" : ""));
  ++xgboost_comparisons();
}

}  // namespace detail

/// Loads the bytes as a saved model, else as a dump; predicts a few deterministic awkward rows
/// through grove::predictor for every output kind, and through every plan of the engine on
/// every target, and compares with ir::reference_* called directly, bit for bit; a saved model
/// that the XGBoost C library accepts too is compared with its margins (compare_with_xgboost).
inline void predict(const std::uint8_t* data, std::size_t size) {
  const std::uint64_t h = hash_bytes(data, size);
  bool saved_model = true;
  grove::model m = [&] {
    try {
      return grove::load_from_memory(data, size);
    } catch (const grove::error& e) {
      if (e.code() == grove::error_code::parse) throw;
      saved_model = false;
      return grove::load_from_memory(data, size, dump_options(h, false));  // a dump?
    }
  }();
  const grove::ir::forest& f = m.forest();
  const grove::predictor p(m);
  prng r(h);

  // Rows: the model's width plus 0-2 extra columns, stride 0-1 past that; at most ~1M floats.
  const std::size_t nf = p.num_feature();
  const std::size_t cols = nf + r.below(3);
  const std::size_t stride = cols + r.below(2);
  const std::size_t n_rows =
      std::max<std::size_t>(1, std::min<std::size_t>(8, (1u << 20) / (stride + 1)));
  const auto splits = detail::thresholds(f);
  std::vector<float> x(n_rows * stride + 1);
  for (std::size_t i = 0; i < n_rows; ++i)
    for (std::size_t j = 0; j < stride; ++j)
      x[i * stride + j] = detail::awkward_value(r, static_cast<std::int32_t>(j), splits);
  const grove::rows rows(x.data(), n_rows, cols, stride);

  grove::predict_options o;
  static const float missing_values[] = {std::numeric_limits<float>::quiet_NaN(), -999.0f, 0.0f,
                                         std::numeric_limits<float>::infinity(), -0.0f};
  o.missing = missing_values[r.below(5)];
  const std::size_t rounds = m.num_rounds();
  if (rounds > 0 && r.below(3) == 0) {  // sometimes a slice of the rounds
    o.iteration_begin = r.below(rounds + 1);
    o.iteration_end = o.iteration_begin == 0
                          ? r.below(rounds + 1)
                          : o.iteration_begin + r.below(rounds + 1 - o.iteration_begin);
    if (o.iteration_end == 0) o.iteration_begin = 0;
  }
  o.threads = 1;
  const grove::ir::tree_range trees =
      grove::ir::rounds_to_trees(f, o.iteration_begin, o.iteration_end);
  const std::size_t num_output = m.num_output();

  // The oracle: the reference predictor called directly, row by row.
  const std::size_t num_trees = trees.size();
  std::vector<float> ref_margin(n_rows * num_output), ref_leaf(n_rows * num_trees);
  for (std::size_t i = 0; i < n_rows; ++i) {
    grove::ir::reference_margin(f, rows.row(i), o.missing, trees,
                                ref_margin.data() + i * num_output);
    grove::ir::reference_leaf(f, rows.row(i), o.missing, trees, ref_leaf.data() + i * num_trees);
  }

  for (grove::output kind : {grove::output::margin, grove::output::value, grove::output::leaf}) {
    o.kind = kind;
    const std::size_t width = p.output_width(o);
    require(p.output_size(n_rows, o) == n_rows * width, "output_size");
    const std::vector<float> got = p.predict(rows, o);
    require(got.size() == n_rows * width, "output length");
    std::vector<float> want(n_rows * width);
    if (kind == grove::output::margin) {
      want = ref_margin;
    } else if (kind == grove::output::leaf) {
      want = ref_leaf;
    } else {
      for (std::size_t i = 0; i < n_rows; ++i)
        grove::ir::transform_row(f.obj, ref_margin.data() + i * num_output, num_output,
                                 want.data() + i * width);
    }
    for (std::size_t i = 0; i < n_rows; ++i)
      require(detail::same_bits(got.data() + i * width, want.data() + i * width, width),
              "predictor differs from the reference (output " +
                  std::to_string(static_cast<int>(kind)) + ", row " + std::to_string(i) + ")");
  }

  // ==== PLANS: every plan of the engine, forced by name on every target compiled in and ======
  // supported by this CPU (scalar always; the others when built with runtime dispatch, as
  // fuzz_predict and the Catch2 tests are), the group walk at depth 3 and 4, against the
  // reference, bit for bit: the rows as they are (few rows) and repeated to more rows than
  // the block plans take (tuning::sliced_block_min_rows, bitvector_block_min_rows).
  const std::size_t n_many =
      std::max(grove::tuning{}.sliced_block_min_rows, grove::tuning{}.bitvector_block_min_rows) + 3;
  std::vector<float> many(n_many * stride + 1);
  for (std::size_t i = 0; i < n_many; ++i)
    std::copy(x.begin() + static_cast<std::ptrdiff_t>((i % n_rows) * stride),
              x.begin() + static_cast<std::ptrdiff_t>((i % n_rows + 1) * stride),
              many.begin() + static_cast<std::ptrdiff_t>(i * stride));
  const grove::rows many_rows(many.data(), n_many, cols, stride);
  for (const grove::isa_kind target : grove::target_ladder) {
    if (!grove::isa_compiled(target) || !grove::cpu_supports(target)) continue;
    for (const grove::plans::plan_entry& entry : grove::plans::plan_list) {
      const std::string plan = entry.name;
      const bool walk = plan == grove::plans::group_walk::plan_name;
      for (const int depth : walk ? std::vector<int>{3, 4} : std::vector<int>{4}) {
        grove::engine_options eo;
        eo.isa = target;
        eo.group_depth = depth;
        eo.allow = {plan};
        const grove::detail::engine e(f, eo);
        if (!e.has_plan(plan)) continue;
        const std::string which =
            std::string(grove::to_string(target)) + " " + plan + " depth " + std::to_string(depth);
        for (const bool leaf_ids : {false, true}) {
          const std::vector<float>& want = leaf_ids ? ref_leaf : ref_margin;
          const std::size_t width = leaf_ids ? num_trees : num_output;
          if (plan == e.plan_for(n_rows, leaf_ids).name()) {
            std::vector<float> got(want.size() + 1, -1.0f);
            if (leaf_ids)
              e.leaves(rows, o.missing, trees, got.data());
            else
              e.margins(rows, o.missing, trees, got.data());
            require(detail::same_bits(got.data(), want.data(), want.size()),
                    which + (leaf_ids ? ": leaf ids" : ": margins") + " differ from the reference");
          }
          if (plan == e.plan_for(n_many, leaf_ids).name()) {
            std::vector<float> got(n_many * width + 1, -1.0f);
            if (leaf_ids)
              e.leaves(many_rows, o.missing, trees, got.data());
            else
              e.margins(many_rows, o.missing, trees, got.data());
            for (std::size_t i = 0; i < n_many; ++i)
              require(detail::same_bits(got.data() + i * width, want.data() + (i % n_rows) * width,
                                        width),
                      which + (leaf_ids ? ": leaf ids" : ": margins") + " of " +
                          std::to_string(n_many) + " rows differ from the reference (row " +
                          std::to_string(i) + ")");
          }
        }
      }
    }
  }
  // ===========================================================================================

  // The XGBoost C library on the same model, rows, missing value and rounds (a dump it cannot
  // load).
  if (saved_model) detail::compare_with_xgboost(data, size, p, rows, o);

  // SHAP contributions, when the model has what they need: computed without a crash, and, when
  // the covers are consistent (TreeSHAP's sum rule needs each split's cover to be its children's
  // sum, as XGBoost writes them; fuzzed covers rarely are), each row and output's block sums to
  // the margin within float rounding of the block's magnitude.
  if (grove::explain::tree_shap::unsupported_reason(f).empty()) {
    const bool consistent = detail::consistent_covers(f);
    o.kind = grove::output::contribs;
    try {
      const std::vector<float> phi = p.predict(rows, o);
      const std::size_t block = static_cast<std::size_t>(f.num_feature) + 1;
      require(phi.size() == n_rows * num_output * block, "contributions length");
      for (std::size_t i = 0; consistent && i < n_rows; ++i)
        for (std::size_t k = 0; k < num_output; ++k) {
          const float* b = phi.data() + (i * num_output + k) * block;
          const double margin = ref_margin[i * num_output + k];
          double sum = 0.0, scale = std::fabs(margin);
          for (std::size_t j = 0; j < block; ++j) {
            sum += b[j];
            scale += std::fabs(static_cast<double>(b[j]));
          }
          if (!std::isfinite(scale) || scale > 1e30) continue;  // overflowing leaves: no check
          require(std::fabs(sum - margin) <= 1e-4 * (1.0 + scale),
                  "contributions do not sum to the margin (row " + std::to_string(i) + ")");
        }
    } catch (const grove::error&) {
      // A limit (paths too long) is an accepted outcome.
    }
  }

  // Too few columns: a shape error, thrown before anything is written.
  if (nf > 0) {
    o.kind = grove::output::margin;
    std::vector<float> out(p.output_size(n_rows, o) + 1, 12345.0f);
    bool threw = false;
    try {
      p.predict(grove::rows(x.data(), n_rows, nf - 1, stride), out.data(), out.size(), o);
    } catch (const grove::error& e) {
      threw = e.code() == grove::error_code::shape;
    }
    require(threw, "too few columns was not a shape error");
    for (float v : out) require(v == 12345.0f, "output written before the shape error");
  }
}

// ------------------------------------------------------------------------------------------

enum class target { model_json, model_ubjson, dump_json, predict };

inline const char* name(target t) {
  switch (t) {
    case target::model_json:
      return "model_json";
    case target::model_ubjson:
      return "model_ubjson";
    case target::dump_json:
      return "dump_json";
    case target::predict:
      return "predict";
  }
  return "?";
}

/// One fuzz input. A grove::error is an accepted outcome; everything else escapes.
inline void run(target t, const std::uint8_t* data, std::size_t size) {
  try {
    switch (t) {
      case target::model_json:
        model_json(data, size);
        break;
      case target::model_ubjson:
        model_ubjson(data, size);
        break;
      case target::dump_json:
        dump_json(data, size);
        break;
      case target::predict:
        predict(data, size);
        break;
    }
  } catch (const grove::error&) {
  }
}

}  // namespace grove_fuzz
