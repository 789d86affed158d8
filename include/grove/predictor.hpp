#pragma once
/// @file
/// grove::predictor: the public entry point for predictions.

#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "grove/description.hpp"
#include "grove/detail/parallel.hpp"
#include "grove/detail/row_source.hpp"
#include "grove/engine.hpp"
#include "grove/engine_options.hpp"
#include "grove/error.hpp"
#include "grove/explain/tree_shap.hpp"
#include "grove/ir/objective.hpp"
#include "grove/ir/reference.hpp"
#include "grove/model.hpp"
#include "grove/rows.hpp"

namespace grove {

/// What predict() writes per row.
enum class output {
  value,   ///< what XGBoost's predict() returns (probabilities, class index, ...)
  margin,  ///< raw scores, XGBoost's output_margin=True
  leaf,    ///< leaf node id reached in each tree, XGBoost's pred_leaf=True
  /// SHAP feature contributions, XGBoost's pred_contribs=True: per output, num_feature values
  /// then the bias, [row][output][num_feature + 1]; a row's block of an output sums to its margin.
  /// Needs node covers (a save_model file, or a dump written with stats); not for vector leaves.
  contribs,
};

struct predict_options {
  output kind = output::value;
  /// Values equal to this are missing (NaN is always missing), as XGBoost's `missing`.
  float missing = std::numeric_limits<float>::quiet_NaN();
  /// Boosting rounds [iteration_begin, iteration_end) are used; iteration_end = 0 means all.
  std::size_t iteration_begin = 0;
  std::size_t iteration_end = 0;
  /// Worker threads; 0 chooses (one thread for small batches, at most the core count).
  std::size_t threads = 0;
};

/**
 * Predicts with a model. Immutable after construction: predict() is const and safe to call
 * from many threads at once. The first predictor of a process starts the shared worker threads
 * (one fewer than the cores), so that no predict() call, not even a process's first, allocates.
 * @code
 *   grove::predictor p(grove::load("model.json"));
 *   std::vector<float> out(p.output_size(n));
 *   p.predict(grove::rows(X, n, p.num_feature()), out.data(), out.size());
 * @endcode
 */
class predictor {
 public:
  explicit predictor(model m, const engine_options& options = {})
      : model_(std::move(m)),
        engine_(std::make_shared<const detail::engine>(model_.forest(), options)),
        shap_(std::make_shared<lazy_shap>()),
        tuning_(options.tuning) {
    // The process's shared worker threads start here (once per process), not in the first
    // predict() that uses several threads: starting threads allocates, predict() must not.
    (void)detail::thread_pool::shared();
  }

  /// What the model was compiled into: the target, each plan with the calls it serves and its
  /// memory, the group depth and the sharing rate.
  description describe() const { return engine_->describe(); }

  const grove::model& get_model() const noexcept { return model_; }
  std::size_t num_feature() const noexcept { return model_.num_feature(); }

  /// Values written per row for these options.
  std::size_t output_width(const predict_options& options = {}) const {
    const ir::forest& f = model_.forest();
    switch (options.kind) {
      case output::margin: return static_cast<std::size_t>(f.num_output);
      case output::value: return ir::value_width(f.obj, static_cast<std::size_t>(f.num_output));
      case output::leaf: return trees_for(options).size();
      case output::contribs:
        return static_cast<std::size_t>(f.num_output) * (static_cast<std::size_t>(f.num_feature) + 1);
    }
    return 0;
  }

  std::size_t output_size(std::size_t num_rows, const predict_options& options = {}) const {
    return num_rows * output_width(options);
  }

  /**
   * Builds the tables output::contribs needs (explain::tree_shap), if not built yet. The first
   * contribs prediction does it anyway; call this first to keep that allocation and its time
   * (which grow with the trees' leaves and depth) out of the first prediction. Thread-safe.
   * Throws grove::error (unsupported) for a model without covers or with vector leaves.
   */
  const explain::tree_shap& prepare_contributions() const {
    std::call_once(shap_->once, [&] {
      shap_->shap = std::make_shared<const explain::tree_shap>(model_.forest());
    });
    return *shap_->shap;
  }

  /// Writes output_size(x.num_rows, options) floats to out, row after row.
  /// Allocates nothing, except on the first output::contribs call (see prepare_contributions).
  void predict(const rows& x, float* out, std::size_t out_size,
               const predict_options& options = {}) const {
    predict_source(x, out, out_size, options);
  }
  /// The same for float64 rows: each value is rounded to float32 as it is read, as XGBoost
  /// rounds it; nothing is copied.
  void predict(const double_rows& x, float* out, std::size_t out_size,
               const predict_options& options = {}) const {
    predict_source(x, out, out_size, options);
  }
  /// The same for sparse rows: an absent entry is missing. The view is checked first (see
  /// csr_rows); nothing is written when it is malformed.
  void predict(const csr_rows& x, float* out, std::size_t out_size,
               const predict_options& options = {}) const {
    predict_source(x, out, out_size, options);
  }

  /// Convenience forms that allocate and return the output.
  std::vector<float> predict(const rows& x, const predict_options& options = {}) const {
    return predict_vector(x, options);
  }
  std::vector<float> predict(const double_rows& x, const predict_options& options = {}) const {
    return predict_vector(x, options);
  }
  std::vector<float> predict(const csr_rows& x, const predict_options& options = {}) const {
    return predict_vector(x, options);
  }

 private:
  void predict_source(const detail::row_source& x, float* out, std::size_t out_size,
                      const predict_options& options) const {
    const ir::forest& f = model_.forest();
    const ir::tree_range trees = trees_for(options);
    const std::size_t width = output_width(options);
    if (options.kind == output::contribs) {
      const explain::tree_shap& shap = prepare_contributions();
      check_shapes(x, out, out_size, width);
      predict_contribs(shap, x, trees, out, options);
      return;
    }
    check_shapes(x, out, out_size, width);
    const auto num_output = static_cast<std::size_t>(f.num_output);
    const float missing = options.missing;
    const output kind = options.kind;
    const detail::engine& e = *engine_;
    auto run = [&](std::size_t begin, std::size_t end) {
      // Margins are written straight into the output when a row's output holds them (margin
      // output, and value output of width num_output, transformed in place), and the engine gets
      // the whole range at once (it blocks rows for the caches itself); only multi:softmax, one
      // class index per row, needs margins on the side: a stack buffer, which the output limit
      // (ir::limits::max_outputs) keeps large enough for one row, filled 64 rows at a time.
      constexpr std::size_t block = 64;
      float scratch[scratch_floats];
      const bool on_the_side = kind == output::value && width != num_output;
      const std::size_t step =
          on_the_side ? std::min(block, scratch_floats / num_output) : end - begin;
      for (std::size_t r0 = begin; r0 < end; r0 += step) {
        const std::size_t n = std::min(step, end - r0);
        const detail::row_source part = x.part(r0, n);
        float* o = out + r0 * width;
        if (kind == output::leaf) {
          e.leaves(part, missing, trees, o);
        } else if (kind == output::margin) {
          e.margins(part, missing, trees, o);
        } else {
          float* m = on_the_side ? scratch : o;
          e.margins(part, missing, trees, m);
          for (std::size_t r = 0; r < n; ++r)
            ir::transform_row(f.obj, m + r * num_output, num_output, o + r * width);
        }
      }
    };
    detail::parallel_for(x.num_rows, thread_count(options, x.num_rows, tuning_.threaded_from_rows),
                         tuning_.thread_chunk_rows, run);
  }

  std::vector<float> predict_vector(const detail::row_source& x,
                                    const predict_options& options) const {
    std::vector<float> out(output_size(x.num_rows, options));
    predict_source(x, out.data(), out.size(), options);
    return out;
  }

  /// The contribution tables, built on first use and shared by copies of the predictor.
  struct lazy_shap {
    std::once_flag once;
    std::shared_ptr<const explain::tree_shap> shap;
  };

  void predict_contribs(const explain::tree_shap& shap, const detail::row_source& x,
                        ir::tree_range trees, float* out, const predict_options& options) const {
    const ir::forest& f = model_.forest();
    const auto num_output = static_cast<std::size_t>(f.num_output);
    const std::size_t block = static_cast<std::size_t>(f.num_feature) + 1;
    const std::size_t width = num_output * block;
    // Bias per output: the intercept plus the expected value of every tree in range.
    if (num_output > scratch_floats)  // only with ir::limits::max_outputs raised past it
      throw error(error_code::limit, "contributions",
                  std::to_string(num_output) + " outputs; at most " +
                      std::to_string(scratch_floats) + " are supported");
    double bias[scratch_floats];
    for (std::size_t k = 0; k < num_output; ++k) bias[k] = f.base_margin[k];
    for (std::size_t i = trees.begin; i < trees.end; ++i)
      bias[static_cast<std::size_t>(shap.tree_output(i))] += shap.expected_value(i);
    const float missing = options.missing;
    auto run = [&](std::size_t begin, std::size_t end) {
      float* o = out + begin * width;
      std::fill(o, o + (end - begin) * width, 0.0f);
      shap.add_rows(x, begin, end - begin, missing, trees, o, width);
      for (std::size_t r = begin; r < end; ++r)
        for (std::size_t k = 0; k < num_output; ++k)
          out[r * width + k * block + block - 1] = static_cast<float>(bias[k]);
    };
    detail::parallel_for(x.num_rows,
                         thread_count(options, x.num_rows, tuning_.contribs_threaded_from_rows),
                         tuning_.contribs_thread_chunk_rows, run);
  }

  /// Floats of margins kept on the stack for multi:softmax; at least ir::limits::max_outputs.
  static constexpr std::size_t scratch_floats = 4096;

  ir::tree_range trees_for(const predict_options& options) const {
    return ir::rounds_to_trees(model_.forest(), options.iteration_begin, options.iteration_end);
  }

  void check_shapes(const detail::row_source& x, const float* out, std::size_t out_size,
                    std::size_t width) const {
    x.check(num_feature());
    const std::size_t needed = x.num_rows * width;
    if (width != 0 && needed / width != x.num_rows)
      throw error(error_code::shape, "output", "the output size overflows");
    if (out_size < needed)
      throw error(error_code::shape, "output",
                  "buffer holds " + std::to_string(out_size) + " values, " +
                      std::to_string(needed) + " are needed");
    if (needed > 0 && out == nullptr)
      throw error(error_code::invalid_argument, "output", "buffer is null");
  }

  /// The caller's thread count (at most the cores), or by default one thread below
  /// `threaded_from` rows and every core from there.
  static std::size_t thread_count(const predict_options& options, std::size_t num_rows,
                                  std::size_t threaded_from) {
    const std::size_t cores = detail::hardware_threads();
    if (options.threads != 0) return std::min(options.threads, cores);
    return num_rows < threaded_from ? 1 : cores;
  }

  grove::model model_;
  std::shared_ptr<const detail::engine> engine_;  // immutable, shared by copies and threads
  std::shared_ptr<lazy_shap> shap_;               // built once on first use, shared by copies
  grove::tuning tuning_;
};

}  // namespace grove
