#pragma once
// Reading the committed fixtures: rows, XGBoost's predictions and the cases in meta.json.

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <grove/io/load_options.hpp>
#include <grove/io/rows_text.hpp>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace grove_test {

using dense_rows_t = grove::io::dense_rows;

inline std::string fixtures_dir() { return GROVE_FIXTURES_DIR; }
inline std::string shared_models_dir() { return GROVE_SHARED_MODELS_DIR; }

inline grove::io::dense_rows read_csv_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return grove::io::read_csv(in, path);
}

inline nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

/// Number of float entries whose bits differ (NaN payloads compared as bits too).
/// Load options for a fixture's dump.json (from its meta.json): what the dump itself does
/// not carry.
inline grove::load_options dump_options(const nlohmann::json& meta) {
  grove::load_options o;
  o.objective = meta["dump_objective"].get<std::string>();
  o.base_score = meta["dump_base_score"].get<float>();
  o.num_feature = meta["num_feature"].get<std::int64_t>();
  if (o.objective.rfind("multi:", 0) == 0) o.num_class = meta["num_output"].get<std::int64_t>();
  return o;
}

inline std::size_t count_bit_mismatches(const std::vector<float>& a, const std::vector<float>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    n += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return n + (a.size() > b.size() ? a.size() - b.size() : b.size() - a.size());
}

/// Entries where |a - b| > rel * |b| (NaN must match NaN).
inline std::size_t count_relative_mismatches(const std::vector<float>& a,
                                             const std::vector<float>& b, double rel) {
  std::size_t n = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) {
      n += std::isnan(a[i]) != std::isnan(b[i]);
      continue;
    }
    const double d = std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i]));
    n += d > rel * std::abs(static_cast<double>(b[i]));
  }
  return n;
}

/// Contributions laid out in blocks of `block` values (a row's values for one output): entries
/// where |a - b| > tolerance * max(1, largest |b| of the block).
inline std::size_t count_contrib_mismatches(const std::vector<float>& a,
                                            const std::vector<float>& b, std::size_t block,
                                            double tolerance) {
  std::size_t n = a.size() == b.size() ? 0 : 1;
  for (std::size_t b0 = 0; b0 + block <= b.size() && b0 + block <= a.size(); b0 += block) {
    double scale = 1.0;
    for (std::size_t j = 0; j < block; ++j)
      scale = std::max(scale, std::abs(static_cast<double>(b[b0 + j])));
    for (std::size_t j = 0; j < block; ++j)
      n += !(std::abs(static_cast<double>(a[b0 + j]) - b[b0 + j]) <= tolerance * scale);
  }
  return n;
}

}  // namespace grove_test
