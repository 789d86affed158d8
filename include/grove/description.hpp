#pragma once
/// @file
/// What a predictor compiled its model into (predictor::describe()): the target, each plan
/// with the calls it serves and its memory, the group depth and the sharing rate.

#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace grove {

struct plan_description {
  std::string name;
  std::size_t min_rows = 0;  ///< calls of min_rows .. max_rows rows
  std::size_t max_rows = 0;
  bool margins = false;  ///< serves margins (and the values made from them)
  bool leaves = false;   ///< serves leaf ids
  std::size_t bytes = 0;
};

struct description {
  std::string target;
  /// The kernels the target has (whether the model's plans use them is another matter).
  std::vector<std::string> kernels;
  int group_depth = 0;
  /// Weighted fraction of group evaluations whose features are all register resident.
  double sharing_rate = 0.0;
  /// In the order they are tried: a call takes the first plan that serves it.
  std::vector<plan_description> plans;
};

/// One line per fact, for logs and `grove-predict --info`.
inline std::string to_string(const description& d) {
  std::string s = "target: " + d.target + "\nkernels:";
  for (const std::string& k : d.kernels) s += " " + k;
  s += "\ngroups of " + std::to_string(d.group_depth) +
                  " levels, sharing rate " + std::to_string(d.sharing_rate) + "\n";
  for (const plan_description& p : d.plans) {
    s += "plan " + p.name + ": " + (p.margins ? "margins" : "") +
         (p.margins && p.leaves ? " and " : "") + (p.leaves ? "leaves" : "") + " of ";
    if (p.max_rows == std::numeric_limits<std::size_t>::max())
      s += std::to_string(p.min_rows) + " rows or more";
    else
      s += std::to_string(p.min_rows) + " to " + std::to_string(p.max_rows) + " rows";
    s += ", " + std::to_string(p.bytes) + " bytes\n";
  }
  return s;
}

}  // namespace grove
