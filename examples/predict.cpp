// The smallest complete use of grove: load a model, predict a few rows, print the results.
//
//   grove-example-predict examples/binary.json

#include <cstdio>
#include <vector>

#include <grove/grove.hpp>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL\n", argv[0]);
    return 2;
  }
  try {
    const grove::predictor predictor(grove::load(argv[1]));
    const std::size_t cols = predictor.num_feature();
    // Two rows: all zeros, and all ones with the first feature missing.
    std::vector<float> x(2 * cols, 0.0f);
    for (std::size_t c = 0; c < cols; ++c) x[cols + c] = 1.0f;
    x[cols] = grove::missing_value;
    const std::vector<float> y = predictor.predict(grove::rows(x.data(), 2, cols));
    const std::size_t width = predictor.output_width();
    for (std::size_t r = 0; r < 2; ++r) {
      for (std::size_t k = 0; k < width; ++k) std::printf(k ? ",%g" : "%g", y[r * width + k]);
      std::printf("\n");
    }
  } catch (const grove::error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
