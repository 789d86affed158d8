#pragma once
/// @file
/// What a caller may tell the loaders.

#include <cstdint>
#include <optional>
#include <string>

#include "grove/ir/limits.hpp"

namespace grove {

struct load_options {
  /// Objective for formats that do not store one (dump_model JSON); required there.
  /// For a saved model it must be empty or equal to the stored objective.
  std::string objective;
  /// Intercept in prediction space for dumps (XGBoost's base_score); required there.
  std::optional<float> base_score;
  /// Number of classes for a multi-class dump (trees then take turns over the classes).
  std::int64_t num_class = 0;
  /// Input width for dumps; default: one past the largest feature index used.
  std::int64_t num_feature = 0;
  /// Refuse models that declare more than this.
  ir::limits limits;
};

}  // namespace grove
