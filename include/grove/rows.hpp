#pragma once
/// @file
/// A read-only view of input rows: dense, row-major float32.

#include <cstddef>
#include <limits>

namespace grove {

/// The default missing value: NaN.
inline constexpr float missing_value = std::numeric_limits<float>::quiet_NaN();

/**
 * num_rows rows of num_cols float32 values each; row r starts at data + r * stride
 * (stride defaults to num_cols). Columns past the model's feature count are ignored; fewer
 * columns than the model needs is an error.
 */
struct rows {
  const float* data = nullptr;
  std::size_t num_rows = 0;
  std::size_t num_cols = 0;
  std::size_t stride = 0;

  rows() = default;
  rows(const float* d, std::size_t n_rows, std::size_t n_cols, std::size_t row_stride = 0)
      : data(d), num_rows(n_rows), num_cols(n_cols), stride(row_stride ? row_stride : n_cols) {}

  const float* row(std::size_t r) const noexcept { return data + r * stride; }
};

}  // namespace grove
