#pragma once
// Reading the committed fixtures: rows, XGBoost's predictions and the cases in meta.json.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
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

/// ../shared/models/xgboost-3.5, the models XGBoost 3.5 saved. They are part of what the suite
/// proves (vector-leaf trees, per-class and bracketed base scores, the 3.x layouts), so a missing
/// folder fails the test that needs it instead of shrinking the run.
inline std::filesystem::path models35_dir() {
  const std::filesystem::path dir = std::filesystem::path(shared_models_dir()) / "xgboost-3.5";
  if (!std::filesystem::is_directory(dir))
    throw std::runtime_error(dir.string() + " is missing: the XGBoost 3.5 models are required");
  return dir;
}

/// One model of models35_dir() (binary_nan_d6, categorical, softprob, multi_output_tree).
inline std::filesystem::path model35(const std::string& name) {
  const std::filesystem::path dir = models35_dir() / name;
  if (!std::filesystem::exists(dir / "model.json"))
    throw std::runtime_error((dir / "model.json").string() + " is missing");
  return dir;
}

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

/// Number of float entries whose bits differ (NaN payloads compared as bits too), plus the
/// difference in length.
inline std::size_t count_bit_mismatches(const std::vector<float>& a, const std::vector<float>& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    n += std::memcmp(&a[i], &b[i], sizeof(float)) != 0;
  return n + (a.size() > b.size() ? a.size() - b.size() : b.size() - a.size());
}

/// Distance in representable floats between two finite values (0 between -0 and +0).
inline std::uint64_t ulp_distance(float a, float b) {
  const auto ordered = [](float v) {
    std::int32_t i;
    std::memcpy(&i, &v, sizeof i);
    // Sign-magnitude to a line: negative floats below zero in the order of their values.
    return i < 0 ? -static_cast<std::int64_t>(i & 0x7fffffff) : static_cast<std::int64_t>(i);
  };
  const std::int64_t d = ordered(a) - ordered(b);
  return static_cast<std::uint64_t>(d < 0 ? -d : d);
}

/// Entries of a (grove's values) further than max_ulps floats from b (XGBoost's), plus the
/// difference in length. Infinities and NaN are exact: an infinity equals only the same
/// infinity, NaN only NaN.
inline std::size_t count_ulp_mismatches(const std::vector<float>& a, const std::vector<float>& b,
                                        std::uint64_t max_ulps) {
  std::size_t n = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i]))
      n += std::isnan(a[i]) != std::isnan(b[i]);
    else if (std::isinf(a[i]) || std::isinf(b[i]))
      n += a[i] != b[i];
    else
      n += ulp_distance(a[i], b[i]) > max_ulps;
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

/// Transformed outputs (output::value) agree with XGBoost's within this many floats: the
/// margins are bit-identical, and a transform computed with another libm may round its last
/// bit differently.
inline constexpr std::uint64_t value_ulps = 1;

}  // namespace grove_test
