#pragma once
/// @file
/// Splitting a range of rows over threads.

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace grove::detail {

/// Hardware threads, at least 1.
inline std::size_t hardware_threads() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

/// Runs body(begin, end) over [0, n) in `threads` contiguous chunks; the calling thread takes
/// the first chunk. Chunks are at least min_chunk rows so tiny batches stay on one thread.
template <class body_t>
void parallel_for(std::size_t n, std::size_t threads, std::size_t min_chunk, const body_t& body) {
  threads = std::min(threads, std::max<std::size_t>(1, n / std::max<std::size_t>(min_chunk, 1)));
  if (threads <= 1) {
    body(std::size_t{0}, n);
    return;
  }
  const std::size_t chunk = (n + threads - 1) / threads;
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> failures(threads);
  workers.reserve(threads - 1);
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t b = std::min(n, t * chunk), e = std::min(n, b + chunk);
    workers.emplace_back([&, t, b, e] {
      try {
        body(b, e);
      } catch (...) {
        failures[t] = std::current_exception();
      }
    });
  }
  try {
    body(std::size_t{0}, std::min(n, chunk));
  } catch (...) {
    failures[0] = std::current_exception();
  }
  for (std::thread& w : workers) w.join();
  for (const std::exception_ptr& f : failures)
    if (f) std::rethrow_exception(f);
}

}  // namespace grove::detail
