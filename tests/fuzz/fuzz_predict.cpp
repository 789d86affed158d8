// libFuzzer target: see entry.hpp (built and run by tests/fuzz/run.sh).
#include "entry.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  grove_fuzz::run(grove_fuzz::target::predict, data, size);
  return 0;
}
