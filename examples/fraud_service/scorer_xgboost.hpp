#pragma once
// The service's predictor in the comparison build: XGBoost's C API, same interface as
// scorer_grove.hpp.

#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "../common/xgboost_booster.hpp"

namespace fraud {

class scorer {
 public:
  static constexpr const char* backend = "xgboost";

  /// One XGBoost thread per prediction, as grove's build: the server runs requests in parallel.
  scorer(const std::string& bytes, const std::string& /*name*/) : booster_(bytes, 1) {
    const std::vector<float> probe(num_feature(), std::numeric_limits<float>::quiet_NaN());
    booster_.predict(probe.data(), 1, &output_width_);
  }

  std::size_t num_feature() const { return booster_.num_feature(); }
  const std::vector<std::string>& feature_names() const { return booster_.feature_names(); }
  std::size_t output_width() const { return output_width_; }
  const std::string& cannot_explain() const { return cannot_explain_; }

  void predict(const float* x, std::size_t n, float* out) const {
    const std::vector<float> values = booster_.predict(x, n);
    std::copy(values.begin(), values.end(), out);
  }

  std::vector<float> contributions(const float* x, std::size_t n) const {
    return booster_.contributions(x, n);
  }

 private:
  examples::xgboost_booster booster_;
  std::size_t output_width_ = 0;
  std::string cannot_explain_;
};

}  // namespace fraud
