#pragma once
/// @file
/// Upper bounds on what a model may declare. Loaders check them before allocating, so a corrupt
/// or hostile file is refused with a clear error instead of exhausting memory.

#include <cstdint>

namespace grove::ir {

struct limits {
  std::int64_t max_features = std::int64_t{1} << 24;     ///< input columns
  std::int64_t max_outputs = 1 << 12;                      ///< classes / targets (<= the predictor's stack scratch)
  std::int64_t max_trees = std::int64_t{1} << 22;          ///< trees in one model
  std::int64_t max_nodes_per_tree = std::int64_t{1} << 24; ///< nodes in one tree
  std::int64_t max_total_nodes = std::int64_t{1} << 28;    ///< nodes over all trees
  std::int64_t max_depth = 1 << 12;                        ///< longest root-to-leaf path
  std::int64_t max_category = (1 << 24) - 1;               ///< largest category code in a set
};

}  // namespace grove::ir
