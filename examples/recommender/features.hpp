#pragma once
// The ranking model's rows: user features, then item features, then cross features computed from
// both. make_model.py computes the same features the same way for training; a change here must
// be made there too (and the model retrained), or the model scores rows it never saw.

#include <cstddef>

namespace recommender {

constexpr std::size_t taste_dims = 4;
constexpr std::size_t user_features =
    8;  // taste[4], price level, activity, age, favourite category
constexpr std::size_t item_features = 8;   // style[4], price, popularity, age in days, category
constexpr std::size_t cross_features = 3;  // taste match, price ratio, favourite category
constexpr std::size_t row_features = user_features + item_features + cross_features;

/// Writes one row per candidate item to `out` (n * row_features floats).
inline void build_rows(const float* user, const float* items, std::size_t n, float* out) {
  constexpr std::size_t price_level = 4, favourite_category = 7;  // user columns
  constexpr std::size_t price = 4, category = 7;                  // item columns
  for (std::size_t i = 0; i < n; ++i) {
    const float* item = items + i * item_features;
    float* row = out + i * row_features;
    for (std::size_t c = 0; c < user_features; ++c) row[c] = user[c];
    for (std::size_t c = 0; c < item_features; ++c) row[user_features + c] = item[c];
    float taste = 0;
    for (std::size_t j = 0; j < taste_dims; ++j) taste += user[j] * item[j];
    float* cross = row + user_features + item_features;
    cross[0] = taste;
    cross[1] = item[price] / (user[price_level] + 1.0f);
    cross[2] = item[category] == user[favourite_category] ? 1.0f : 0.0f;
  }
}

}  // namespace recommender
