#pragma once
/// @file
/// A plan: one compiled form of a model with the kernel that reads it, and the calls it serves.
/// The engine builds the plans of its plan list (plans/plan_list.hpp) that the model and the
/// target allow, and gives each call to the first plan that serves it.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

#include "grove/detail/row_source.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/walk.hpp"
#include "grove/rows.hpp"
#include "grove/target.hpp"
#include "grove/tuning.hpp"

namespace grove::plans {

/// One call to the engine. Margins: out[r * num_output + k] is base margin k plus the weighted
/// leaves of the trees in range, added in tree order. Leaves: out[r * trees.size() + j] is the
/// leaf node id reached in tree trees.begin + j, as a float.
struct call {
  const grove::detail::row_source& x;  ///< checked (row_source::check) by the caller
  float missing;  ///< values equal to this are missing, as NaN always is
  ir::tree_range trees;
  float* out;
  bool leaves;  ///< leaf ids; else margins
};

/// The calls a plan serves: those of min_rows to max_rows rows that ask for an output it has.
struct call_set {
  std::size_t min_rows = 0;
  std::size_t max_rows = std::numeric_limits<std::size_t>::max();
  bool margins = true;
  bool leaves = true;

  bool serves(std::size_t rows, bool leaf_ids) const noexcept {
    return rows >= min_rows && rows <= max_rows && (leaf_ids ? leaves : margins);
  }
  /// True when every call this set serves is served by some set of [first, last).
  static bool covered(const call_set& c, const call_set* first, const call_set* last) noexcept {
    for (const bool leaf_ids : {false, true}) {
      if (!(leaf_ids ? c.leaves : c.margins)) continue;
      // Walk up from min_rows, each time to the end of the set that reaches furthest from here.
      std::size_t from = c.min_rows;
      while (true) {
        const call_set* best = nullptr;
        for (const call_set* s = first; s != last; ++s)
          if ((leaf_ids ? s->leaves : s->margins) && s->min_rows <= from && s->max_rows >= from &&
              (best == nullptr || s->max_rows > best->max_rows))
            best = s;
        if (best == nullptr) return false;
        if (best->max_rows >= c.max_rows) break;
        from = best->max_rows + 1;
      }
    }
    return true;
  }
};

class plan {
 public:
  plan(const char* name, const call_set& calls) noexcept : name_(name), calls_(calls) {}
  virtual ~plan() = default;
  plan(const plan&) = delete;
  plan& operator=(const plan&) = delete;

  const char* name() const noexcept { return name_; }
  const call_set& calls() const noexcept { return calls_; }
  /// Memory of the plan's compiled data and buffers.
  virtual std::size_t bytes() const noexcept = 0;
  /// Computes a call this plan serves (see `call`), bit for bit as ir::reference does.
  virtual void run(const call& c) const = 0;

 private:
  const char* name_;
  call_set calls_;
};

/// What a plan is built from.
struct plan_context {
  const ir::forest& forest;
  isa_kind target;
  const kernels::kernel_set& kernels;  ///< the target's kernels
  const tuning& tune;
  int group_depth;  ///< of the group walk, chosen or forced
};

/// A line of the plan list: plan_t has `static constexpr const char* plan_name`,
/// `static call_set calls_for(const tuning&)` (what it would serve, known before it is built),
/// `static bool runs_on(const kernels::kernel_set&)` (the target has its kernel) and
/// `static std::unique_ptr<const plan> build(const plan_context&)` (nullptr when the model or
/// the target does not allow it).
struct plan_entry {
  const char* name;
  call_set (*calls_for)(const tuning&);
  bool (*runs_on)(const kernels::kernel_set&);
  std::unique_ptr<const plan> (*build)(const plan_context&);

  template <class plan_t>
  static constexpr plan_entry of() noexcept {
    return {plan_t::plan_name, &plan_t::calls_for, &plan_t::runs_on, &plan_t::build};
  }
};

/// Bytes held by a vector's elements.
template <class vector_t>
std::size_t vector_bytes(const vector_t& v) noexcept {
  return v.size() * sizeof(typename vector_t::value_type);
}

/// Bytes held by a tree's arrays.
inline std::size_t tree_bytes(const ir::tree& t) noexcept {
  return vector_bytes(t.left) + vector_bytes(t.right) + vector_bytes(t.feature) +
         vector_bytes(t.threshold) + vector_bytes(t.default_left) + vector_bytes(t.categorical) +
         vector_bytes(t.category_begin) + vector_bytes(t.categories) + vector_bytes(t.leaf_value) +
         vector_bytes(t.cover);
}

/// Capacity of the accumulators of value-summing plans: outputs per row.
inline constexpr std::size_t max_value_outputs = 16;

}  // namespace grove::plans
