// A binary built with runtime dispatch runs on CPUs without AVX-512: grove-predict under QEMU's
// user-mode emulation of a Haswell (AVX2, no AVX-512) and of a plain x86-64 (no AVX). It must
// choose AVX2 / scalar, run without an illegal instruction, and its scalar kernels must give
// XGBoost's margins bit for bit there, with the automatically chosen kernels (AVX2 on the
// Haswell) and with the scalar ones forced, and so must every plan the emulated CPU runs, forced
// by name. Asking for an instruction set the CPU lacks is an error.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "support/fixture.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::qemu_cases {

namespace fs = std::filesystem;

namespace {

struct run_result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

run_result run(const std::string& command) {
  // Names unique to this process: CTest runs the test cases of this file in parallel.
  static int calls = 0;
  const std::string tag = std::to_string(::getpid()) + "_" + std::to_string(calls++);
  const fs::path dir = fs::temp_directory_path();
  const fs::path out = dir / ("grove_qemu_out_" + tag + ".txt");
  const fs::path err = dir / ("grove_qemu_err_" + tag + ".txt");
  run_result r;
  r.status = std::system((command + " > " + out.string() + " 2> " + err.string()).c_str());
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

bool have_qemu() { return std::system("command -v qemu-x86_64 > /dev/null 2>&1") == 0; }

std::string qemu(const std::string& cpu, const std::string& isa, const fs::path& model,
                 const fs::path& rows, const char* program = GROVE_PREDICT_EXE,
                 const std::string& options = "") {
  return "env -u GROVE_ISA qemu-x86_64 -cpu " + cpu + " " + program +
         (isa.empty() ? "" : " --isa " + isa) + options + " --info --output margin " +
         model.string() + " " + rows.string();
}

}  // namespace

TEST_CASE("qemu: runtime dispatch picks AVX2 on a Haswell and scalar on plain x86-64",
          "[qemu]") {
  REQUIRE(have_qemu());  // tools/install-deps.sh --tests installs qemu-user
  const fs::path fixtures = grove_test::fixtures_dir();
  struct cpu_case {
    const char* cpu;
    const char* expected_isa;
  };
  for (const cpu_case c : {cpu_case{"Haswell", "avx2"}, cpu_case{"qemu64", "scalar"}}) {
    for (const char* name : {"missing_nan", "obj_multi_softprob", "lossguide_deep", "dart_binary",
                             "categorical_partition", "categorical_high", "multi_target"}) {
      const fs::path dir = fixtures / name;
      INFO(c.cpu << " " << name);
      const auto want = grove_test::read_csv_file((dir / "margin.csv").string());
      // Automatic choice: the best ISA the emulated CPU has, and no illegal instruction.
      const run_result chosen = run(qemu(c.cpu, "", dir / "model.json", dir / "X.csv"));
      REQUIRE(chosen.status == 0);
      CHECK_THAT(chosen.err, Catch::Contains(std::string("target: ") + c.expected_isa + "\n"));
      std::istringstream chosen_out(chosen.out);
      const auto got = grove::io::read_csv(chosen_out, "grove-predict output");
      CHECK(got.num_rows == want.num_rows);
      CHECK(got.num_cols == want.num_cols);
      CHECK(grove_test::count_bit_mismatches(got.values, want.values) == 0);
      // The scalar kernels under emulation: exact.
      const run_result scalar = run(qemu(c.cpu, "scalar", dir / "model.json", dir / "X.csv"));
      REQUIRE(scalar.status == 0);
      std::istringstream scalar_out(scalar.out);
      CHECK(grove_test::count_bit_mismatches(
                grove::io::read_csv(scalar_out, "grove-predict output").values, want.values) == 0);
    }
  }
}

TEST_CASE("qemu: forcing an instruction set the CPU lacks is an error", "[qemu]") {
  REQUIRE(have_qemu());
  const fs::path dir = fs::path(grove_test::fixtures_dir()) / "missing_nan";
  for (const auto& [cpu, isa] : {std::pair<const char*, const char*>{"Haswell", "avx512"},
                                 std::pair<const char*, const char*>{"qemu64", "avx2"}}) {
    INFO(cpu << " --isa " << isa);
    const run_result r = run(qemu(cpu, isa, dir / "model.json", dir / "X.csv"));
    CHECK(r.status != 0);
    CHECK_THAT(r.err, Catch::Contains(std::string("does not support ") + isa));
    CHECK(r.out.empty());
  }
}

TEST_CASE("qemu: the unoptimised runtime-dispatch program runs on a Haswell and on plain x86-64",
          "[qemu]") {
  // grove-predict-O0 inlines nothing: a kernel helper shared with a target unit would be called
  // through one copy for the whole program (dispatch_units_share_no_symbol checks there is
  // none), and an AVX-512 or AVX copy would stop these runs with an illegal instruction.
  REQUIRE(have_qemu());
  const fs::path fixtures = grove_test::fixtures_dir();
  for (const auto& [cpu, target] : {std::pair<const char*, const char*>{"Haswell", "avx2"},
                                    std::pair<const char*, const char*>{"qemu64", "scalar"}}) {
    for (const char* name : {"missing_nan", "lossguide_deep", "categorical_partition",
                             "multi_target"}) {
      const fs::path dir = fixtures / name;
      INFO(cpu << " " << name);
      const auto want = grove_test::read_csv_file((dir / "margin.csv").string());
      for (const std::string isa : {"", "scalar"}) {
        const run_result r =
            run(qemu(cpu, isa, dir / "model.json", dir / "X.csv", GROVE_PREDICT_O0_EXE));
        INFO("--isa " << (isa.empty() ? "auto" : isa) << ": " << r.err);
        REQUIRE(r.status == 0);
        const bool avx2 = isa.empty() && std::string(target) == "avx2";
        CHECK_THAT(r.err, Catch::Contains(std::string("target: ") + (avx2 ? "avx2" : "scalar") +
                                          "\nkernels: " +
                                          (avx2 ? "group_walk+root_step sliced_block bitvector"
                                                : "group_walk") +
                                          "\n"));
        std::istringstream out(r.out);
        const auto got = grove::io::read_csv(out, "grove-predict output");
        CHECK(got.num_rows == want.num_rows);
        CHECK(got.num_cols == want.num_cols);
        CHECK(grove_test::count_bit_mismatches(got.values, want.values) == 0);
      }
    }
  }
}

TEST_CASE("qemu: every plan the emulated CPU runs, forced by name, equals XGBoost", "[qemu]") {
  // The plans a target runs are listed by --info ("plan NAME: ..."); forcing one keeps it and the
  // group walk. few_row_walk serves calls of at most 15 rows, so it gets the first rows only.
  REQUIRE(have_qemu());
  const fs::path fixtures = grove_test::fixtures_dir();
  constexpr std::size_t few_rows = 10;
  struct cpu_plans {
    const char* cpu;
    std::vector<std::string> plans;
  };
  for (const cpu_plans& c :
       {cpu_plans{"Haswell", {"sliced_block", "bitvector_block", "few_row_walk", "group_walk"}},
        cpu_plans{"qemu64", {"few_row_walk", "group_walk"}}}) {
    for (const std::string& plan : c.plans) {
      std::size_t verified = 0;
      for (const char* name : {"missing_nan", "obj_multi_softprob", "lossguide_deep",
                               "categorical_partition", "multi_target"}) {
        const fs::path dir = fixtures / name;
        INFO(c.cpu << " --plan " << plan << " " << name);
        const auto want = grove_test::read_csv_file((dir / "margin.csv").string());
        const bool few = plan == "few_row_walk";
        const std::string rows =
            few ? "head -n " + std::to_string(few_rows) + " " + (dir / "X.csv").string() + " | "
                : "";
        const run_result r = run(rows + qemu(c.cpu, "", dir / "model.json",
                                             few ? fs::path("-") : dir / "X.csv",
                                             GROVE_PREDICT_EXE, " --plan " + plan));
        INFO(r.err);
        REQUIRE(r.status == 0);
        // A plan that does not take this model (a categorical split, vector leaves) is not built.
        if (r.err.find("plan " + plan + ":") == std::string::npos) continue;
        std::istringstream out(r.out);
        const auto got = grove::io::read_csv(out, "grove-predict output");
        const std::size_t n = few ? std::min(few_rows, want.num_rows) : want.num_rows;
        REQUIRE(got.num_rows == n);
        REQUIRE(got.num_cols == want.num_cols);
        const auto end = want.values.begin() + static_cast<std::ptrdiff_t>(n * want.num_cols);
        const std::vector<float> expected(want.values.begin(), end);
        CHECK(grove_test::count_bit_mismatches(got.values, expected) == 0);
        ++verified;
      }
      INFO(c.cpu << " --plan " << plan);
      CHECK(verified > 0);
    }
  }
}

}  // namespace grove_test::qemu_cases
