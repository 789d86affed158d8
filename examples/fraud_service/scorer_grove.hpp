#pragma once
// The service's predictor: grove. scorer_xgboost.hpp has the same interface over XGBoost's C API
// (built with -DGROVE_EXAMPLES_WITH_XGBOOST=ON as grove-fraud-service-xgboost).

#include <cstddef>
#include <grove/grove.hpp>
#include <string>
#include <vector>

namespace fraud {

class scorer {
 public:
  static constexpr const char* backend = "grove";

  /// Loads the model and builds everything the first request would otherwise build (the SHAP
  /// tables), so a reload swaps in a model that is ready. Throws grove::error.
  scorer(const std::string& bytes, const std::string& name)
      : predictor_(grove::load_from_memory(bytes.data(), bytes.size(), {}, name)) {
    try {
      predictor_.prepare_contributions();
    } catch (const grove::error& e) {
      cannot_explain_ = e.what();  // no covers in the file, or vector leaves: scores only
    }
  }

  std::size_t num_feature() const { return predictor_.num_feature(); }
  const std::vector<std::string>& feature_names() const {
    return predictor_.get_model().feature_names();
  }
  /// Values per row: 1 for a binary model (the probability).
  std::size_t output_width() const { return predictor_.output_width(); }
  /// Why explanations are unavailable; empty when they are.
  const std::string& cannot_explain() const { return cannot_explain_; }

  /// Writes n * output_width() values. One thread: the server runs requests in parallel.
  void predict(const float* x, std::size_t n, float* out) const {
    predictor_.predict(grove::rows(x, n, num_feature()), out, n * output_width(), one_thread());
  }

  /// SHAP contributions, per row and output: num_feature() values then the bias.
  std::vector<float> contributions(const float* x, std::size_t n) const {
    grove::predict_options options = one_thread();
    options.kind = grove::output::contribs;
    return predictor_.predict(grove::rows(x, n, num_feature()), options);
  }

 private:
  static grove::predict_options one_thread() {
    grove::predict_options options;
    options.threads = 1;
    return options;
  }

  grove::predictor predictor_;
  std::string cannot_explain_;
};

}  // namespace fraud
