// Loads the model given on the command line and prints the first row's prediction and the
// target that computed it.
#include <cstdio>
#include <vector>

#include <grove/grove.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const grove::predictor p(grove::load(argv[1]));
  const std::vector<float> x(p.num_feature(), 0.0f);
  const std::vector<float> y = p.predict(grove::rows(x.data(), 1, x.size()));
  std::printf("%.9g on %s\n", y[0], p.describe().target.c_str());
  return 0;
}
