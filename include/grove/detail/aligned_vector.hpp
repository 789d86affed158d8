#pragma once
/// @file
/// std::vector with 64-byte aligned storage (2 MiB pages from 2 MiB on), for the arrays the
/// kernels read with aligned vector loads.

#include <cstddef>
#include <limits>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace grove::detail {

/// Minimal 64-byte aligned allocator for the kernel arrays.
template <class T>
struct aligned_allocator {
  using value_type = T;
  static constexpr std::size_t huge_page = std::size_t{1} << 21;
  aligned_allocator() noexcept = default;
  template <class U>
  aligned_allocator(const aligned_allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T) - huge_page) throw std::bad_alloc();
    const std::size_t bytes = n * sizeof(T);
    if (bytes < huge_page) return static_cast<T*>(::operator new (bytes, std::align_val_t{64}));
    // Large models' groups are read at random: on 2 MiB pages a walk step costs no TLB miss.
    const std::size_t rounded = (bytes + huge_page - 1) / huge_page * huge_page;
    void* p = ::operator new (rounded, std::align_val_t{huge_page});
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure leaves ordinary pages
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < huge_page)
      ::operator delete (p, std::align_val_t{64});
    else
      ::operator delete (p, std::align_val_t{huge_page});
  }
  template <class U>
  bool operator==(const aligned_allocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const aligned_allocator<U>&) const noexcept {
    return false;
  }
};
template <class T>
using aligned_vector = std::vector<T, aligned_allocator<T>>;

}  // namespace grove::detail
