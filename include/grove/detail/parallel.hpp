#pragma once
/// @file
/// Splitting a range of rows over the shared thread pool.

#include <algorithm>
#include <cstddef>

#include "grove/detail/thread_pool.hpp"

namespace grove::detail {

/// Runs body(begin, end) over [0, n) on up to `threads` threads (the caller included), in
/// chunks of at least min_chunk rows so that small batches stay on the calling thread.
template <class body_t>
void parallel_for(std::size_t n, std::size_t threads, std::size_t min_chunk, const body_t& body) {
  min_chunk = std::max<std::size_t>(min_chunk, 1);
  threads = std::min(threads, std::max<std::size_t>(1, n / min_chunk));
  if (threads <= 1) {
    body(std::size_t{0}, n);
    return;
  }
  // A few chunks per thread balance uneven rows without much scheduling.
  const std::size_t chunks = std::min(n / min_chunk, threads * 4);
  const std::size_t chunk = (n + chunks - 1) / chunks;
  thread_pool::shared().run(chunks, threads - 1, [&](std::size_t i) {
    const std::size_t b = std::min(n, i * chunk);
    body(b, std::min(n, b + chunk));
  });
}

}  // namespace grove::detail
