#pragma once
// The ranking model's rows, sparse: user features, the item's dense features, cross features
// computed from both, then one column per tag of the vocabulary (1 where the item has the tag).
// An item has a few of the 1,000 tags, so a row is about 20 stored values out of 1,019 columns:
// compressed sparse rows (grove::csr_rows), where an absent column is missing. make_model.py
// builds the same rows the same way for training; a change here must be made there too (and the
// model retrained), or the model scores rows it never saw.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <grove/rows.hpp>
#include <vector>

#include "candidates.hpp"

namespace recommender {

constexpr std::size_t taste_dims = 4;
constexpr std::size_t user_features =
    8;  // taste[4], price level, activity, age, favourite category
constexpr std::size_t cross_features = 3;  // taste match, price ratio, favourite category
constexpr std::size_t first_tag_column = user_features + item_features + cross_features;
constexpr std::size_t row_features = first_tag_column + num_tags;

/// One row per candidate in CSR arrays; cleared and refilled by each request, so their capacity
/// is reused and a request allocates nothing once they have grown to the largest seen.
struct sparse_rows {
  std::vector<std::uint64_t> row_start;  ///< row r: entries [row_start[r], row_start[r + 1])
  std::vector<std::uint32_t> column;
  std::vector<float> value;

  std::size_t num_rows() const { return row_start.empty() ? 0 : row_start.size() - 1; }
  grove::csr_rows view() const {
    return grove::csr_rows(row_start.data(), column.data(), value.data(), num_rows(),
                           row_features, value.size());
  }
};

/// Writes one row per candidate item to `out`. A NaN (missing) dense value is left out, as a tag
/// the item lacks is; zeros are stored (zero is a value, absence is missing).
inline void build_rows(const float* user, const candidates& items, sparse_rows& out) {
  constexpr std::size_t price_level = 4, favourite_category = 7;  // user columns
  constexpr std::size_t price = 4, category = 7;                  // item columns
  out.row_start.assign(1, 0);
  out.column.clear();
  out.value.clear();
  const auto put = [&out](std::size_t column, float value) {
    if (std::isnan(value)) return;
    out.column.push_back(static_cast<std::uint32_t>(column));
    out.value.push_back(value);
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    const float* item = items.features.data() + i * item_features;
    for (std::size_t c = 0; c < user_features; ++c) put(c, user[c]);
    for (std::size_t c = 0; c < item_features; ++c) put(user_features + c, item[c]);
    float taste = 0;
    for (std::size_t j = 0; j < taste_dims; ++j) taste += user[j] * item[j];
    constexpr std::size_t cross = user_features + item_features;
    put(cross, taste);
    put(cross + 1, item[price] / (user[price_level] + 1.0f));
    put(cross + 2, item[category] == user[favourite_category] ? 1.0f : 0.0f);
    for (std::uint32_t t = items.tag_start[i]; t < items.tag_start[i + 1]; ++t)
      put(first_tag_column + items.tags[t], 1.0f);
    out.row_start.push_back(out.column.size());
  }
}

}  // namespace recommender
