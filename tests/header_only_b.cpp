#include <cstdio>
#include <string>

#include <grove/grove.hpp>
#include <grove/io/rows_text.hpp>

std::size_t features_of(const grove::model& m);

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const grove::model m = grove::load(argv[1]);
  std::printf("%zu\n", features_of(m));
  return features_of(m) == m.num_feature() ? 0 : 1;
}
