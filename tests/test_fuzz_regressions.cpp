// Replays the fuzz findings saved in tests/fuzz/regressions/<target>/ through the same entry
// code the libFuzzer targets use (tests/fuzz/entry.hpp), and runs the fuzz seeds (the
// fixtures) through it too, so the entry code itself stays exercised by the normal suite.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/entry.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::fuzz_regressions_cases {

namespace fs = std::filesystem;

namespace {

std::vector<std::uint8_t> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file() && e.path().filename().string().rfind("README", 0) != 0)
        files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

/// Files committed under tests/fuzz/regressions/ (README excluded); raise it when saving more.
constexpr std::size_t saved_inputs = 2;

const grove_fuzz::target all_targets[] = {
    grove_fuzz::target::model_json, grove_fuzz::target::model_ubjson, grove_fuzz::target::dump_json,
    grove_fuzz::target::predict};

}  // namespace

TEST_CASE("fuzz: saved crash inputs replay without a finding", "[fuzz]") {
  const fs::path root = fs::path(GROVE_FIXTURES_DIR) / ".." / "fuzz" / "regressions";
  std::size_t replayed = 0;
  for (const grove_fuzz::target t : all_targets) {
    for (const fs::path& file : files_in(root / grove_fuzz::name(t))) {
      INFO(file.string());
      const std::vector<std::uint8_t> bytes = read_bytes(file);
      CHECK_NOTHROW(grove_fuzz::run(t, bytes.data(), bytes.size()));
      ++replayed;
    }
  }
  // The saved inputs are part of the suite: finding fewer means the folder was not found.
  CHECK(replayed >= saved_inputs);
}

TEST_CASE("fuzz: the seed corpus goes through every entry", "[fuzz]") {
  std::size_t seeds = 0, saved_models = 0;
  const std::size_t compared_before = grove_fuzz::detail::xgboost_comparisons();
  for (const auto& e : fs::directory_iterator(GROVE_FIXTURES_DIR)) {
    if (!e.is_directory()) continue;
    for (const char* name : {"model.json", "model.ubj", "dump.json"}) {
      const fs::path file = e.path() / name;
      if (!fs::exists(file)) continue;
      INFO(file.string());
      const std::vector<std::uint8_t> bytes = read_bytes(file);
      for (const grove_fuzz::target t : all_targets)
        CHECK_NOTHROW(grove_fuzz::run(t, bytes.data(), bytes.size()));
      // Saved models load, so the predict entry must get all the way through its checks.
      if (std::string(name) != "dump.json") {
        CHECK_NOTHROW(grove_fuzz::predict(bytes.data(), bytes.size()));
        ++saved_models;
      }
      ++seeds;
    }
  }
  CHECK(seeds >= 90);
  // Every saved model went through the XGBoost comparison (twice: the run above, then predict).
  CHECK(grove_fuzz::detail::xgboost_comparisons() - compared_before == 2 * saved_models);
}

}  // namespace grove_test::fuzz_regressions_cases
