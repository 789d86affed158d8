#pragma once
// Ranks a user's candidate items with grove: builds the sparse rows, scores them in one call,
// keeps the top k.

#include <cstddef>
#include <grove/grove.hpp>
#include <string>
#include <vector>

#include "../common/top_k.hpp"
#include "features.hpp"

namespace recommender {

struct scored_item {
  std::size_t item;  ///< index among the request's candidates
  float score;
};

/// Buffers reused from one request to the next (one per thread), so a request allocates
/// nothing once they have grown to the largest candidate count seen.
struct workspace {
  sparse_rows rows;
  std::vector<float> scores;
};

/// The best k of scores[0..n), best first.
inline std::vector<scored_item> best(const float* scores, std::size_t n, std::size_t k) {
  std::vector<scored_item> out;
  for (std::size_t i : examples::top_k(n, k, [scores](std::size_t a, std::size_t b) {
         return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
       }))
    out.push_back({i, scores[i]});
  return out;
}

class ranker {
 public:
  /// `threads`: grove's threads per request (0: grove chooses by batch size).
  ranker(grove::model model, std::size_t threads) : predictor_(std::move(model)) {
    if (predictor_.num_feature() != row_features || predictor_.output_width() != 1)
      throw grove::error(grove::error_code::shape, "ranker",
                         "the model takes " + std::to_string(predictor_.num_feature()) +
                             " features and gives " + std::to_string(predictor_.output_width()) +
                             " values per row; rows here have " + std::to_string(row_features) +
                             " features and get one score");
    options_.threads = threads;
  }

  /// `user`: user_features floats.
  std::vector<scored_item> rank(const float* user, const candidates& items, std::size_t k,
                                workspace& w) const {
    const std::size_t n = items.size();
    w.scores.resize(n);
    build_rows(user, items, w.rows);
    predictor_.predict(w.rows.view(), w.scores.data(), n, options_);
    return best(w.scores.data(), n, k);
  }

 private:
  grove::predictor predictor_;
  grove::predict_options options_;
};

}  // namespace recommender
