#pragma once
// A request's candidate items: each one's dense features and its tags, the tags of all items in
// one array (CSR-like), so that a request of 10,000 items is three arrays, not 10,000 vectors.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace recommender {

constexpr std::size_t item_features = 8;  // style[4], price, popularity, age in days, category
constexpr std::size_t num_tags = 1000;    // the tag vocabulary: ids 0 .. num_tags - 1

struct candidates {
  std::vector<float> features;                 ///< item_features floats per item
  std::vector<std::uint32_t> tag_start = {0};  ///< item i's tags: tags[tag_start[i], tag_start[i+1])
  std::vector<std::uint32_t> tags;             ///< increasing within an item

  std::size_t size() const { return tag_start.size() - 1; }

  /// Appends an item: item_features floats, and its tag ids (below num_tags) in any order; a
  /// repeated tag counts once.
  void add(const float* item, std::vector<std::uint32_t> item_tags) {
    std::sort(item_tags.begin(), item_tags.end());
    item_tags.erase(std::unique(item_tags.begin(), item_tags.end()), item_tags.end());
    features.insert(features.end(), item, item + item_features);
    tags.insert(tags.end(), item_tags.begin(), item_tags.end());
    tag_start.push_back(static_cast<std::uint32_t>(tags.size()));
  }
};

}  // namespace recommender
