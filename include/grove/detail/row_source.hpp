#pragma once
/// @file
/// Any of the row views a caller may pass (grove::rows, double_rows, csr_rows) as one value the
/// engine and the explainer take: its checks, ranges of its rows, and typed access to a row.
/// How rows become the slots kernels read is plans/row_gather.hpp's job.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "grove/error.hpp"
#include "grove/rows.hpp"

namespace grove::detail {

/// A float64 value as float32, the one rounding XGBoost applies to float64 input.
inline float to_float32(double v) noexcept { return static_cast<float>(v); }
inline float to_float32(float v) noexcept { return v; }

/// A dense float64 row read by feature, each value rounded to float32.
struct double_row {
  const double* values;
  float operator[](std::size_t feature) const noexcept { return to_float32(values[feature]); }
};

/// A sparse row read by feature: the value of the entry at that column, NaN when it has none.
/// Column indices increase within the row (checked before any row is read).
template <class index_t, class value_t>
struct sparse_row {
  const index_t* index;
  const value_t* values;
  std::size_t size;

  float operator[](std::size_t feature) const noexcept {
    const index_t* end = index + size;
    const index_t* at = std::lower_bound(index, end, static_cast<index_t>(feature));
    if (at == end || static_cast<std::size_t>(*at) != feature)
      return std::numeric_limits<float>::quiet_NaN();
    return to_float32(static_cast<double>(values[at - index]));
  }
};

class row_source {
 public:
  enum class kind : unsigned char { dense_float, dense_double, csr };

  row_source(const rows& x) noexcept  // NOLINT: implicit, every view is a row source
      : type(kind::dense_float),
        num_rows(x.num_rows),
        num_cols(x.num_cols),
        data_(x.data),
        stride_(x.stride) {}
  row_source(const double_rows& x) noexcept  // NOLINT
      : type(kind::dense_double),
        num_rows(x.num_rows),
        num_cols(x.num_cols),
        data_(x.data),
        stride_(x.stride) {}
  row_source(const csr_rows& x) noexcept  // NOLINT
      : type(kind::csr),
        num_rows(x.num_rows),
        num_cols(x.num_cols),
        data_(x.values),
        row_ptr_(x.row_ptr),
        col_index_(x.col_index),
        num_entries_(x.num_entries),
        row_ptr_type_(x.row_ptr_type),
        col_index_type_(x.col_index_type),
        double_values_(x.double_values) {}

  kind type;
  std::size_t num_rows;
  std::size_t num_cols;

  /// Rows [r0, r0 + n): the same arrays, no copy.
  row_source part(std::size_t r0, std::size_t n) const noexcept {
    row_source p = *this;
    p.num_rows = n;
    switch (type) {
      case kind::dense_float:
        p.data_ = static_cast<const float*>(data_) + r0 * stride_;
        break;
      case kind::dense_double:
        p.data_ = static_cast<const double*>(data_) + r0 * stride_;
        break;
      case kind::csr:
        p.row_ptr_ = static_cast<const char*>(row_ptr_) + r0 * width(row_ptr_type_);
        break;
    }
    return p;
  }

  /// Dense float32 rows: row r.
  const float* float_row(std::size_t r) const noexcept {
    return static_cast<const float*>(data_) + r * stride_;
  }
  /// Dense float64 rows: row r.
  const double* double_row_data(std::size_t r) const noexcept {
    return static_cast<const double*>(data_) + r * stride_;
  }
  std::size_t stride() const noexcept { return stride_; }

  /**
   * Calls fn(row_ptr, col_index, values) with the CSR arrays typed: offsets and indices as
   * std::uint32_t or std::uint64_t (signed arrays read as unsigned: check() has made sure no
   * value is negative), values as float or double.
   */
  template <class fn_t>
  void visit_csr(fn_t&& fn) const {
    const bool p64 = width(row_ptr_type_) == 8, i64 = width(col_index_type_) == 8;
    if (p64)
      visit_index<std::uint64_t>(i64, fn);
    else
      visit_index<std::uint32_t>(i64, fn);
  }

  /// Calls fn(row) with row r as something indexed by feature: a const float* (dense float32),
  /// a double_row or a sparse_row. For random access (the reference walk, explanations); the
  /// kernels' gathering goes through plans/row_gather.hpp.
  template <class fn_t>
  void with_row(std::size_t r, fn_t&& fn) const {
    switch (type) {
      case kind::dense_float:
        fn(float_row(r));
        return;
      case kind::dense_double:
        fn(double_row{double_row_data(r)});
        return;
      case kind::csr:
        visit_csr([&](const auto* ptr, const auto* index, const auto* values) {
          const auto begin = static_cast<std::size_t>(ptr[r]);
          const auto end = static_cast<std::size_t>(ptr[r + 1]);
          using index_t = std::remove_cv_t<std::remove_pointer_t<decltype(index)>>;
          using value_t = std::remove_cv_t<std::remove_pointer_t<decltype(values)>>;
          fn(sparse_row<index_t, value_t>{index + begin, values + begin, end - begin});
        });
        return;
    }
  }

  /**
   * Throws grove::error unless the rows can be read as they claim: dense rows with data (when
   * there are rows), at least num_feature columns and a stride of at least their width; CSR rows
   * whose row pointers do not decrease and stay within the arrays and whose column indices
   * increase within each row and are below num_cols. Reads every offset and index of a CSR view
   * once.
   */
  void check(std::size_t num_feature) const {
    if (type != kind::csr) {
      if (num_rows > 0 && data_ == nullptr)
        throw error(error_code::invalid_argument, "rows", "data is null");
      if (num_cols < num_feature)
        throw error(error_code::shape, "rows",
                    "rows have " + std::to_string(num_cols) + " columns but the model needs " +
                        std::to_string(num_feature));
      if (stride_ < num_cols)
        throw error(error_code::shape, "rows",
                    "stride " + std::to_string(stride_) + " is smaller than the column count " +
                        std::to_string(num_cols));
      return;
    }
    if (num_rows > 0 && row_ptr_ == nullptr)
      throw error(error_code::invalid_argument, "rows (CSR)", "row pointers are null");
    if (num_entries_ > 0 && (col_index_ == nullptr || data_ == nullptr))
      throw error(error_code::invalid_argument, "rows (CSR)", "column indices or values are null");
    if (num_rows == 0) return;
    const bool ptr_signed = is_signed(row_ptr_type_), index_signed = is_signed(col_index_type_);
    visit_csr([&](const auto* ptr, const auto* index, const auto*) {
      using ptr_t = std::remove_cv_t<std::remove_pointer_t<decltype(ptr)>>;
      using index_t = std::remove_cv_t<std::remove_pointer_t<decltype(index)>>;
      for (std::size_t r = 0; r <= num_rows; ++r)
        if (negative(ptr[r], ptr_signed) || static_cast<std::uint64_t>(ptr[r]) > num_entries_)
          throw error(error_code::invalid_argument, row_where(r == num_rows ? r - 1 : r),
                      "row pointer " + std::to_string(r) + " is " +
                          signed_text(ptr[r], ptr_signed) + ", outside the arrays' " +
                          std::to_string(num_entries_) + " entries");
      for (std::size_t r = 0; r < num_rows; ++r) {
        const ptr_t begin = ptr[r], end = ptr[r + 1];
        if (end < begin)
          throw error(
              error_code::invalid_argument, row_where(r),
              "row pointers decrease: " + std::to_string(begin) + " then " + std::to_string(end));
        for (ptr_t e = begin; e < end; ++e) {
          const index_t col = index[e];
          if (negative(col, index_signed) || static_cast<std::uint64_t>(col) >= num_cols)
            throw error(error_code::invalid_argument, entry_where(r, e),
                        "column index " + signed_text(col, index_signed) + " is outside [0, " +
                            std::to_string(num_cols) + ")");
          if (e > begin && col <= index[e - 1])
            throw error(error_code::invalid_argument, entry_where(r, e),
                        "column index " + std::to_string(col) + " follows " +
                            std::to_string(index[e - 1]) +
                            " (a row's column indices must increase)");
        }
      }
    });
  }

 private:
  static std::size_t width(index_type t) noexcept {
    return t == index_type::i64 || t == index_type::u64 ? 8 : 4;
  }
  static bool is_signed(index_type t) noexcept {
    return t == index_type::i32 || t == index_type::i64;
  }
  template <class unsigned_t>
  static bool negative(unsigned_t v, bool is_signed_array) noexcept {
    return is_signed_array && (v >> (sizeof(unsigned_t) * 8 - 1)) != 0;
  }
  template <class unsigned_t>
  static std::string signed_text(unsigned_t v, bool is_signed_array) {
    if (!negative(v, is_signed_array)) return std::to_string(v);
    using signed_t = std::make_signed_t<unsigned_t>;
    return std::to_string(static_cast<signed_t>(v));
  }
  static std::string row_where(std::size_t r) { return "rows (CSR), row " + std::to_string(r); }
  static std::string entry_where(std::size_t r, std::uint64_t e) {
    return row_where(r) + ", entry " + std::to_string(e);
  }

  template <class ptr_t, class fn_t>
  void visit_index(bool i64, fn_t& fn) const {
    const auto* ptr = static_cast<const ptr_t*>(row_ptr_);
    if (i64)
      visit_values(ptr, static_cast<const std::uint64_t*>(col_index_), fn);
    else
      visit_values(ptr, static_cast<const std::uint32_t*>(col_index_), fn);
  }
  template <class ptr_t, class index_t, class fn_t>
  void visit_values(const ptr_t* ptr, const index_t* index, fn_t& fn) const {
    if (double_values_)
      fn(ptr, index, static_cast<const double*>(data_));
    else
      fn(ptr, index, static_cast<const float*>(data_));
  }

  const void* data_ = nullptr;  // dense rows, or the CSR values
  std::size_t stride_ = 0;
  const void* row_ptr_ = nullptr;
  const void* col_index_ = nullptr;
  std::size_t num_entries_ = 0;
  index_type row_ptr_type_ = index_type::u64;
  index_type col_index_type_ = index_type::u32;
  bool double_values_ = false;
};

}  // namespace grove::detail
