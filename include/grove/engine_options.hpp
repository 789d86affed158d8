#pragma once
/// @file
/// How a predictor compiles its model: the target, the group depth, which plans it may use
/// (plans are the compiled forms of the model, each with its kernel; see docs/design.md), and
/// the tuning figures the plans receive.

#include <string>
#include <vector>

#include "grove/target.hpp"
#include "grove/tuning.hpp"

namespace grove {

struct engine_options {
  /// automatic: GROVE_ISA if set, else the best compiled-in target the CPU has.
  isa_kind isa = isa_kind::automatic;
  /// Levels per group of the group walk: 3 or 4; 0 chooses from the trees' depths.
  int group_depth = 0;
  /// Names of the plans the engine may build (empty: every plan); the group walk, which serves
  /// every call, is always built. Tests and benchmarks force a plan by naming it alone.
  std::vector<std::string> allow;
  /// Names of plans the engine must not build (not the group walk).
  std::vector<std::string> deny;
  grove::tuning tuning;
};

}  // namespace grove
