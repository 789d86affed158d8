#pragma once
/// @file
/// grove::model: a loaded, validated, immutable forest, cheap to copy and share between threads.

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grove/io/load.hpp"
#include "grove/io/load_options.hpp"
#include "grove/ir/forest.hpp"

namespace grove {

class model {
 public:
  explicit model(ir::forest f) : forest_(std::make_shared<const ir::forest>(std::move(f))) {}

  const ir::forest& forest() const noexcept { return *forest_; }
  std::size_t num_feature() const noexcept { return static_cast<std::size_t>(forest_->num_feature); }
  std::size_t num_output() const noexcept { return static_cast<std::size_t>(forest_->num_output); }
  std::size_t num_trees() const noexcept { return forest_->num_trees(); }
  std::size_t num_rounds() const noexcept { return forest_->num_rounds(); }
  const std::string& objective() const noexcept { return forest_->obj.name; }
  /// The names XGBoost saved with the model (its feature_names); empty when it was trained
  /// without names, when XGBoost calls the features f0, f1, ...
  const std::vector<std::string>& feature_names() const noexcept { return forest_->feature_names; }

 private:
  std::shared_ptr<const ir::forest> forest_;
};

/**
 * Loads an XGBoost model: save_model JSON or UBJSON (any version from 1.0 to 3.x), or a
 * dump_model JSON (then options.objective and options.base_score are required).
 * The format is recognised from the content, not the file name.
 * @code
 *   grove::model m = grove::load("model.json");
 * @endcode
 */
inline model load(const std::string& path, const load_options& options = {}) {
  return model(io::load_forest_file(path, options));
}

/// Same as load(), from bytes in memory; `name` labels errors.
inline model load_from_memory(const void* data, std::size_t size, const load_options& options = {},
                              const std::string& name = "<memory>") {
  return model(io::load_forest(static_cast<const char*>(data), size, name, options));
}

}  // namespace grove
