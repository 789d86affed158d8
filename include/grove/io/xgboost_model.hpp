#pragma once
/// @file
/// The document written by XGBoost's save_model (JSON text or UBJSON), versions 1.0 to 3.x,
/// turned into an ir::forest. Every XGBoost format quirk is handled here and nowhere else.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grove/error.hpp"
#include "grove/io/json_cursor.hpp"
#include "grove/io/load_options.hpp"
#include "grove/ir/builder.hpp"
#include "grove/ir/forest.hpp"

namespace grove::io {

namespace detail {

/// base_score as written by any version: "5E-1", "0.500000", "[5E-1]", "[a,b,c]" or a number.
inline std::vector<float> parse_base_score(const json_cursor& c) {
  if (c.value().is_number()) return {c.as_float()};
  std::string s = c.as_string();
  std::size_t b = 0, e = s.size();
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  if (e - b >= 2 && ((s[b] == '[' && s[e - 1] == ']') || (s[b] == '(' && s[e - 1] == ')'))) {
    ++b;
    --e;
  }
  std::vector<float> values;
  std::size_t start = b;
  for (std::size_t i = b; i <= e; ++i) {
    if (i == e || s[i] == ',') {
      std::string item = s.substr(start, i - start);
      while (!item.empty() && item.front() == ' ') item.erase(item.begin());
      while (!item.empty() && item.back() == ' ') item.pop_back();
      values.push_back(c.parse_float(item));
      start = i + 1;
    }
  }
  return values;
}

struct model_shape {
  std::int64_t num_feature;
  std::int64_t num_output;
};

/// One tree object of save_model, scalar or vector-leaf, into the IR's arrays.
inline ir::tree read_tree(const json_cursor& c, const model_shape& shape, const ir::limits& lim) {
  c.expect_object();
  const json_cursor param = c["tree_param"];
  const std::int64_t num_nodes = param["num_nodes"].as_integer();
  if (num_nodes < 1 || num_nodes > lim.max_nodes_per_tree)
    param["num_nodes"].fail("node count " + std::to_string(num_nodes) + " is outside [1, " +
                                std::to_string(lim.max_nodes_per_tree) + "]",
                            error_code::limit);
  std::int64_t leaf_size = 1;
  if (param.has("size_leaf_vector")) {
    leaf_size = param["size_leaf_vector"].as_integer();
    if (leaf_size < 0 || leaf_size > shape.num_output)
      param["size_leaf_vector"].fail("leaf vector size " + std::to_string(leaf_size) +
                                         " is outside [0, " + std::to_string(shape.num_output) +
                                         "]",
                                     error_code::invalid_model);
    if (leaf_size == 0) leaf_size = 1;  // XGBoost 1.x writes 0 for ordinary trees
  }
  const auto n = static_cast<std::size_t>(num_nodes);
  auto sized = [&](const json_cursor& a) -> const json_cursor& {
    a.expect_array();
    if (a.size() != n)
      a.fail(
          "has " + std::to_string(a.size()) + " entries, expected num_nodes = " + std::to_string(n),
          error_code::invalid_model);
    return a;
  };

  ir::tree t;
  t.leaf_size = static_cast<std::int32_t>(leaf_size);
  t.left = sized(c["left_children"]).as_int_array<std::int32_t>(-1, num_nodes - 1);
  // Vector-leaf trees of XGBoost 3.2+ keep a leaf's row in leaf_weights in right_children.
  t.right = sized(c["right_children"]).as_int_array<std::int32_t>(-1, INT32_MAX);
  // Deleted nodes carry feature 2^31-1; the builder checks reachable splits against num_feature.
  t.feature = sized(c["split_indices"]).as_int_array<std::int32_t>(0, INT32_MAX);
  const std::vector<float> conditions = sized(c["split_conditions"]).as_float_array();
  t.default_left = sized(c["default_left"]).as_int_array<std::uint8_t>(0, 1);
  if (c.has("split_type")) t.categorical = sized(c["split_type"]).as_int_array<std::uint8_t>(0, 1);
  // grove does not need the parent links, but XGBoost follows them when it loads the same file:
  // a link out of the tree is refused (the root's is 2^31 - 1, "none").
  if (c.has("parents")) {
    const json_cursor parents = c["parents"];
    const auto parent = sized(parents).as_int_array<std::int64_t>(-1, INT32_MAX);
    for (std::size_t node = 0; node < n; ++node)
      if (parent[node] >= num_nodes && parent[node] != INT32_MAX)
        parents.at(node).fail("parent " + std::to_string(parent[node]) +
                                  " is not a node of the tree (" + std::to_string(n) + " nodes)",
                              error_code::invalid_model);
  }
  if (c.has("sum_hessian") && c["sum_hessian"].size() == n)
    t.cover = c["sum_hessian"].as_float_array();

  t.threshold = conditions;
  if (leaf_size == 1) {
    t.leaf_value = conditions;
  } else {
    // Vector leaves: 3.2+ stores them in leaf_weights (row = right_children of the leaf),
    // 2.0-3.1 in base_weights (row = node id).
    t.leaf_value.assign(n * static_cast<std::size_t>(leaf_size), 0.0f);
    const bool separate = c.has("leaf_weights");
    const json_cursor store = separate ? c["leaf_weights"] : c["base_weights"];
    const std::vector<float> weights = store.as_float_array();
    for (std::size_t node = 0; node < n; ++node) {
      if (t.left[node] != -1) continue;
      const std::size_t row =
          separate ? static_cast<std::size_t>(t.right[node]) : node;
      const std::size_t first = row * static_cast<std::size_t>(leaf_size);
      if (t.right[node] < 0 && separate)
        c["right_children"].at(node).fail("leaf has no row in leaf_weights",
                                          error_code::invalid_model);
      if (first + leaf_size > weights.size())
        store.fail("leaf of node " + std::to_string(node) + " needs entries up to " +
                       std::to_string(first + leaf_size) + ", array has " +
                       std::to_string(weights.size()),
                   error_code::invalid_model);
      for (std::int64_t k = 0; k < leaf_size; ++k)
        t.leaf_value[node * leaf_size + k] = weights[first + k];
    }
  }
  for (std::size_t node = 0; node < n; ++node)
    if (t.left[node] == -1) t.right[node] = -1;

  bool any_categorical = false;
  for (std::uint8_t s : t.categorical) any_categorical = any_categorical || s != 0;
  if (any_categorical) {
    const auto nodes = c["categories_nodes"].as_int_array<std::int32_t>(0, num_nodes - 1);
    const auto segments = c["categories_segments"].as_int_array<std::int64_t>(0, INT64_MAX);
    const auto sizes = c["categories_sizes"].as_int_array<std::int64_t>(0, INT64_MAX);
    const auto codes = c["categories"].as_int_array<std::int32_t>(0, lim.max_category);
    if (segments.size() != nodes.size() || sizes.size() != nodes.size())
      c["categories_nodes"].fail(
          "categories_nodes, categories_segments and categories_sizes differ in length",
          error_code::invalid_model);
    std::vector<std::int64_t> owner(n, -1);
    // XGBoost writes disjoint segments, so their sizes add up to at most the array length.
    // Checking that bounds the copies below by the input: overlapping segments would let a
    // small file make every node copy the same long list.
    std::int64_t total = 0;
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      if (owner[nodes[k]] != -1)
        c["categories_nodes"].at(k).fail("node listed twice", error_code::invalid_model);
      if (segments[k] > static_cast<std::int64_t>(codes.size()) ||
          sizes[k] > static_cast<std::int64_t>(codes.size()) - segments[k])
        c["categories_segments"].at(k).fail("segment runs past the categories array",
                                            error_code::invalid_model);
      total += sizes[k];
      if (total > static_cast<std::int64_t>(codes.size()))
        c["categories_sizes"].fail("sizes add up to more than the " + std::to_string(codes.size()) +
                                       " entries of the categories array (segments overlap)",
                                   error_code::invalid_model);
      owner[nodes[k]] = static_cast<std::int64_t>(k);
    }
    t.category_begin.assign(n + 1, 0);
    for (std::size_t node = 0; node < n; ++node) {
      const std::int64_t k = owner[node];
      if (t.categorical[node] && t.left[node] != -1 && k >= 0) {
        for (std::int64_t i = 0; i < sizes[k]; ++i) t.categories.push_back(codes[segments[k] + i]);
      } else if (t.categorical[node] && t.left[node] != -1) {
        c["categories_nodes"].fail(
            "categorical split at node " + std::to_string(node) + " has no category list",
            error_code::invalid_model);
      }
      t.category_begin[node + 1] = static_cast<std::uint32_t>(t.categories.size());
    }
  }
  return t;
}

}  // namespace detail

/**
 * Reads a save_model document. `source` names the file in errors.
 * Accepts gbtree and dart boosters (every DART layout) and the {"Config", "Model"} wrapper.
 */
inline ir::forest read_xgboost_model(const json& document, const std::string& source,
                                     const load_options& options = {}) {
  json_cursor root(document, source);
  root.expect_object();
  if (root.has("Model") && !root.has("learner")) root = root["Model"];

  std::int64_t major = 1, minor = 0;
  if (root.has("version")) {
    const auto v = root["version"].as_int_array<std::int64_t>(0, 1 << 20);
    if (v.size() >= 2) {
      major = v[0];
      minor = v[1];
    }
  }
  const json_cursor learner = root["learner"];
  const json_cursor param = learner["learner_model_param"];
  const std::int64_t num_feature = param["num_feature"].as_integer();
  const std::int64_t num_class = param.has("num_class") ? param["num_class"].as_integer() : 0;
  const std::int64_t num_target = param.has("num_target") ? param["num_target"].as_integer() : 1;
  if (num_class < 0) param["num_class"].fail("negative class count");
  if (num_target < 0) param["num_target"].fail("negative target count");
  const std::int64_t num_output = std::max<std::int64_t>({num_class, num_target, 1});
  if (num_feature < 0 || num_feature > options.limits.max_features)
    param["num_feature"].fail("feature count " + std::to_string(num_feature) +
                                  " is outside [0, " + std::to_string(options.limits.max_features) +
                                  "]",
                              error_code::limit);
  if (num_output > options.limits.max_outputs)
    param.fail("output count " + std::to_string(num_output) + " exceeds the limit of " +
                   std::to_string(options.limits.max_outputs),
               error_code::limit);

  const json_cursor objective_node = learner["objective"]["name"];
  const std::string objective_name = objective_node.as_string();
  if (!options.objective.empty() && options.objective != objective_name)
    objective_node.fail("the model's objective is '" + objective_name + "', but '" +
                            options.objective + "' was asked for",
                        error_code::invalid_argument);
  ir::objective obj = ir::objective_from_name(objective_name, objective_node.where());
  // XGBoost 3.4 started sorting each row's quantiles at prediction time.
  if (objective_name == "reg:quantileerror" && (major > 3 || (major == 3 && minor >= 4)))
    obj.transform = ir::transform_kind::sort;

  // Find the tree container and the DART weights, wherever this version put them.
  json_cursor booster = learner["gradient_booster"];
  const std::string booster_name = booster["name"].as_string();
  std::vector<float> weights;
  json_cursor model = booster;
  if (booster_name == "dart") {
    model = booster["gbtree"]["model"];
    if (booster.has("weight_drop")) weights = booster["weight_drop"].as_float_array();
  } else if (booster_name == "gbtree") {
    model = booster["model"];
    if (booster.has("weight_drop")) weights = booster["weight_drop"].as_float_array();
    if (model.has("weight_drop")) weights = model["weight_drop"].as_float_array();
  } else if (booster_name == "gblinear") {
    booster["name"].fail("linear boosters (gblinear) are not supported", error_code::unsupported);
  } else {
    booster["name"].fail("unknown booster '" + booster_name + "'", error_code::unsupported);
  }

  const json_cursor trees = model["trees"];
  trees.expect_array();
  const std::size_t num_trees = trees.size();
  const json_cursor model_param = model["gbtree_model_param"];
  const std::int64_t declared_trees = model_param["num_trees"].as_integer();
  if (declared_trees != static_cast<std::int64_t>(num_trees))
    model_param["num_trees"].fail("declares " + std::to_string(declared_trees) +
                                      " trees but the trees array has " + std::to_string(num_trees),
                                  error_code::invalid_model);
  const json_cursor tree_info = model["tree_info"];
  if (tree_info.size() != num_trees)
    tree_info.fail("has " + std::to_string(tree_info.size()) + " entries for " +
                       std::to_string(num_trees) + " trees",
                   error_code::invalid_model);
  const auto outputs = tree_info.as_int_array<std::int32_t>(0, num_output - 1);
  if (!weights.empty() && weights.size() != num_trees)
    model.fail("weight_drop has " + std::to_string(weights.size()) + " entries for " +
                   std::to_string(num_trees) + " trees",
               error_code::invalid_model);

  ir::forest_builder builder(num_feature, num_output, std::move(obj), options.limits);
  // The builder names only the setting; rethrow with the JSON path of the value.
  try {
    builder.set_base_score(detail::parse_base_score(param["base_score"]));
  } catch (const error& e) {
    if (e.where() != "base_score") throw;
    param["base_score"].fail(e.message(), e.code());
  }
  if (model_param.has("num_parallel_tree")) {
    try {
      builder.set_num_parallel_tree(model_param["num_parallel_tree"].as_integer());
    } catch (const error& e) {
      if (e.where() != "num_parallel_tree") throw;
      model_param["num_parallel_tree"].fail(e.message(), e.code());
    }
  }
  if (model.has("iteration_indptr"))
    builder.set_round_begin(model["iteration_indptr"].as_int_array<std::size_t>(0, num_trees));
  {
    std::vector<std::string> names, types;
    if (learner.has("feature_names")) names = learner["feature_names"].as_string_array();
    if (learner.has("feature_types")) types = learner["feature_types"].as_string_array();
    builder.set_feature_info(std::move(names), std::move(types));
  }

  const detail::model_shape shape{num_feature, num_output};
  for (std::size_t i = 0; i < num_trees; ++i) {
    const json_cursor tc = trees.at(i);
    ir::tree t = detail::read_tree(tc, shape, options.limits);
    try {
      builder.add_tree(std::move(t), outputs[i], weights.empty() ? 1.0f : weights[i]);
    } catch (const error& e) {
      throw error(e.code(), tc.where() + " (" + e.where() + ")", e.message());
    }
  }
  try {
    return builder.finish();
  } catch (const error& e) {
    throw error(e.code(), model.where() + " (" + e.where() + ")", e.message());
  }
}

}  // namespace grove::io
