#pragma once
// POST /v1/score: the reply. Scores are written as the shortest decimal that reads back to the same
// float32, so a client gets exactly what the model computed.
//
//   {"scores": [0.0153, ...],                       one value per row (a list per row for a model
//                                                   with several outputs)
//    "reasons": [[{"feature": "amount", "contribution": 0.41}, ...], ...],    when explain > 0
//    "model": {"version": 3, "hash": "..."}}        which model answered

#include <charconv>
#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../common/top_k.hpp"
#include "model_holder.hpp"

namespace fraud {

inline void append_float(std::string& out, float v) {
  if (!std::isfinite(v)) {  // JSON has no NaN or infinity
    out += "null";
    return;
  }
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, v).ptr;
  out.append(text, end);
}

/// The k features with the largest |contribution|, largest first (ties: lower column first).
/// `contributions` holds one output's num_feature values (the bias after them is not a reason).
inline std::vector<std::size_t> top_reasons(const float* contributions, std::size_t num_feature,
                                            std::size_t k) {
  return examples::top_k(num_feature, k, [contributions](std::size_t a, std::size_t b) {
    const float ma = std::fabs(contributions[a]), mb = std::fabs(contributions[b]);
    return ma != mb ? ma > mb : a < b;
  });
}

class score_reply {
 public:
  explicit score_reply(const served_model& model) : model_(model) {}

  /// num_rows rows of `width` values each.
  void scores(const float* values, std::size_t num_rows, std::size_t width) {
    out_ += "{\"scores\":[";
    for (std::size_t r = 0; r < num_rows; ++r) {
      if (r) out_ += ',';
      if (width != 1) out_ += '[';
      for (std::size_t k = 0; k < width; ++k) {
        if (k) out_ += ',';
        append_float(out_, values[r * width + k]);
      }
      if (width != 1) out_ += ']';
    }
    out_ += ']';
  }

  /// SHAP contributions laid out [row][output][num_feature + 1]: the k largest per row (per row
  /// and output for a model with several outputs).
  void reasons(const std::vector<float>& contributions, std::size_t num_rows, std::size_t k) {
    const std::size_t block = model_.names.size() + 1;
    const std::size_t outputs = num_rows ? contributions.size() / (num_rows * block) : 0;
    out_ += ",\"reasons\":[";
    for (std::size_t r = 0; r < num_rows; ++r) {
      if (r) out_ += ',';
      if (outputs != 1) out_ += '[';
      for (std::size_t g = 0; g < outputs; ++g) {
        if (g) out_ += ',';
        const float* c = contributions.data() + (r * outputs + g) * block;
        out_ += '[';
        const std::vector<std::size_t> top = top_reasons(c, block - 1, k);
        for (std::size_t i = 0; i < top.size(); ++i) {
          out_ += i ? ",{\"feature\":" : "{\"feature\":";
          out_ += nlohmann::json(model_.names[top[i]]).dump();
          out_ += ",\"contribution\":";
          append_float(out_, c[top[i]]);
          out_ += '}';
        }
        out_ += ']';
      }
      if (outputs != 1) out_ += ']';
    }
    out_ += ']';
  }

  std::string finish() {
    out_ += ",\"model\":{\"version\":" + std::to_string(model_.version) + ",\"hash\":\"" +
            model_.hash + "\"}}";
    return std::move(out_);
  }

 private:
  const served_model& model_;
  std::string out_;
};

}  // namespace fraud
