#pragma once
/// @file
/// Reading input rows from CSV (dense) or LIBSVM (sparse) text, for the command-line tool and
/// tests.

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <istream>
#include <limits>
#include <string>
#include <vector>

#include "grove/error.hpp"
#include "grove/rows.hpp"

namespace grove::io {

/// Dense rows read from text: values row after row, NaN where missing.
struct dense_rows {
  std::vector<float> values;
  std::size_t num_rows = 0;
  std::size_t num_cols = 0;
};

/// Sparse rows read from text, in CSR form: row r's entries are [row_ptr[r], row_ptr[r + 1]) of
/// col_index and values, columns increasing within a row.
struct sparse_rows {
  std::vector<std::uint64_t> row_ptr{0};
  std::vector<std::uint32_t> col_index;
  std::vector<float> values;
  std::size_t num_rows = 0;
  std::size_t num_cols = 0;

  grove::csr_rows view() const {
    return grove::csr_rows(row_ptr.data(), col_index.data(), values.data(), num_rows, num_cols,
                           values.size());
  }
};

enum class text_format { csv, libsvm };

namespace detail {

inline float parse_cell(const std::string& text, const std::string& where) {
  std::size_t b = 0, e = text.size();
  while (b < e && (text[b] == ' ' || text[b] == '\t')) ++b;
  while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\r')) --e;
  const std::string cell = text.substr(b, e - b);
  if (cell.empty() || cell == "nan" || cell == "NaN" || cell == "NAN")
    return std::numeric_limits<float>::quiet_NaN();
  char* end = nullptr;
  errno = 0;
  const float v = std::strtof(cell.c_str(), &end);
  if (end != cell.c_str() + cell.size())
    throw error(error_code::parse, where, "'" + cell + "' is not a number");
  return v;  // overflow gives +-inf, which is a valid input
}

}  // namespace detail

/// CSV: comma-separated, no header; an empty field, nan or NaN is missing. Rows shorter than
/// the widest row are padded with missing values.
inline dense_rows read_csv(std::istream& in, const std::string& source) {
  std::vector<std::vector<float>> lines;
  std::string line;
  std::size_t line_no = 0, width = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<float> row;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
      if (i == line.size() || line[i] == ',') {
        row.push_back(detail::parse_cell(
            line.substr(start, i - start),
            source + ":" + std::to_string(line_no) + ": column " + std::to_string(row.size() + 1)));
        start = i + 1;
      }
    }
    width = std::max(width, row.size());
    lines.push_back(std::move(row));
  }
  dense_rows out;
  out.num_rows = lines.size();
  out.num_cols = width;
  out.values.assign(out.num_rows * width, std::numeric_limits<float>::quiet_NaN());
  for (std::size_t r = 0; r < lines.size(); ++r)
    std::copy(lines[r].begin(), lines[r].end(), out.values.begin() + r * width);
  return out;
}

/// LIBSVM: "label index:value ..." per line, indices from 0 as XGBoost reads them; absent
/// entries are missing. A line's entries may come in any order; a column given twice in a line
/// is an error. `min_cols` widens the result to at least that many columns.
inline sparse_rows read_libsvm(std::istream& in, const std::string& source,
                               std::size_t min_cols = 0, std::size_t max_cols = 1u << 24) {
  struct entry {
    std::uint32_t col;
    float value;
  };
  sparse_rows out;
  out.num_cols = min_cols;
  std::vector<entry> row;
  std::string line;
  std::size_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = source + ":" + std::to_string(line_no);
    row.clear();
    std::size_t i = 0;
    bool label = true;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      std::size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      if (j == i) break;
      const std::string token = line.substr(i, j - i);
      i = j;
      if (label) {  // the label (possibly "label:weight" or with a qid) is ignored
        label = false;
        if (token.find(':') == std::string::npos) continue;
      }
      const std::size_t colon = token.find(':');
      if (colon == std::string::npos)
        throw error(error_code::parse, where, "'" + token + "' is not index:value");
      if (token.compare(0, colon, "qid") == 0) continue;
      char* end = nullptr;
      const std::string index_text = token.substr(0, colon);
      const unsigned long long col = std::strtoull(index_text.c_str(), &end, 10);
      if (index_text.empty() || end != index_text.c_str() + index_text.size() || col >= max_cols)
        throw error(error_code::parse, where, "'" + index_text + "' is not a valid column index");
      row.push_back(
          {static_cast<std::uint32_t>(col), detail::parse_cell(token.substr(colon + 1), where)});
      out.num_cols = std::max(out.num_cols, static_cast<std::size_t>(col) + 1);
    }
    if (line.empty()) continue;
    std::stable_sort(row.begin(), row.end(),
                     [](const entry& a, const entry& b) { return a.col < b.col; });
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (k > 0 && row[k].col == row[k - 1].col)
        throw error(error_code::parse, where,
                    "column " + std::to_string(row[k].col) + " appears twice");
      out.col_index.push_back(row[k].col);
      out.values.push_back(row[k].value);
    }
    out.row_ptr.push_back(out.col_index.size());
    ++out.num_rows;
  }
  return out;
}

}  // namespace grove::io
