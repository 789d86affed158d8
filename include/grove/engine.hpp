#pragma once
/// @file
/// The engine: the fast path of the predictor. Picks a target (scalar, AVX2, AVX-512,
/// AVX-512 VBMI) once, builds the plans of the plan list (plans/plan_list.hpp) that the model
/// and the target allow, and gives each call to the first plan that serves it: margins or leaf
/// ids with exactly the reference predictor's results, bit for bit.
///
/// Targets and how they are compiled in: kernels/targets.hpp.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "grove/description.hpp"
#include "grove/detail/row_source.hpp"
#include "grove/engine_options.hpp"
#include "grove/error.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/reference.hpp"
#include "grove/kernels/targets.hpp"
#include "grove/plans/plan_list.hpp"
#include "grove/rows.hpp"
#include "grove/target.hpp"

namespace grove {

/// True when kernels for `k` are compiled into this program.
inline bool isa_compiled(isa_kind k) noexcept { return kernels::compiled(k); }

namespace detail {

/**
 * Immutable after construction; margins() and leaves() are const, allocation-free and safe to
 * call from many threads at once.
 * @code
 *   grove::detail::engine e(model.forest());
 *   e.margins(grove::rows(X, n, cols), grove::missing_value, {0, model.num_trees()}, out);
 * @endcode
 */
class engine {
 public:
  explicit engine(const ir::forest& f, const engine_options& options = {})
      : num_trees_(f.num_trees()),
        num_output_(static_cast<std::size_t>(f.num_output)),
        num_feature_(static_cast<std::size_t>(f.num_feature)) {
    check_plan_names(options);
    isa_ = choose_isa(options.isa);
    const kernels::kernel_set ks = kernel_set_for(isa_);
    const int depth = options.group_depth == 0 ? plans::choose_group_depth(f, isa_, options.tuning)
                                               : options.group_depth;
    const plans::plan_context context{f, isa_, ks, options.tuning, depth};
    std::vector<plans::call_set> built;
    for (const plans::plan_entry& entry : plans::plan_list) {
      const bool fallback = std::string(entry.name) == plans::group_walk::plan_name;
      const plans::call_set calls = entry.calls_for(options.tuning);
      if (!fallback && (!allowed(options, entry.name) ||
                        plans::call_set::covered(calls, built.data(), built.data() + built.size())))
        continue;
      std::unique_ptr<const plans::plan> p = entry.build(context);
      if (p == nullptr) continue;
      if (fallback) walk_ = static_cast<const plans::group_walk*>(p.get());
      built.push_back(p->calls());
      plans_.push_back(std::move(p));
    }
  }

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  isa_kind isa() const noexcept { return isa_; }
  /// Depth of the group walk's groups (few_row_walk, where built, has 3).
  int group_depth() const noexcept { return walk_->group_depth(); }
  /// Weighted fraction of group evaluations whose features are all register resident.
  double sharing_rate() const noexcept { return walk_->grouped().sharing_rate; }
  const compile::grouped_forest& grouped() const noexcept { return walk_->grouped(); }
  std::size_t num_trees() const noexcept { return num_trees_; }
  std::size_t num_output() const noexcept { return num_output_; }
  std::size_t num_feature() const noexcept { return num_feature_; }

  /// The plans built, in the order calls try them.
  const std::vector<std::unique_ptr<const plans::plan>>& plans() const noexcept { return plans_; }
  /// True when a plan of this name was built.
  bool has_plan(const std::string& name) const noexcept {
    for (const auto& p : plans_)
      if (name == p->name()) return true;
    return false;
  }
  /// The plan a call of `num_rows` rows asking for leaf ids (or margins) runs.
  const plans::plan& plan_for(std::size_t num_rows, bool leaf_ids) const noexcept {
    for (const auto& p : plans_)
      if (p->calls().serves(num_rows, leaf_ids)) return *p;
    return *walk_;
  }

  /// True when `target`'s kernels include the one of the plan named `plan` (whether a model
  /// takes it is another matter).
  static bool plan_runs_on(const std::string& plan, isa_kind target) {
    for (const plans::plan_entry& entry : plans::plan_list)
      if (plan == entry.name) return entry.runs_on(kernel_set_for(target));
    return false;
  }

  description describe() const {
    description d;
    d.target = to_string(isa_);
    d.kernels = kernels::kernel_names(kernel_set_for(isa_));
    d.group_depth = group_depth();
    d.sharing_rate = sharing_rate();
    for (const auto& p : plans_)
      d.plans.push_back({p->name(), p->calls().min_rows, p->calls().max_rows, p->calls().margins,
                         p->calls().leaves, p->bytes()});
    return d;
  }

  /// out[r * num_output + k]: base margin k plus trees' weighted leaves, in tree order.
  /// x: grove::rows, double_rows or csr_rows; a CSR view must have passed row_source::check.
  void margins(const row_source& x, float missing, ir::tree_range trees, float* out) const {
    run({x, missing, trees, out, false});
  }

  /// out[r * trees.size() + j]: leaf node id reached in tree trees.begin + j, as a float.
  void leaves(const row_source& x, float missing, ir::tree_range trees, float* out) const {
    run({x, missing, trees, out, true});
  }

 private:
  static isa_kind choose_isa(isa_kind requested) {
    isa_kind k = requested;
    if (k == isa_kind::automatic) {
      if (const char* env = std::getenv("GROVE_ISA"); env != nullptr && *env != '\0')
        k = isa_from_string(env, "GROVE_ISA");
    }
    if (k == isa_kind::automatic) {
      for (auto t = std::rbegin(kernels::targets); t != std::rend(kernels::targets); ++t)
        if (isa_compiled(t->kind) && cpu_supports(t->kind)) return t->kind;
      return isa_kind::scalar;
    }
    if (!isa_compiled(k))
      throw error(
          error_code::unsupported, "isa",
          std::string("the ") + to_string(k) + " kernels are not compiled into this program");
    if (!cpu_supports(k))
      throw error(error_code::unsupported, "isa",
                  std::string("this CPU does not support ") + to_string(k));
    return k;
  }

  static kernels::kernel_set kernel_set_for(isa_kind k) noexcept { return kernels::kernels_of(k); }

  static bool listed(const std::vector<std::string>& names, const char* name) {
    for (const std::string& n : names)
      if (n == name) return true;
    return false;
  }

  static bool allowed(const engine_options& options, const char* name) {
    return (options.allow.empty() || listed(options.allow, name)) && !listed(options.deny, name);
  }

  /// Every name in allow and deny names a plan, and the group walk is not denied.
  static void check_plan_names(const engine_options& options) {
    std::string known;
    for (const plans::plan_entry& entry : plans::plan_list)
      known += std::string(known.empty() ? "" : ", ") + entry.name;
    auto is_plan = [](const std::string& n) {
      for (const plans::plan_entry& entry : plans::plan_list)
        if (n == entry.name) return true;
      return false;
    };
    for (const auto* names : {&options.allow, &options.deny})
      for (const std::string& n : *names)
        if (!is_plan(n))
          throw error(error_code::invalid_argument, names == &options.allow ? "allow" : "deny",
                      "unknown plan '" + n + "' (expected one of " + known + ")");
    if (listed(options.deny, plans::group_walk::plan_name))
      throw error(error_code::invalid_argument, "deny",
                  "the group walk serves every call and cannot be denied");
  }

  void run(const plans::call& c) const {
    if (c.trees.begin > c.trees.end || c.trees.end > num_trees_)
      throw error(error_code::invalid_argument, "trees",
                  "[" + std::to_string(c.trees.begin) + ", " + std::to_string(c.trees.end) +
                      ") is not within the model's " + std::to_string(num_trees_) + " trees");
    if (c.x.num_rows == 0) return;
    if (c.x.type != row_source::kind::csr && c.x.num_cols < num_feature_)
      throw error(error_code::shape, "rows",
                  "rows have " + std::to_string(c.x.num_cols) + " columns but the model needs " +
                      std::to_string(num_feature_));
    for (const auto& p : plans_)
      if (p->calls().serves(c.x.num_rows, c.leaves)) return p->run(c);
  }

  std::vector<std::unique_ptr<const plans::plan>> plans_;
  const plans::group_walk* walk_ = nullptr;  // the fallback, which serves every call
  isa_kind isa_ = isa_kind::scalar;
  std::size_t num_trees_, num_output_, num_feature_;
};

}  // namespace detail
}  // namespace grove
