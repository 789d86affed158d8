// grove against XGBoost's own predictions: the committed 1.7.4 fixtures (tests/fixtures, made by
// generate.py) and the models saved by XGBoost 3.5 in ../shared/models.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <grove/grove.hpp>

#include "support/fixture.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::fixtures_cases {

namespace fs = std::filesystem;
using grove_test::count_bit_mismatches;
using grove_test::count_ulp_mismatches;
using grove_test::dump_options;

namespace {

std::vector<fs::path> fixture_dirs() {
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(grove_test::fixtures_dir()))
    if (entry.is_directory() && fs::exists(entry.path() / "meta.json")) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  return dirs;
}

grove::output output_kind(const std::string& name) {
  if (name == "margin") return grove::output::margin;
  if (name == "leaf") return grove::output::leaf;
  return grove::output::value;
}

/// A dump cannot express DART weights, parallel trees per round, or several outputs per round
/// other than multi-class; those fixtures are compared through model.json / model.ubj only.
bool dump_applies(const nlohmann::json& meta, const nlohmann::json& c) {
  const auto& params = meta["params"];
  const bool parallel = params.contains("num_parallel_tree") && params["num_parallel_tree"] != 1;
  const bool multi_target =
      meta["num_output"] != 1 && meta["dump_objective"].get<std::string>().rfind("multi:", 0) != 0;
  return meta["booster"] != "dart" && !parallel && !multi_target && c["iteration_begin"] == 0 &&
         c["iteration_end"] == 0;
}

void check_case(const grove::predictor& p, const grove_test::dense_rows_t& x,
                const nlohmann::json& c, const fs::path& dir) {
  grove::predict_options o;
  o.kind = output_kind(c["output"].get<std::string>());
  o.iteration_begin = c["iteration_begin"].get<std::size_t>();
  o.iteration_end = c["iteration_end"].get<std::size_t>();
  if (!c["missing"].is_null()) o.missing = c["missing"].get<float>();
  const auto expected = grove_test::read_csv_file((dir / c["file"].get<std::string>()).string());
  REQUIRE(p.output_width(o) == expected.num_cols);
  const grove::rows rows(x.values.data(), x.num_rows, x.num_cols);
  for (std::size_t threads : {1, 2}) {
    o.threads = threads;
    INFO("threads " << threads);
    const std::vector<float> got = p.predict(rows, o);
    if (o.kind == grove::output::value)
      CHECK(count_ulp_mismatches(got, expected.values, grove_test::value_ulps) == 0);
    else
      CHECK(count_bit_mismatches(got, expected.values) == 0);
  }
}

}  // namespace

TEST_CASE("save_model JSON and UBJSON fixtures match XGBoost 1.7.4", "[fixtures]") {
  const auto dirs = fixture_dirs();
  REQUIRE(dirs.size() >= 30);
  for (const fs::path& dir : dirs) {
    const auto meta = grove_test::read_json_file((dir / "meta.json").string());
    const auto x = grove_test::read_csv_file((dir / "X.csv").string());
    for (const char* file : {"model.json", "model.ubj"}) {
      INFO((dir / file).string());
      const grove::predictor p(grove::load((dir / file).string()));
      CHECK(p.num_feature() == meta["num_feature"].get<std::size_t>());
      CHECK(p.get_model().num_trees() == meta["num_trees"].get<std::size_t>());
      for (const auto& c : meta["cases"]) {
        INFO(c["file"].get<std::string>());
        check_case(p, x, c, dir);
      }
    }
  }
}

TEST_CASE("dump_model JSON fixtures match XGBoost 1.7.4", "[fixtures][dump]") {
  std::size_t compared = 0;
  for (const fs::path& dir : fixture_dirs()) {
    const auto meta = grove_test::read_json_file((dir / "meta.json").string());
    const auto x = grove_test::read_csv_file((dir / "X.csv").string());
    INFO((dir / "dump.json").string());
    const grove::predictor p(grove::load((dir / "dump.json").string(), dump_options(meta)));
    for (const auto& c : meta["cases"]) {
      if (!dump_applies(meta, c)) continue;
      INFO(c["file"].get<std::string>());
      check_case(p, x, c, dir);
      ++compared;
    }
  }
  CHECK(compared >= 60);
}

TEST_CASE("models saved by XGBoost 3.5 give its margins, values and leaves",
          "[fixtures][xgboost3]") {
  const fs::path root = grove_test::models35_dir();
  std::size_t models = 0, compared = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const fs::path dir = entry.path();
    const auto x = grove_test::read_csv_file((dir / "X.csv").string());
    const grove::rows rows(x.values.data(), x.num_rows, x.num_cols);
    for (const char* file : {"model.json", "model.ubj"}) {
      INFO((dir / file).string());
      const grove::predictor p(grove::load((dir / file).string()));
      // margin.csv: XGBoosterPredictFromDense; pred.csv and leaf.csv: XGBoost 3.5's predict.
      for (const char* csv : {"margin.csv", "pred.csv", "leaf.csv"}) {
        INFO(csv);
        const auto expected = grove_test::read_csv_file((dir / csv).string());
        grove::predict_options o;
        o.kind = output_kind(std::string(csv).substr(0, std::string(csv).find('.')));
        REQUIRE(p.output_width(o) == expected.num_cols);
        for (std::size_t threads : {1, 2}) {
          o.threads = threads;
          INFO("threads " << threads);
          const std::vector<float> got = p.predict(rows, o);
          REQUIRE(got.size() == expected.values.size());
          if (o.kind == grove::output::value)
            CHECK(count_ulp_mismatches(got, expected.values, grove_test::value_ulps) == 0);
          else
            CHECK(count_bit_mismatches(got, expected.values) == 0);
          ++compared;
        }
      }
    }
    ++models;
  }
  CHECK(models >= 4);
  CHECK(compared == models * 2 * 3 * 2);
}

TEST_CASE("value comparison: within one float, infinities and NaN exact", "[fixtures]") {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float big = std::numeric_limits<float>::max();
  const auto mismatches = [](float a, float b) {
    return count_ulp_mismatches({a}, {b}, grove_test::value_ulps);
  };
  CHECK(mismatches(0.5f, 0.5f) == 0);
  CHECK(mismatches(std::nextafter(0.5f, 1.0f), 0.5f) == 0);
  CHECK(mismatches(std::nextafter(std::nextafter(0.5f, 1.0f), 1.0f), 0.5f) == 1);
  CHECK(mismatches(-0.0f, 0.0f) == 0);
  CHECK(mismatches(-1e-45f, 1e-45f) == 1);  // two floats apart across zero
  CHECK(mismatches(big, inf) == 1);
  CHECK(mismatches(inf, -inf) == 1);
  CHECK(mismatches(-inf, -inf) == 0);
  CHECK(mismatches(nan, nan) == 0);
  CHECK(mismatches(nan, 1.0f) == 1);
  CHECK(mismatches(1.0f, nan) == 1);
  CHECK(count_ulp_mismatches({1.0f, 2.0f}, {1.0f}, grove_test::value_ulps) == 1);
}

}  // namespace grove_test::fixtures_cases
