#pragma once
/// @file
/// Splitting a range of rows over the shared thread pool.

#include <algorithm>
#include <atomic>
#include <cstddef>

#include "grove/detail/thread_pool.hpp"

namespace grove::detail {

/// Runs body(begin, end) over [0, n) on up to `threads` threads (the caller included), in
/// chunks of at least min_chunk rows so that small batches stay on the calling thread.
///
/// Chunks shrink as the range runs out (each takes 1 / (2 x threads) of what is left, in whole
/// min_chunks): the first ones are long, so there are few hand-outs, and the last ones are
/// short, so a thread that ran slower (a busy core, a lower clock) leaves the others little
/// to wait for at the end.
template <class body_t>
void parallel_for(std::size_t n, std::size_t threads, std::size_t min_chunk, const body_t& body) {
  min_chunk = std::max<std::size_t>(min_chunk, 1);
  threads = std::min(threads, std::max<std::size_t>(1, n / min_chunk));
  if (threads <= 1) {
    body(std::size_t{0}, n);
    return;
  }
  std::atomic<std::size_t> next{0};
  const std::size_t divisor = 2 * threads;
  auto take = [&](std::size_t& begin, std::size_t& end) {
    begin = next.load(std::memory_order_relaxed);
    for (;;) {
      if (begin >= n) return false;
      const std::size_t share = (n - begin) / divisor;
      const std::size_t size = std::max(min_chunk, share - share % min_chunk);
      end = std::min(n, begin + size);
      if (next.compare_exchange_weak(begin, end, std::memory_order_relaxed)) return true;
    }
  };
  // One task per thread; each takes chunks until the range is used up.
  thread_pool::shared().run(threads, threads - 1, [&](std::size_t) {
    std::size_t begin = 0, end = 0;
    while (take(begin, end)) body(begin, end);
  });
}

}  // namespace grove::detail
