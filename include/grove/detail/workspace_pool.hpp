#pragma once
/// @file
/// A fixed set of scratch buffers allocated once and lent to concurrent calls without locking or
/// allocating: a call takes a free buffer if there is one and returns it when done, else it does
/// without (the engine then works in smaller blocks on its stack).

#include <atomic>
#include <cstddef>
#include <memory>

#include "grove/detail/aligned_vector.hpp"

namespace grove::detail {

class workspace_pool {
 public:
  workspace_pool() = default;
  /// `count` buffers of `floats` floats each (64-byte aligned).
  workspace_pool(std::size_t count, std::size_t floats)
      : slots_(count == 0 ? nullptr : new slot[count]), count_(count) {
    for (std::size_t i = 0; i < count_; ++i) slots_[i].memory.resize(floats);
  }

  /// A borrowed buffer, returned to the pool when the lease ends; data() is null when every
  /// buffer was in use (or the pool is empty).
  class lease {
   public:
    lease() = default;
    explicit lease(std::atomic<bool>* busy, float* data) : busy_(busy), data_(data) {}
    lease(lease&& other) noexcept : busy_(other.busy_), data_(other.data_) {
      other.busy_ = nullptr;
      other.data_ = nullptr;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (busy_ != nullptr) busy_->store(false, std::memory_order_release);
    }
    float* data() const noexcept { return data_; }

   private:
    std::atomic<bool>* busy_ = nullptr;
    float* data_ = nullptr;
  };

  lease try_acquire() const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
      slot& s = slots_[i];
      if (!s.busy.load(std::memory_order_relaxed) &&
          !s.busy.exchange(true, std::memory_order_acquire))
        return lease(&s.busy, s.memory.data());
    }
    return lease();
  }

 private:
  struct slot {
    aligned_vector<float> memory;
    std::atomic<bool> busy{false};
  };
  std::unique_ptr<slot[]> slots_;
  std::size_t count_ = 0;
};

}  // namespace grove::detail
