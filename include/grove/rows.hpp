#pragma once
/// @file
/// Read-only views of input rows: dense row-major float32 (`rows`) or float64 (`double_rows`),
/// and sparse rows in compressed sparse row form (`csr_rows`).

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace grove {

/// The default missing value: NaN.
inline constexpr float missing_value = std::numeric_limits<float>::quiet_NaN();

/**
 * num_rows rows of num_cols values each, float32 (`rows`) or float64 (`double_rows`); row r
 * starts at data + r * stride (stride defaults to num_cols). Columns past the model's feature
 * count are ignored; fewer columns than the model needs is an error.
 *
 * float64 values are rounded to float32 when they are read, as XGBoost rounds the float64
 * arrays it is given, and then compared with `missing`. Nothing is copied.
 */
template <class value_t>
struct basic_rows {
  const value_t* data = nullptr;
  std::size_t num_rows = 0;
  std::size_t num_cols = 0;
  std::size_t stride = 0;

  basic_rows() = default;
  basic_rows(const value_t* d, std::size_t n_rows, std::size_t n_cols, std::size_t row_stride = 0)
      : data(d), num_rows(n_rows), num_cols(n_cols), stride(row_stride ? row_stride : n_cols) {}

  const value_t* row(std::size_t r) const noexcept { return data + r * stride; }
};

using rows = basic_rows<float>;
using double_rows = basic_rows<double>;

/// Element type of a csr_rows index array.
enum class index_type : unsigned char { i32, i64, u32, u64 };

/**
 * Sparse rows in compressed sparse row form, as scipy.sparse.csr_matrix and XGBoost's
 * XGDMatrixCreateFromCSR hold them: row r's entries are [row_ptr[r], row_ptr[r + 1]) of
 * col_index and values (num_entries long each; row_ptr[0] need not be 0, so a range of a larger
 * matrix's rows is a view too). Within a row the column indices increase strictly and are below
 * num_cols.
 *
 * As in XGBoost, a column a row has no entry for is missing (not zero), and so is an entry that
 * is NaN or equal to the call's `missing`. float64 values are rounded to float32 first. Columns at
 * or past the model's feature count are ignored; num_cols may be below it.
 *
 * Offsets and column indices may be 32- or 64-bit, signed or unsigned (what numpy, scipy and
 * XGBoost's C API use); values float32 or float64. predict() checks the whole view before it
 * writes anything: a row pointer that is negative, decreases or runs past num_entries, a column
 * index that is negative or at or past num_cols, or that does not increase within its row, is a
 * grove::error (invalid_argument) naming the row and the entry.
 */
struct csr_rows {
  const void* row_ptr = nullptr;    ///< num_rows + 1 offsets into col_index and values
  const void* col_index = nullptr;  ///< num_entries column indices
  const void* values = nullptr;     ///< num_entries values, float32 or float64
  index_type row_ptr_type = index_type::u64;
  index_type col_index_type = index_type::u32;
  bool double_values = false;  ///< values are float64
  std::size_t num_rows = 0;
  std::size_t num_cols = 0;
  std::size_t num_entries = 0;

  csr_rows() = default;
  template <class pointer_t, class index_t, class value_t>
  csr_rows(const pointer_t* row_pointers, const index_t* column_indices,
           const value_t* entry_values, std::size_t n_rows, std::size_t n_cols,
           std::size_t n_entries) noexcept
      : row_ptr(row_pointers),
        col_index(column_indices),
        values(entry_values),
        row_ptr_type(type_of<pointer_t>()),
        col_index_type(type_of<index_t>()),
        double_values(std::is_same_v<value_t, double>),
        num_rows(n_rows),
        num_cols(n_cols),
        num_entries(n_entries) {
    static_assert(std::is_same_v<value_t, float> || std::is_same_v<value_t, double>,
                  "csr_rows values are float or double");
  }

 private:
  template <class T>
  static constexpr index_type type_of() noexcept {
    static_assert(
        std::is_integral_v<T> && !std::is_same_v<T, bool> && (sizeof(T) == 4 || sizeof(T) == 8),
        "csr_rows offsets and column indices are 32- or 64-bit integers");
    if constexpr (sizeof(T) == 4)
      return std::is_signed_v<T> ? index_type::i32 : index_type::u32;
    else
      return std::is_signed_v<T> ? index_type::i64 : index_type::u64;
  }
};

}  // namespace grove
