#pragma once
/// @file
/// The XGBoost "oracle" for grove's tests and benchmarks.
///
/// A small, self-contained C++17 wrapper over the XGBoost C API (written against
/// XGBoost 1.7.4, `/usr/include/xgboost/c_api.h`). It trains models, saves them as
/// JSON / UBJSON / JSON dump, and predicts through XGBoost itself, so grove's own
/// predictions can be compared with XGBoost's. It also has a deterministic random data
/// generator (`make_dataset`).
///
/// This header must NOT include or depend on any grove header: it is the independent
/// reference.
///
/// Link with `-lxgboost`; no other flags or defines are needed.
///
/// Every C API call is checked; a non-zero return throws `std::runtime_error` whose
/// message names the call and carries `XGBGetLastError()`.
///
/// Thread safety: follow XGBoost's rules. Prediction on one booster from several threads
/// is fine; training / set_param are not.
///
/// XGBoost 1.7.4 C API facts this wrapper relies on (checked with a trial program):
///  - Prediction "type": 0 value, 1 margin, 2 contrib, 3 approx contrib, 4 interaction,
///    5 approx interaction, 6 leaf (see pred_type).
///  - In-place prediction (XGBoosterPredictFromDense) supports only value and margin,
///    requires "missing" and "cache_id" in its config, and ignores "training"; its thread
///    count is the booster's `nthread` param (there is no per-call nthread).
///  - Leaf prediction requires iteration_begin == 0 ("use model slicing instead").
///  - XGBoost's JSON reader accepts `NaN`, `Infinity`, `-Infinity` as numbers.
///  - Infinite feature values: XGDMatrixCreateFromDense rejects them, in-place prediction
///    accepts them. NaN is always missing, whatever `missing` is.
///  - The categorical nodes of the JSON dump list the categories that go to the RIGHT
///    child, and "yes" names that right child (numeric nodes: "yes" = left, x < cond).
///  - find_package(xgboost) gives target xgboost::xgboost, but Debian's config file also
///    checks for /usr/bin/xgboost (package `xgboost`) and fails when it is missing, so
///    the library is located with find_path + find_library instead.

#include <xgboost/c_api.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace grove_test {

// ---------------------------------------------------------------------------------------
// Error checking and small JSON helpers
// ---------------------------------------------------------------------------------------

namespace detail {

/// Throws std::runtime_error("<call>: <XGBGetLastError()>") when `rc` is non-zero.
inline void check(int rc, const char* call) {
  if (rc != 0) {
    const char* msg = XGBGetLastError();
    throw std::runtime_error(std::string("xgboost oracle: ") + call + " failed: " +
                             (msg ? msg : "(no message)"));
  }
}

/// A float as an XGBoost-readable JSON number. XGBoost's JSON reader (1.7) accepts the
/// non-standard literals `NaN`, `Infinity` and `-Infinity`; that is how a NaN (or
/// infinite) `missing` must be passed.
inline std::string json_float(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));  // round-trips a float
  return buf;
}

/// The `__array_interface__` type string of T ("<f4", "<f8", "<i4", "<u8", ...).
template <class T>
inline std::string typestr() {
  static_assert(std::is_arithmetic_v<T>, "numbers only");
  const char kind = std::is_floating_point_v<T> ? 'f' : std::is_signed_v<T> ? 'i' : 'u';
  return std::string("<") + kind + std::to_string(sizeof(T));
}

/// `__array_interface__` (version 3) JSON for a C-contiguous array of T: shape `rows` (one
/// dimension, cols = 0) or `rows x cols`. The pointer is passed as an integer; XGBoost reads
/// the memory in place.
template <class T>
inline std::string array_interface(const T* data, std::size_t rows, std::size_t cols) {
  const std::string shape =
      cols == 0 ? std::to_string(rows) : std::to_string(rows) + ", " + std::to_string(cols);
  return "{\"data\": [" +
         std::to_string(static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(data))) +
         ", true], \"shape\": [" + shape + "], \"strides\": null, \"typestr\": \"" + typestr<T>() +
         "\", \"version\": 3}";
}

}  // namespace detail

/// XGBoost's version as "major.minor.patch" (from XGBoostVersion, i.e. the loaded library).
inline std::string xgboost_version() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

/// Sets XGBoost's global verbosity (0 silent, 1 warning (default), 2 info, 3 debug).
inline void set_global_verbosity(int verbosity) {
  const std::string cfg = "{\"verbosity\": " + std::to_string(verbosity) + "}";
  detail::check(XGBSetGlobalConfig(cfg.c_str()), "XGBSetGlobalConfig");
}

// ---------------------------------------------------------------------------------------
// dmatrix
// ---------------------------------------------------------------------------------------

/// RAII owner of an XGBoost DMatrixHandle built from a dense row-major float matrix.
/// XGBoost copies the data, so the source buffer need not outlive the dmatrix.
/// Setters return *this so they can be chained.
class dmatrix {
 public:
  /// Builds from `rows x cols` row-major floats. Cells equal to `missing` (or NaN when
  /// `missing` is NaN) are missing. Uses XGDMatrixCreateFromDense (array interface).
  /// `nthread` <= 0 lets XGBoost choose.
  dmatrix(const float* X, std::size_t rows, std::size_t cols,
          float missing = std::numeric_limits<float>::quiet_NaN(), int nthread = 0) {
    const std::string ai = detail::array_interface(X, rows, cols);
    std::string cfg = "{\"missing\": " + detail::json_float(missing);
    if (nthread > 0) cfg += ", \"nthread\": " + std::to_string(nthread);
    cfg += "}";
    detail::check(XGDMatrixCreateFromDense(ai.c_str(), cfg.c_str(), &handle_),
                  "XGDMatrixCreateFromDense");
  }

  /// Builds from float64 rows (XGDMatrixCreateFromDense reads them through their array
  /// interface, rounding each value to float32).
  dmatrix(const double* X, std::size_t rows, std::size_t cols,
          float missing = std::numeric_limits<float>::quiet_NaN()) {
    const std::string ai = detail::array_interface(X, rows, cols);
    const std::string cfg = "{\"missing\": " + detail::json_float(missing) + "}";
    detail::check(XGDMatrixCreateFromDense(ai.c_str(), cfg.c_str(), &handle_),
                  "XGDMatrixCreateFromDense");
  }

  /// Builds from CSR arrays (XGDMatrixCreateFromCSR): rows + 1 offsets, column indices and
  /// values of each entry, `cols` columns. Absent entries are missing, and so are stored ones
  /// equal to `missing` or NaN.
  template <class pointer_t, class index_t, class value_t>
  dmatrix(const std::vector<pointer_t>& indptr, const std::vector<index_t>& indices,
          const std::vector<value_t>& values, std::size_t cols,
          float missing = std::numeric_limits<float>::quiet_NaN()) {
    const std::string p = detail::array_interface(indptr.data(), indptr.size(), 0);
    const std::string i = detail::array_interface(indices.data(), indices.size(), 0);
    const std::string v = detail::array_interface(values.data(), values.size(), 0);
    const std::string cfg = "{\"missing\": " + detail::json_float(missing) + "}";
    detail::check(
        XGDMatrixCreateFromCSR(p.c_str(), i.c_str(), v.c_str(), cols, cfg.c_str(), &handle_),
        "XGDMatrixCreateFromCSR");
  }

  dmatrix(const std::vector<float>& X, std::size_t rows, std::size_t cols,
          float missing = std::numeric_limits<float>::quiet_NaN(), int nthread = 0)
      : dmatrix(X.data(), rows, cols, missing, nthread) {
    if (X.size() != rows * cols) {
      free_handle();
      throw std::runtime_error("xgboost oracle: dmatrix: X.size() != rows * cols");
    }
  }

  dmatrix(const dmatrix&) = delete;
  dmatrix& operator=(const dmatrix&) = delete;
  dmatrix(dmatrix&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  dmatrix& operator=(dmatrix&& o) noexcept {
    if (this != &o) {
      free_handle();
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  ~dmatrix() { free_handle(); }

  DMatrixHandle handle() const noexcept { return handle_; }

  std::uint64_t num_row() const {
    bst_ulong n = 0;
    detail::check(XGDMatrixNumRow(handle_, &n), "XGDMatrixNumRow");
    return n;
  }
  std::uint64_t num_col() const {
    bst_ulong n = 0;
    detail::check(XGDMatrixNumCol(handle_, &n), "XGDMatrixNumCol");
    return n;
  }

  /// Any float meta field: "label", "weight", "base_margin", "label_lower_bound",
  /// "label_upper_bound", "feature_weights" (XGDMatrixSetFloatInfo).
  dmatrix& set_float_info(const char* field, const std::vector<float>& v) {
    detail::check(XGDMatrixSetFloatInfo(handle_, field, v.data(), v.size()),
                  "XGDMatrixSetFloatInfo");
    return *this;
  }
  dmatrix& set_labels(const std::vector<float>& y) { return set_float_info("label", y); }
  dmatrix& set_weights(const std::vector<float>& w) { return set_float_info("weight", w); }
  /// For survival:aft. Right-censored rows use upper = +inf.
  dmatrix& set_label_bounds(const std::vector<float>& lower, const std::vector<float>& upper) {
    set_float_info("label_lower_bound", lower);
    return set_float_info("label_upper_bound", upper);
  }
  /// Query group sizes (not boundaries) for learning to rank; they must sum to num_row().
  /// Uses XGDMatrixSetUIntInfo("group"), the non-deprecated spelling of XGDMatrixSetGroup.
  dmatrix& set_group(const std::vector<unsigned>& group_sizes) {
    detail::check(XGDMatrixSetUIntInfo(handle_, "group", group_sizes.data(), group_sizes.size()),
                  "XGDMatrixSetUIntInfo(group)");
    return *this;
  }
  /// One entry per column: "q" (quantitative), "c" (categorical), "i" (integer), "int",
  /// "float". Needed for categorical splits (train with enable_categorical / tree_method
  /// hist). Categorical values are non-negative integers stored as floats.
  dmatrix& set_feature_types(const std::vector<std::string>& types) {
    return set_str_info("feature_type", types);
  }
  dmatrix& set_feature_names(const std::vector<std::string>& names) {
    return set_str_info("feature_name", names);
  }
  /// "feature_type" / "feature_name" as stored by XGBoost (empty when never set).
  std::vector<std::string> get_str_info(const char* field) const {
    bst_ulong n = 0;
    const char** out = nullptr;
    detail::check(XGDMatrixGetStrFeatureInfo(handle_, field, &n, &out),
                  "XGDMatrixGetStrFeatureInfo");
    return std::vector<std::string>(out, out + n);
  }

 private:
  dmatrix& set_str_info(const char* field, const std::vector<std::string>& v) {
    std::vector<const char*> ptrs;
    ptrs.reserve(v.size());
    for (const auto& s : v) ptrs.push_back(s.c_str());
    detail::check(XGDMatrixSetStrFeatureInfo(handle_, field, ptrs.data(), ptrs.size()),
                  "XGDMatrixSetStrFeatureInfo");
    return *this;
  }
  void free_handle() noexcept {
    if (handle_) XGDMatrixFree(handle_);
    handle_ = nullptr;
  }

  DMatrixHandle handle_ = nullptr;
};

// ---------------------------------------------------------------------------------------
// booster and prediction
// ---------------------------------------------------------------------------------------

/// Prediction "type" numbers of XGBoosterPredictFromDMatrix / XGBoosterPredictFrom*
/// (c_api.h, XGBoost 1.7).
enum class pred_type : int {
  value = 0,               ///< transformed prediction (probability, exp(margin), ...)
  margin = 1,              ///< raw margin (includes base_score)
  contrib = 2,             ///< SHAP contributions
  approx_contrib = 3,      ///< approximate (Saabas) contributions
  interaction = 4,         ///< SHAP interaction values
  approx_interaction = 5,  ///< approximate interaction values
  leaf = 6,                ///< leaf node index per tree (as float)
};

/// A prediction copied out of XGBoost's thread-local buffer, with XGBoost's shape.
///
/// With strict_shape = false (the default here), the shapes are:
///  - value / margin: (n) for single-output models, (n, K) for multi:softprob and for
///    multi:softmax margins; multi:softmax `value` is (n) class ids.
///  - leaf: (n, total_trees) where total_trees = rounds * K * num_parallel_tree (within
///    the iteration range), in model tree order.
/// With strict_shape = true: value/margin are always (n, K) (K = 1 for single output) and
/// leaf is (n, rounds, K, num_parallel_tree).
struct prediction {
  std::vector<float> values;
  std::vector<std::uint64_t> shape;

  std::uint64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  /// Product of all dimensions after the first (1 for a 1-D result).
  std::uint64_t cols() const {
    std::uint64_t c = 1;
    for (std::size_t i = 1; i < shape.size(); ++i) c *= shape[i];
    return c;
  }
  float at(std::uint64_t row, std::uint64_t col = 0) const { return values[row * cols() + col]; }
};

namespace detail {
inline std::string predict_config(pred_type type, int iteration_begin, int iteration_end,
                                  bool strict_shape, bool training) {
  return "{\"type\": " + std::to_string(static_cast<int>(type)) +
         ", \"training\": " + (training ? "true" : "false") +
         ", \"iteration_begin\": " + std::to_string(iteration_begin) +
         ", \"iteration_end\": " + std::to_string(iteration_end) +
         ", \"strict_shape\": " + (strict_shape ? "true" : "false");
}
inline prediction copy_prediction(const bst_ulong* shape, bst_ulong dim, const float* result) {
  prediction p;
  std::uint64_t n = 1;
  for (bst_ulong i = 0; i < dim; ++i) {
    p.shape.push_back(shape[i]);
    n *= shape[i];
  }
  if (dim == 0) n = 0;
  p.values.assign(result, result + n);
  return p;
}
/// The prediction a C API call `call(&shape, &dim, &result)` leaves in XGBoost's buffer.
template <class call_t>
inline prediction collect(const call_t& call) {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  call(&shape, &dim, &result);
  return copy_prediction(shape, dim, result);
}
}  // namespace detail

/// RAII owner of an XGBoost BoosterHandle. Move-only.
class booster {
 public:
  /// A booster with the given DMatrix cache (usually the training matrix). Like the
  /// Python package, feature names/types of the first cached matrix that has them are
  /// copied onto the booster, so they end up in the saved model.
  explicit booster(const std::vector<const dmatrix*>& cache = {}) {
    std::vector<DMatrixHandle> hs;
    for (const dmatrix* d : cache) hs.push_back(d->handle());
    detail::check(XGBoosterCreate(hs.empty() ? nullptr : hs.data(), hs.size(), &handle_),
                  "XGBoosterCreate");
    for (const dmatrix* d : cache) adopt_feature_info(*d);
  }
  explicit booster(const dmatrix& dtrain) : booster(std::vector<const dmatrix*>{&dtrain}) {}

  /// Loads a model saved as JSON, UBJSON (or legacy binary) from memory
  /// (XGBoosterLoadModelFromBuffer).
  static booster load(const void* data, std::size_t len) {
    booster b;
    detail::check(XGBoosterLoadModelFromBuffer(b.handle_, data, len),
                  "XGBoosterLoadModelFromBuffer");
    return b;
  }
  static booster load(const std::vector<char>& buf) { return load(buf.data(), buf.size()); }

  /// The model restricted to rounds [begin, end) (XGBoosterSlice), as a new booster saved and
  /// loaded again. XGBoost's pred_leaf and pred_contribs refuse iteration_begin > 0 and say to
  /// slice the model instead; the trees keep their node ids.
  booster slice(int begin, int end) const {
    BoosterHandle h = nullptr;
    detail::check(XGBoosterSlice(handle_, begin, end, 1, &h), "XGBoosterSlice");
    bst_ulong len = 0;
    const char* buf = nullptr;
    const int rc = XGBoosterSaveModelToBuffer(h, "{\"format\": \"json\"}", &len, &buf);
    std::vector<char> bytes;
    if (rc == 0) bytes.assign(buf, buf + len);
    XGBoosterFree(h);
    detail::check(rc, "XGBoosterSaveModelToBuffer");
    return load(bytes);
  }

  booster(const booster&) = delete;
  booster& operator=(const booster&) = delete;
  booster(booster&& o) noexcept : handle_(std::exchange(o.handle_, nullptr)) {}
  booster& operator=(booster&& o) noexcept {
    if (this != &o) {
      free_handle();
      handle_ = std::exchange(o.handle_, nullptr);
    }
    return *this;
  }
  ~booster() { free_handle(); }

  BoosterHandle handle() const noexcept { return handle_; }

  /// XGBoosterSetParam. Values are strings as in XGBoost's CLI / Python params.
  booster& set_param(const std::string& name, const std::string& value) {
    detail::check(XGBoosterSetParam(handle_, name.c_str(), value.c_str()),
                  "XGBoosterSetParam");
    return *this;
  }
  booster& set_param(const std::string& name, const char* value) {
    return set_param(name, std::string(value));
  }
  /// Numbers: integers (and bool, as 0/1) in decimal, floating point with %.17g.
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  booster& set_param(const std::string& name, T value) {
    if constexpr (std::is_integral_v<T>) {
      return set_param(name, std::to_string(value));
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", static_cast<double>(value));
      return set_param(name, std::string(buf));
    }
  }

  /// `rounds` boosting iterations on `dtrain` (XGBoosterUpdateOneIter), continuing from
  /// the current number of boosted rounds.
  booster& train(const dmatrix& dtrain, int rounds) {
    adopt_feature_info(dtrain);
    int iter = boosted_rounds();
    for (int i = 0; i < rounds; ++i, ++iter) {
      detail::check(XGBoosterUpdateOneIter(handle_, iter, dtrain.handle()),
                    "XGBoosterUpdateOneIter");
    }
    return *this;
  }

  int boosted_rounds() const {
    int n = 0;
    detail::check(XGBoosterBoostedRounds(handle_, &n), "XGBoosterBoostedRounds");
    return n;
  }
  std::uint64_t num_feature() const {
    bst_ulong n = 0;
    detail::check(XGBoosterGetNumFeature(handle_, &n), "XGBoosterGetNumFeature");
    return n;
  }

  /// The model as JSON text bytes (no terminating NUL).
  std::vector<char> save_json() const { return save_buffer("{\"format\": \"json\"}"); }
  /// The model as UBJSON bytes.
  std::vector<char> save_ubjson() const { return save_buffer("{\"format\": \"ubj\"}"); }
  /// The full learner configuration (XGBoosterSaveJsonConfig), e.g. to read parameters.
  std::string save_config() const {
    bst_ulong len = 0;
    const char* out = nullptr;
    detail::check(XGBoosterSaveJsonConfig(handle_, &len, &out), "XGBoosterSaveJsonConfig");
    return std::string(out, len);
  }

  /// The JSON dump (XGBoosterDumpModelEx, format "json") as one JSON array, laid out like
  /// Python's `Booster.dump_model(..., dump_format="json")`: "[\n" + trees joined by
  /// ",\n" + "\n]". One array element per tree, in model order.
  std::string dump_json(bool with_stats = false) const {
    std::string out = "[\n";
    const auto trees = dump("json", with_stats);
    for (std::size_t i = 0; i < trees.size(); ++i) {
      if (i) out += ",\n";
      out += trees[i];
    }
    out += "\n]";
    return out;
  }
  /// Raw per-tree dump strings, format "json", "text" or "dot".
  std::vector<std::string> dump(const char* format, bool with_stats = false) const {
    bst_ulong n = 0;
    const char** arr = nullptr;
    detail::check(XGBoosterDumpModelEx(handle_, "", with_stats ? 1 : 0, format, &n, &arr),
                  "XGBoosterDumpModelEx");
    return std::vector<std::string>(arr, arr + n);
  }

  /// In-place prediction on a dense row-major float matrix (XGBoosterPredictFromDense,
  /// array interface, no DMatrix). Iterations are boosting rounds: [begin, end), end = 0
  /// means all rounds; one round holds num_class * num_parallel_tree trees.
  ///
  /// XGBoost 1.7 in-place prediction only supports pred_type::value and ::margin. For
  /// any other type (leaf, contrib, ...) this builds a temporary DMatrix from X (same
  /// `missing`) and uses predict_dmatrix, so the call still works.
  ///
  /// `nthread` > 0 calls set_param("nthread", nthread) first: in-place prediction has no
  /// per-call thread setting, it uses the booster's `nthread`. The setting persists.
  ///
  /// DART: margins of this path and predict_dmatrix differ by a few float ulps whenever
  /// the margin-space base_score is non-zero (reg:squarederror, multi:softprob, ...; not
  /// binary:logistic with base_score 0.5). Measured on XGBoost 1.7.4, in float32:
  ///   predict_dmatrix: m = base; for each tree t in model order: m += w[t] * leaf[t]
  ///   predict_dense:   m = base; for each tree t: m += ((base + leaf[t]) - base) * w[t]
  /// (the in-place path predicts each tree with base added, then subtracts it again).
  /// predict_dmatrix is the reference for DART margins. gbtree: both paths are identical
  /// (m = base; m += leaf[t], in tree order).
  prediction predict_dense(const float* X, std::size_t n_rows, std::size_t n_cols,
                           float missing = std::numeric_limits<float>::quiet_NaN(),
                           pred_type type = pred_type::value, int iteration_begin = 0,
                           int iteration_end = 0, int nthread = 0,
                           bool strict_shape = false) const {
    if (nthread > 0) {
      detail::check(XGBoosterSetParam(handle_, "nthread", std::to_string(nthread).c_str()),
                    "XGBoosterSetParam(nthread)");
    }
    if (type != pred_type::value && type != pred_type::margin) {
      // XGBoost 1.7 in-place prediction only supports value/margin ("Unsupported
      // prediction type:6"); go through a temporary DMatrix for leaf/contrib/...
      const dmatrix tmp(X, n_rows, n_cols, missing);
      return predict_dmatrix(tmp, type, iteration_begin, iteration_end, strict_shape);
    }
    const std::string ai = detail::array_interface(X, n_rows, n_cols);
    const std::string cfg =
        detail::predict_config(type, iteration_begin, iteration_end, strict_shape, false) +
        ", \"missing\": " + detail::json_float(missing) + ", \"cache_id\": 0}";
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    detail::check(
        XGBoosterPredictFromDense(handle_, ai.c_str(), cfg.c_str(), nullptr, &shape, &dim, &result),
        "XGBoosterPredictFromDense");
    return detail::copy_prediction(shape, dim, result);
  }

  /// In-place prediction on CSR arrays (XGBoosterPredictFromCSR): value or margin only, as
  /// predict_dense. `cols` must be the model's feature count (XGBoost 1.7 requires it).
  template <class pointer_t, class index_t, class value_t>
  prediction predict_csr(const std::vector<pointer_t>& indptr, const std::vector<index_t>& indices,
                         const std::vector<value_t>& values, std::size_t cols,
                         float missing = std::numeric_limits<float>::quiet_NaN(),
                         pred_type type = pred_type::value, int iteration_begin = 0,
                         int iteration_end = 0) const {
    const std::string p = detail::array_interface(indptr.data(), indptr.size(), 0);
    const std::string i = detail::array_interface(indices.data(), indices.size(), 0);
    const std::string v = detail::array_interface(values.data(), values.size(), 0);
    const std::string cfg =
        detail::predict_config(type, iteration_begin, iteration_end, false, false) +
        ", \"missing\": " + detail::json_float(missing) + ", \"cache_id\": 0}";
    return detail::collect([&](const bst_ulong** shape, bst_ulong* dim, const float** result) {
      detail::check(XGBoosterPredictFromCSR(handle_, p.c_str(), i.c_str(), v.c_str(), cols,
                                            cfg.c_str(), nullptr, shape, dim, result),
                    "XGBoosterPredictFromCSR");
    });
  }

  /// In-place prediction on float64 rows (XGBoosterPredictFromDense with a "<f8" array):
  /// value or margin only.
  prediction predict_dense_f64(const double* X, std::size_t n_rows, std::size_t n_cols,
                               float missing = std::numeric_limits<float>::quiet_NaN(),
                               pred_type type = pred_type::value) const {
    const std::string ai = detail::array_interface(X, n_rows, n_cols);
    const std::string cfg = detail::predict_config(type, 0, 0, false, false) +
                            ", \"missing\": " + detail::json_float(missing) + ", \"cache_id\": 0}";
    return detail::collect([&](const bst_ulong** shape, bst_ulong* dim, const float** result) {
      detail::check(
          XGBoosterPredictFromDense(handle_, ai.c_str(), cfg.c_str(), nullptr, shape, dim, result),
          "XGBoosterPredictFromDense");
    });
  }

  /// Prediction through a DMatrix (XGBoosterPredictFromDMatrix). This is XGBoost's main
  /// path (what Python's Booster.predict(DMatrix) uses) and the reference for DART margins
  /// (see predict_dense). Threads come from the booster's `nthread` param. Predicting on
  /// the training matrix uses XGBoost's prediction cache; results were bit-identical to a
  /// fresh dmatrix of the same data in all trials. `training` = true applies DART dropout
  /// (only for custom-objective style use; never the reference).
  prediction predict_dmatrix(const dmatrix& d, pred_type type = pred_type::value,
                             int iteration_begin = 0, int iteration_end = 0,
                             bool strict_shape = false, bool training = false) const {
    const std::string cfg =
        detail::predict_config(type, iteration_begin, iteration_end, strict_shape, training) + "}";
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* result = nullptr;
    detail::check(
        XGBoosterPredictFromDMatrix(handle_, d.handle(), cfg.c_str(), &shape, &dim, &result),
        "XGBoosterPredictFromDMatrix");
    return detail::copy_prediction(shape, dim, result);
  }

  /// "feature_type" / "feature_name" stored on the booster (empty when never set).
  std::vector<std::string> get_str_info(const char* field) const {
    bst_ulong n = 0;
    const char** out = nullptr;
    detail::check(XGBoosterGetStrFeatureInfo(handle_, field, &n, &out),
                  "XGBoosterGetStrFeatureInfo");
    return std::vector<std::string>(out, out + n);
  }
  booster& set_str_info(const char* field, const std::vector<std::string>& v) {
    std::vector<const char*> ptrs;
    ptrs.reserve(v.size());
    for (const auto& s : v) ptrs.push_back(s.c_str());
    detail::check(XGBoosterSetStrFeatureInfo(handle_, field, ptrs.data(), ptrs.size()),
                  "XGBoosterSetStrFeatureInfo");
    return *this;
  }

 private:
  std::vector<char> save_buffer(const char* cfg) const {
    bst_ulong len = 0;
    const char* out = nullptr;
    detail::check(XGBoosterSaveModelToBuffer(handle_, cfg, &len, &out),
                  "XGBoosterSaveModelToBuffer");
    return std::vector<char>(out, out + len);
  }
  /// Copies feature names/types from `d` when the booster has none yet (Python does the
  /// same), so the saved model records which features are categorical.
  void adopt_feature_info(const dmatrix& d) {
    for (const char* field : {"feature_type", "feature_name"}) {
      if (!get_str_info(field).empty()) continue;
      const auto v = d.get_str_info(field);
      if (!v.empty()) set_str_info(field, v);
    }
  }
  void free_handle() noexcept {
    if (handle_) XGBoosterFree(handle_);
    handle_ = nullptr;
  }

  BoosterHandle handle_ = nullptr;
};

/// Free-function forms of the two prediction paths.
inline prediction predict_dense(const booster& b, const float* X, std::size_t n_rows,
                                std::size_t n_cols,
                                float missing = std::numeric_limits<float>::quiet_NaN(),
                                pred_type type = pred_type::value, int iteration_begin = 0,
                                int iteration_end = 0, int nthread = 0,
                                bool strict_shape = false) {
  return b.predict_dense(X, n_rows, n_cols, missing, type, iteration_begin, iteration_end,
                         nthread, strict_shape);
}
inline prediction predict_dmatrix(const booster& b, const dmatrix& d,
                                  pred_type type = pred_type::value, int iteration_begin = 0,
                                  int iteration_end = 0, bool strict_shape = false) {
  return b.predict_dmatrix(d, type, iteration_begin, iteration_end, strict_shape);
}

// ---------------------------------------------------------------------------------------
// Deterministic random data
// ---------------------------------------------------------------------------------------

/// Deterministic random numbers. std::mt19937_64's output sequence is fixed by the C++
/// standard; everything on top of it is implemented here with plain IEEE arithmetic (no
/// std::*_distribution, whose algorithms are implementation-defined, and no libm
/// transcendental calls), so a seed gives the same data with any standard library.
/// (Bit-identity still assumes the same floating-point evaluation, e.g. no
/// -ffast-math; FMA contraction can only perturb the last bits of generated values.)
class rng {
 public:
  explicit rng(std::uint64_t seed) : gen_(seed) {}
  std::uint64_t next() { return gen_(); }
  /// Uniform in [0, 1), 53 random bits.
  double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n), unbiased (rejection).
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                                std::numeric_limits<std::uint64_t>::max() % n;
    std::uint64_t x;
    do x = gen_(); while (x >= limit);
    return x % n;
  }
  bool bernoulli(double p) { return uniform() < p; }
  /// Approximately standard normal: Irwin-Hall sum of 12 uniforms minus 6 (mean 0,
  /// variance 1, bounded to [-6, 6]).
  double normal() {
    double s = 0;
    for (int i = 0; i < 12; ++i) s += uniform();
    return s - 6.0;
  }

 private:
  std::mt19937_64 gen_;
};

/// A categorical column: values are integers 0 .. cardinality-1 stored as floats.
struct categorical_column {
  int column;
  int cardinality;
};

enum class task_kind {
  regression,  ///< real y = 3*s + noise (reg:squarederror, reg:pseudohubererror, ...)
  binary,      ///< y in {0, 1} (binary:logistic, binary:hinge, ...)
  multiclass,  ///< y in {0 .. K-1} (multi:softprob / multi:softmax with num_class = K)
  ranking,     ///< relevance 0..4 with query groups (rank:pairwise / ndcg / map)
  survival,    ///< times with right censoring: y (Cox sign convention) + bounds (AFT)
  count,       ///< y in {0 .. 20} (count:poisson, reg:tweedie). XGBoost 1.7 starts from
               ///< base_score 0.5: with Poisson's max_delta_step = 0.7 the first trees are
               ///< single leaves unless base_score is set near mean(y).
  positive,    ///< y > 0 continuous (reg:gamma, reg:tweedie, reg:squaredlogerror)
};

/// What the labels look like. Use the factories: task::multiclass(3), ...
struct task {
  task_kind kind = task_kind::regression;
  int num_class = 1;  ///< K for multiclass, 1 otherwise

  static task regression() { return {task_kind::regression, 1}; }
  static task binary() { return {task_kind::binary, 1}; }
  static task multiclass(int k) { return {task_kind::multiclass, k}; }
  static task ranking() { return {task_kind::ranking, 1}; }
  static task survival() { return {task_kind::survival, 1}; }
  static task count() { return {task_kind::count, 1}; }
  static task positive() { return {task_kind::positive, 1}; }
};

/// A generated data set. X is row-major rows x cols with NaN for missing.
struct dataset {
  std::vector<float> X;
  std::vector<float> y;
  std::size_t rows = 0, cols = 0;
  /// "q" or "c" per column (for dmatrix::set_feature_types).
  std::vector<std::string> feature_types;
  /// ranking only: query group sizes (sum = rows), consecutive rows.
  std::vector<unsigned> group;
  /// survival only: AFT bounds; right-censored rows have y_upper = +inf. `y` holds the
  /// time, negated for censored rows (survival:cox convention).
  std::vector<float> y_lower, y_upper;
  task t;

  bool has_categorical() const {
    for (const auto& s : feature_types)
      if (s == "c") return true;
    return false;
  }
};

namespace detail {

/// A hidden random function of one row: weighted per-column effects (linear or a step at
/// a random threshold, alternating), one interaction x0*x1, a per-category effect table
/// for categorical columns and a per-column effect for missing values. Normalised so the
/// score has roughly unit scale.
struct hidden_score {
  std::vector<double> weight, threshold, missing_effect;
  std::vector<std::vector<double>> category_effect;  // empty for numeric columns
  double interaction = 0, scale = 1;

  hidden_score(rng& r, std::size_t cols, const std::vector<int>& cardinality) {
    double sum_sq = 0;
    for (std::size_t j = 0; j < cols; ++j) {
      const double w = r.normal() / (1.0 + 0.3 * static_cast<double>(j));
      weight.push_back(w);
      threshold.push_back(r.uniform(-1.0, 1.0));
      missing_effect.push_back(r.normal());
      std::vector<double> eff;
      for (int k = 0; k < cardinality[j]; ++k) eff.push_back(r.normal());
      category_effect.push_back(std::move(eff));
      sum_sq += w * w;
    }
    interaction = cols >= 2 ? r.normal() * 0.5 : 0.0;
    scale = 1.0 / std::sqrt(sum_sq + interaction * interaction + 1e-12);
  }

  double operator()(const float* x) const {
    double s = 0;
    for (std::size_t j = 0; j < weight.size(); ++j) {
      const float v = x[j];
      double h;
      if (std::isnan(v)) {
        h = missing_effect[j];
      } else if (!category_effect[j].empty()) {
        h = category_effect[j][static_cast<std::size_t>(v)];
      } else if (j % 2 == 0) {
        h = v;
      } else {
        h = v > threshold[j] ? 1.0 : -1.0;
      }
      s += weight[j] * h;
    }
    if (weight.size() >= 2 && !std::isnan(x[0]) && !std::isnan(x[1]) &&
        category_effect[0].empty() && category_effect[1].empty()) {
      s += interaction * x[0] * x[1];
    }
    return s * scale;
  }
};

}  // namespace detail

/**
 * Deterministic synthetic data whose labels depend on the features (so trees split).
 *
 * Numeric column j is drawn by kind j % 4:
 *   0: uniform in [-2, 2);  1: approx. normal * 1.5;
 *   2: quantized to multiples of 0.25 in [-2, 2] (many ties: values land exactly on
 *      split thresholds, exercising the "x < threshold" boundary);
 *   3: skewed positive, 10 * u^2 in [0, 10).
 * Categorical columns (listed in `categorical`) hold integers 0..cardinality-1.
 * Each cell is independently NaN with probability `nan_rate` (categorical cells too).
 *
 * Labels come from a hidden score s(x) of unit scale (see detail::hidden_score), with
 * missing values having their own per-column effect:
 *   regression: 3 s + 0.3 N;  binary: [s + 0.5 N > 0];
 *   multiclass(K): argmax_k (s_k + 0.5 N) with K independent hidden scores;
 *   ranking: groups of 5..20 consecutive rows, relevance clamp(floor(s + 0.5 N + 2), 0, 4);
 *   survival: t = max(0.1, (s + 6)^2 / 4) * U(0.75, 1.25); 30% right-censored at
 *     t * U(0.3, 1);
 *   count: Binomial(20, 0.5 + 0.45 s / (1 + |s|));
 *   positive: max(0.05, (s + 6)^2 / 8 * U(0.8, 1.2)).
 * The same (seed, rows, cols, nan_rate, categorical, task) always gives the same data.
 */
inline dataset make_dataset(std::uint64_t seed, std::size_t rows, std::size_t cols,
                            double nan_rate = 0.0,
                            const std::vector<categorical_column>& categorical = {},
                            task t = task::regression()) {
  if (cols == 0) throw std::runtime_error("make_dataset: cols must be > 0");
  if (t.kind == task_kind::multiclass && t.num_class < 2) {
    throw std::runtime_error("make_dataset: multiclass needs num_class >= 2");
  }
  std::vector<int> cardinality(cols, 0);
  for (const auto& c : categorical) {
    if (c.column < 0 || static_cast<std::size_t>(c.column) >= cols || c.cardinality < 1) {
      throw std::runtime_error("make_dataset: bad categorical column spec");
    }
    cardinality[static_cast<std::size_t>(c.column)] = c.cardinality;
  }

  rng r(seed);
  rng label_rng(seed ^ 0x9E3779B97F4A7C15ull);
  dataset d;
  d.rows = rows;
  d.cols = cols;
  d.t = t;
  for (std::size_t j = 0; j < cols; ++j) d.feature_types.push_back(cardinality[j] ? "c" : "q");

  const int n_scores = t.kind == task_kind::multiclass ? t.num_class : 1;
  std::vector<detail::hidden_score> scores;
  for (int k = 0; k < n_scores; ++k) scores.emplace_back(label_rng, cols, cardinality);

  // Features. Every cell consumes the same number of draws whatever its fate.
  d.X.resize(rows * cols);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      double v;
      if (cardinality[j]) {
        v = static_cast<double>(r.below(static_cast<std::uint64_t>(cardinality[j])));
      } else {
        switch (j % 4) {
          case 0: v = r.uniform(-2.0, 2.0); break;
          case 1: v = r.normal() * 1.5; break;
          case 2: v = static_cast<double>(r.below(17)) * 0.25 - 2.0; break;
          default: { const double u = r.uniform(); v = 10.0 * u * u; } break;
        }
      }
      const bool is_nan = r.bernoulli(nan_rate);
      d.X[i * cols + j] = is_nan ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(v);
    }
  }

  // Labels.
  d.y.resize(rows);
  if (t.kind == task_kind::survival) {
    d.y_lower.resize(rows);
    d.y_upper.resize(rows);
  }
  for (std::size_t i = 0; i < rows; ++i) {
    const float* x = &d.X[i * cols];
    const double s = scores[0](x);
    double y = 0;
    switch (t.kind) {
      case task_kind::regression: y = 3.0 * s + 0.3 * label_rng.normal(); break;
      case task_kind::binary: y = (s + 0.5 * label_rng.normal() > 0) ? 1.0 : 0.0; break;
      case task_kind::multiclass: {
        int best = 0;
        double best_v = -1e300;
        for (int k = 0; k < n_scores; ++k) {
          const double v = scores[static_cast<std::size_t>(k)](x) + 0.5 * label_rng.normal();
          if (v > best_v) { best_v = v; best = k; }
        }
        y = best;
      } break;
      case task_kind::ranking: {
        double rel = std::floor(s + 0.5 * label_rng.normal() + 2.0);
        y = rel < 0 ? 0 : (rel > 4 ? 4 : rel);
      } break;
      case task_kind::survival: {
        double base = (s + 6.0) * (s + 6.0) / 4.0;
        if (base < 0.1) base = 0.1;
        const double time = base * label_rng.uniform(0.75, 1.25);
        const bool censored = label_rng.bernoulli(0.3);
        const double c = time * label_rng.uniform(0.3, 1.0);
        if (censored) {
          d.y_lower[i] = static_cast<float>(c);
          d.y_upper[i] = std::numeric_limits<float>::infinity();
          y = -static_cast<double>(static_cast<float>(c));
        } else {
          d.y_lower[i] = d.y_upper[i] = static_cast<float>(time);
          y = static_cast<float>(time);
        }
      } break;
      case task_kind::count: {
        const double p = 0.5 + 0.45 * s / (1.0 + std::fabs(s));
        int n = 0;
        for (int k = 0; k < 20; ++k) n += label_rng.bernoulli(p) ? 1 : 0;
        y = n;
      } break;
      case task_kind::positive: {
        y = (s + 6.0) * (s + 6.0) / 8.0 * label_rng.uniform(0.8, 1.2);
        if (y < 0.05) y = 0.05;
      } break;
    }
    d.y[i] = static_cast<float>(y);
  }

  if (t.kind == task_kind::ranking) {
    std::size_t left = rows;
    while (left > 0) {
      std::size_t g = 5 + static_cast<std::size_t>(label_rng.below(16));
      if (g > left) g = left;
      d.group.push_back(static_cast<unsigned>(g));
      left -= g;
    }
  }
  return d;
}

/// A dmatrix holding `d`'s features (NaN = missing), feature types when any column is
/// categorical, and, if `with_labels`, its labels, query groups and survival bounds.
inline dmatrix make_dmatrix(const dataset& d, bool with_labels = true) {
  dmatrix m(d.X, d.rows, d.cols, std::numeric_limits<float>::quiet_NaN());
  if (d.has_categorical()) m.set_feature_types(d.feature_types);
  if (with_labels) {
    m.set_labels(d.y);
    if (!d.group.empty()) m.set_group(d.group);
    if (!d.y_lower.empty()) m.set_label_bounds(d.y_lower, d.y_upper);
  }
  return m;
}

}  // namespace grove_test
