#pragma once
// The k best of n candidates, best first: partial sort of indices, O(n log k).

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <vector>

namespace examples {

/// Indices 0..n-1 of the k best by `better(a, b)` (true when a ranks before b), best first.
/// `better` must be a strict weak order; break ties on the index to make the result unique.
template <class Better>
std::vector<std::size_t> top_k(std::size_t n, std::size_t k, Better better) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  k = std::min(k, n);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    better);
  order.resize(k);
  return order;
}

}  // namespace examples
