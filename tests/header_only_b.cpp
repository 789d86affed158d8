// The header-only contract, in the build this program gets (portable flags, -march=native
// static dispatch, or runtime dispatch: tests/CMakeLists.txt builds each): with header_only_a.cpp
// it links two translation units that include every header, and it predicts a fixture with
// every target this build has and this CPU runs, comparing margins and leaves with XGBoost's
// bit for bit, all rows in one call and one row per call.
//   header_only MODEL.json X.csv margin.csv leaf.csv
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <grove/grove.hpp>
#include <grove/io/rows_text.hpp>

std::size_t features_of(const grove::model& m);

namespace {

std::vector<float> predict_with(const grove::model& m, grove::isa_kind target,
                                const grove::io::dense_rows& x, grove::output kind,
                                std::size_t rows_per_call, std::string& chosen) {
  grove::engine_options options;
  options.isa = target;
  const grove::predictor p(m, options);
  chosen = p.describe().target;
  grove::predict_options o;
  o.kind = kind;
  const std::size_t width = p.output_width(o);
  std::vector<float> out(x.num_rows * width);
  for (std::size_t r = 0; r < x.num_rows; r += rows_per_call) {
    const std::size_t n = std::min(rows_per_call, x.num_rows - r);
    p.predict(grove::rows(x.values.data() + r * x.num_cols, n, x.num_cols), out.data() + r * width,
              n * width, o);
  }
  return out;
}

grove::io::dense_rows read(const char* path) {
  std::ifstream in(path);
  return grove::io::read_csv(in, path);
}

int failures = 0;

void expect(bool ok, const std::string& what) {
  if (ok) return;
  std::fprintf(stderr, "header_only: FAILED: %s\n", what.c_str());
  ++failures;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return 2;
  const grove::model m = grove::load(argv[1]);
  const grove::io::dense_rows x = read(argv[2]), margins = read(argv[3]), leaves = read(argv[4]);
  expect(features_of(m) == m.num_feature(), "the model seen from both units");
  // What the flags promise is compiled in.
#if defined(GROVE_RUNTIME_DISPATCH) && defined(GROVE_DISPATCH_AVX512)
  expect(grove::isa_compiled(grove::isa_kind::avx2) && grove::isa_compiled(grove::isa_kind::avx512),
         "runtime dispatch compiles the AVX2 and AVX-512 kernels in");
#endif
#if !defined(GROVE_RUNTIME_DISPATCH) && defined(__AVX512F__) && defined(__AVX512VL__) && \
    defined(__AVX512BW__) && defined(__AVX512DQ__)
  expect(grove::isa_compiled(grove::isa_kind::avx512), "-mavx512* compiles the AVX-512 kernels in");
#endif
#if !defined(GROVE_RUNTIME_DISPATCH) && defined(__AVX2__)
  expect(grove::isa_compiled(grove::isa_kind::avx2), "-mavx2 compiles the AVX2 kernels in");
#endif
  int targets = 0;
  for (const grove::isa_kind target : grove::target_ladder) {
    if (!grove::isa_compiled(target) || !grove::cpu_supports(target)) continue;
    for (const std::size_t rows_per_call : {x.num_rows, std::size_t{1}}) {
      for (const grove::output kind : {grove::output::margin, grove::output::leaf}) {
        const std::vector<float>& want =
            kind == grove::output::margin ? margins.values : leaves.values;
        std::string chosen;
        const std::vector<float> got = predict_with(m, target, x, kind, rows_per_call, chosen);
        const std::string what = std::string(grove::to_string(target)) +
                                 (kind == grove::output::margin ? " margins, " : " leaves, ") +
                                 std::to_string(rows_per_call) + " rows per call";
        expect(chosen == grove::to_string(target), what + ": target " + chosen);
        expect(got.size() == want.size() &&
                   std::memcmp(got.data(), want.data(), got.size() * sizeof(float)) == 0,
               what + ": differs from XGBoost");
      }
    }
    std::printf("header_only: %s equals XGBoost\n", grove::to_string(target));
    ++targets;
  }
  expect(targets > 0, "no target compared");
  return failures == 0 ? 0 : 1;
}
