#pragma once
// A small owner of an XGBoost booster (XGBoost's C API), for the examples that compare grove with
// XGBoost on the same request path. Only what they need: load, shape, value predictions on dense
// or CSR rows and SHAP contributions. Failures throw std::runtime_error carrying XGBGetLastError().

#include <xgboost/c_api.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace examples {

class xgboost_booster {
 public:
  /// Loads a model saved by XGBoost (JSON or UBJSON bytes). `threads` is XGBoost's nthread for
  /// every prediction on this booster (0: all cores).
  xgboost_booster(const std::string& bytes, int threads) {
    check(XGBoosterCreate(nullptr, 0, &handle_), "XGBoosterCreate");
    try {
      check(XGBoosterLoadModelFromBuffer(handle_, bytes.data(), bytes.size()),
            "XGBoosterLoadModelFromBuffer");
      check(XGBoosterSetParam(handle_, "nthread", std::to_string(threads).c_str()),
            "XGBoosterSetParam");
      bst_ulong n = 0;
      check(XGBoosterGetNumFeature(handle_, &n), "XGBoosterGetNumFeature");
      num_feature_ = static_cast<std::size_t>(n);
      feature_names_ = string_info("feature_name");
    } catch (...) {
      XGBoosterFree(handle_);
      throw;
    }
  }
  ~xgboost_booster() { XGBoosterFree(handle_); }
  xgboost_booster(const xgboost_booster&) = delete;
  xgboost_booster& operator=(const xgboost_booster&) = delete;

  std::size_t num_feature() const { return num_feature_; }
  /// Empty when the model was trained without names.
  const std::vector<std::string>& feature_names() const { return feature_names_; }

  /// XGBoost's predict() (in-place, no DMatrix) on `n` dense rows of num_feature() floats, NaN
  /// missing. Returns the values row after row; `width` receives the values per row.
  std::vector<float> predict(const float* x, std::size_t n, std::size_t* width = nullptr) const {
    const std::string array = array_interface(x, n, num_feature_);
    return result(n, width, [&](const bst_ulong** shape, bst_ulong* dim, const float** out) {
      return XGBoosterPredictFromDense(handle_, array.c_str(), in_place_config, nullptr, shape,
                                       dim, out);
    });
  }

  /// The same (XGBoosterPredictFromCSR) on `n` sparse rows: row r's entries are
  /// [row_start[r], row_start[r + 1]) of `column` and `value` (row_start[0] = 0); an absent
  /// column is missing.
  std::vector<float> predict_csr(const std::uint64_t* row_start, const std::uint32_t* column,
                                 const float* value, std::size_t n) const {
    const std::size_t entries = static_cast<std::size_t>(row_start[n]);
    const std::string indptr = array_interface(row_start, n + 1),
                      indices = array_interface(column, entries),
                      values = array_interface(value, entries);
    return result(n, nullptr, [&](const bst_ulong** shape, bst_ulong* dim, const float** out) {
      return XGBoosterPredictFromCSR(handle_, indptr.c_str(), indices.c_str(), values.c_str(),
                                     num_feature_, in_place_config, nullptr, shape, dim, out);
    });
  }

  /// XGBoost's pred_contribs=True through a DMatrix: per row and output, num_feature()
  /// contributions then the bias.
  std::vector<float> contributions(const float* x, std::size_t n) const {
    const std::string array = array_interface(x, n, num_feature_);
    DMatrixHandle matrix = nullptr;
    check(XGDMatrixCreateFromDense(array.c_str(), R"({"missing": NaN, "nthread": 1})", &matrix),
          "XGDMatrixCreateFromDense");
    const char* config =
        R"({"type": 2, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
        R"( "strict_shape": false})";
    try {
      std::vector<float> out =
          result(n, nullptr, [&](const bst_ulong** shape, bst_ulong* dim, const float** values) {
            return XGBoosterPredictFromDMatrix(handle_, matrix, config, shape, dim, values);
          });
      XGDMatrixFree(matrix);
      return out;
    } catch (...) {
      XGDMatrixFree(matrix);
      throw;
    }
  }

 private:
  static void check(int status, const char* call) {
    if (status != 0) throw std::runtime_error(std::string(call) + ": " + XGBGetLastError());
  }

  /// Value predictions in place (no DMatrix), NaN missing.
  static constexpr const char* in_place_config =
      R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0,)"
      R"( "strict_shape": false, "missing": NaN, "cache_id": 0})";

  /// An `__array_interface__` of n values (n x cols when cols is not 0) that XGBoost reads in
  /// place.
  template <class T>
  static std::string array_interface(const T* x, std::size_t n, std::size_t cols = 0) {
    static_assert(sizeof(T) == 4 || sizeof(T) == 8, "32- or 64-bit values");
    const char kind = std::is_floating_point_v<T> ? 'f' : std::is_signed_v<T> ? 'i' : 'u';
    return R"({"data": [)" + std::to_string(reinterpret_cast<std::uintptr_t>(x)) +
           R"(, true], "shape": [)" + std::to_string(n) +
           (cols ? ", " + std::to_string(cols) : std::string()) + R"(], "typestr": "<)" + kind +
           std::to_string(sizeof(T)) + R"(", "version": 3})";
  }

  /// Runs a prediction call and copies its result (XGBoost's buffer is reused by the next call
  /// on this thread).
  template <class Call>
  static std::vector<float> result(std::size_t n, std::size_t* width, Call call) {
    const bst_ulong* shape = nullptr;
    bst_ulong dim = 0;
    const float* values = nullptr;
    check(call(&shape, &dim, &values), "XGBoosterPredict");
    std::size_t size = 1;
    for (bst_ulong d = 0; d < dim; ++d) size *= static_cast<std::size_t>(shape[d]);
    if (width) *width = n == 0 ? 0 : size / n;
    return std::vector<float>(values, values + size);
  }

  std::vector<std::string> string_info(const char* field) const {
    bst_ulong count = 0;
    const char** names = nullptr;
    check(XGBoosterGetStrFeatureInfo(handle_, field, &count, &names), "XGBoosterGetStrFeatureInfo");
    return std::vector<std::string>(names, names + count);
  }

  BoosterHandle handle_ = nullptr;
  std::size_t num_feature_ = 0;
  std::vector<std::string> feature_names_;
};

}  // namespace examples
