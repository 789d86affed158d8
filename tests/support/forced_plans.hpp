#pragma once
// Engines that force each plan by name on each target this machine runs, for the tests that
// compare every plan with the reference (test_engine, test_sparse).

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "grove/engine.hpp"

namespace grove_test {

/// The targets this build has and this CPU runs, lowest first.
inline std::vector<grove::isa_kind> machine_targets() {
  std::vector<grove::isa_kind> out;
  for (grove::isa_kind k : grove::target_ladder)
    if (grove::isa_compiled(k) && grove::cpu_supports(k)) out.push_back(k);
  return out;
}

inline std::vector<std::string> plan_names() {
  std::vector<std::string> out;
  for (const grove::plans::plan_entry& entry : grove::plans::plan_list) out.push_back(entry.name);
  return out;
}

/// One engine forcing one plan on one target.
struct forced {
  grove::isa_kind target;
  std::string plan;
  std::unique_ptr<const grove::detail::engine> e;
};

/// Engines forcing each plan by name on each target of this machine: the group walk at depth 3
/// and at depth 4 alone, the few-row walk beside a depth-4 walk, every other plan alone beside
/// the group walk. Plans the model or target does not allow are left out (the engine would be
/// the group walk again).
inline std::vector<forced> forced_engines(const grove::ir::forest& f) {
  std::vector<forced> out;
  for (grove::isa_kind target : machine_targets())
    for (const std::string& plan : plan_names()) {
      const bool walk = plan == grove::plans::group_walk::plan_name;
      const bool few = plan == grove::plans::few_row_walk::plan_name;
      for (int depth : walk ? std::vector<int>{3, 4} : std::vector<int>{few ? 4 : 0}) {
        grove::engine_options options;
        options.isa = target;
        options.group_depth = depth;
        options.allow = {plan};
        auto e = std::make_unique<const grove::detail::engine>(f, options);
        REQUIRE(e->isa() == target);
        if (depth != 0) REQUIRE(e->group_depth() == depth);
        if (!e->has_plan(plan)) continue;
        out.push_back({target, plan, std::move(e)});
      }
    }
  return out;
}

/// What a forced engine computes for rows x: margins, or leaf ids with `leaf_ids`, in a buffer
/// of `size` values.
inline std::vector<float> forced_output(const forced& c, const grove::detail::row_source& x,
                                        float missing, grove::ir::tree_range range, bool leaf_ids,
                                        std::size_t size) {
  std::vector<float> got(size, 12345.0f);
  if (leaf_ids)
    c.e->leaves(x, missing, range, got.data());
  else
    c.e->margins(x, missing, range, got.data());
  return got;
}

}  // namespace grove_test
