#pragma once
/// @file
/// One process-wide pool of worker threads shared by every predictor.
///
/// Why shared: a service calls predict() from many request threads at once. Each call hands its
/// work to the same (cores - 1) workers and also works itself, so the process never runs more
/// busy threads than callers + cores - 1, however many predictors and callers there are.
/// Why no allocation: the job lives on the caller's stack and the queue has fixed capacity;
/// when it is full the caller simply does all the work itself.

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

namespace grove::detail {

/// Hardware threads, at least 1. Asked once: glibc answers by reading /sys, which costs
/// microseconds, too much for every single-row predict().
inline std::size_t hardware_threads() noexcept {
  static const std::size_t count = [] {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? std::size_t{1} : static_cast<std::size_t>(n);
  }();
  return count;
}

class thread_pool {
 public:
  /// The pool used by all predictors; its workers start on first use, which the predictor's
  /// constructor makes (starting threads allocates; predict() must not).
  static thread_pool& shared() {
    static thread_pool pool(hardware_threads() - 1);
    return pool;
  }

  explicit thread_pool(std::size_t workers) {
    threads_.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
  }

  ~thread_pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_workers_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  std::size_t workers() const noexcept { return threads_.size(); }

  /**
   * Runs task(i) for i in [0, num_tasks) using the calling thread and up to helpers pool
   * workers; returns when every task has finished. task must not throw.
   */
  template <class task_t>
  void run(std::size_t num_tasks, std::size_t helpers, const task_t& task) {
    job j;
    j.total = num_tasks;
    j.context = &task;
    j.invoke = [](const void* context, std::size_t i) {
      (*static_cast<const task_t*>(context))(i);
    };
    j.helpers_wanted = std::min(helpers, threads_.size());
    const bool shared = j.helpers_wanted > 0 && num_tasks > 1 && enqueue(&j);
    run_tasks(j);
    if (!shared) return;
    std::unique_lock<std::mutex> lock(mutex_);
    remove(&j);
    job_finished_.wait(lock, [&] { return j.active == 0; });
  }

 private:
  struct job {
    std::atomic<std::size_t> next{0};
    std::size_t total = 0;
    const void* context = nullptr;
    void (*invoke)(const void*, std::size_t) = nullptr;
    std::size_t helpers_wanted = 0;  // guarded by the pool mutex from here on
    std::size_t active = 0;          // workers inside this job; guarded by the pool mutex
  };

  static void run_tasks(job& j) {
    for (std::size_t i = j.next.fetch_add(1); i < j.total; i = j.next.fetch_add(1))
      j.invoke(j.context, i);
  }

  bool enqueue(job* j) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queued_ == queue_.size()) return false;
      queue_[queued_++] = j;
    }
    wake_workers_.notify_all();
    return true;
  }

  void remove(job* j) {  // mutex held
    for (std::size_t k = 0; k < queued_; ++k) {
      if (queue_[k] == j) {
        queue_[k] = queue_[--queued_];
        return;
      }
    }
  }

  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_workers_.wait(lock, [&] { return stopping_ || queued_ > 0; });
      if (stopping_) return;
      job* j = queue_[0];
      ++j->active;
      if (--j->helpers_wanted == 0) remove(j);
      lock.unlock();
      run_tasks(*j);
      lock.lock();
      remove(j);  // its tasks are all taken: nobody else needs to join
      if (--j->active == 0) job_finished_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_workers_;
  std::condition_variable job_finished_;
  std::array<job*, 256> queue_{};
  std::size_t queued_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace grove::detail
