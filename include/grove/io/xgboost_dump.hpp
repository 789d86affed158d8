#pragma once
/// @file
/// The JSON written by XGBoost's dump_model(dump_format="json"): a list of nested tree objects.
/// A dump has no objective, intercept, class count or DART weights: the caller supplies them
/// through load_options.

#include <algorithm>
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

/// True when a document looks like a dump: a JSON array whose first element has "nodeid".
inline bool is_xgboost_dump(const json& document) {
  return document.is_array() &&
         (document.empty() || (document[0].is_object() && document[0].contains("nodeid")));
}

namespace detail {

/// Feature index of a dump's "split" field: "f12" -> 12, or a name from feature_names.
inline std::int32_t dump_feature_index(const json_cursor& split, std::int64_t max_features) {
  const std::string name = split.as_string();
  if (name.size() >= 2 && name[0] == 'f') {
    std::int64_t index = 0;
    bool digits = true;
    for (std::size_t i = 1; i < name.size() && digits; ++i) {
      digits = name[i] >= '0' && name[i] <= '9';
      index = index * 10 + (name[i] - '0');
      if (index >= max_features) {
        split.fail("feature index in '" + name + "' exceeds the limit of " +
                       std::to_string(max_features),
                   error_code::limit);
      }
    }
    if (digits) return static_cast<std::int32_t>(index);
  }
  split.fail("feature '" + name + "' is not of the form f<index>; a dump with feature names "
             "cannot be mapped to columns");
}

/// One nested dump tree into the IR's arrays (node ids kept as XGBoost numbered them).
/// `total_nodes` counts the node slots of the trees read so far (for limits.max_total_nodes).
inline ir::tree read_dump_tree(const json_cursor& root, std::int64_t num_output,
                               const ir::limits& lim, std::int64_t& max_feature,
                               std::int64_t& total_nodes) {
  // First pass: collect every node object with its id, iteratively (dumps can be deep).
  std::vector<json_cursor> pending{root};
  std::vector<std::pair<std::int64_t, json_cursor>> nodes;
  std::int64_t max_id = -1;
  while (!pending.empty()) {
    json_cursor c = pending.back();
    pending.pop_back();
    c.expect_object();
    const std::int64_t id = c["nodeid"].as_integer();
    if (id < 0 || id >= lim.max_nodes_per_tree)
      c["nodeid"].fail("node id " + std::to_string(id) + " is outside [0, " +
                           std::to_string(lim.max_nodes_per_tree) + ")",
                       error_code::limit);
    max_id = std::max(max_id, id);
    nodes.emplace_back(id, c);
    if (nodes.size() > static_cast<std::size_t>(lim.max_nodes_per_tree))
      c.fail("too many nodes", error_code::limit);
    if (c.has("children")) {
      const json_cursor children = c["children"];
      for (std::size_t k = 0; k < children.size(); ++k) pending.push_back(children.at(k));
    }
  }
  // The arrays span every id up to the largest, and ids need not be dense, so a few bytes can
  // claim millions of nodes: count the slots against the forest's limit before allocating
  // (the builder's own check comes only after every tree has been read).
  total_nodes += max_id + 1;
  if (total_nodes > lim.max_total_nodes)
    root.fail("the trees so far have " + std::to_string(total_nodes) +
                  " node ids, more than the limit of " + std::to_string(lim.max_total_nodes),
              error_code::limit);
  // XGBoost's root is node 0; a dump without one would predict with an undefined root.
  if (root["nodeid"].as_integer() != 0)
    root["nodeid"].fail("the root of a tree must be node 0", error_code::invalid_model);
  const auto n = static_cast<std::size_t>(max_id + 1);
  ir::tree t;
  std::int64_t leaf_size = 1;
  t.left.assign(n, -1);
  t.right.assign(n, -1);
  t.feature.assign(n, 0);
  t.threshold.assign(n, 0.0f);
  t.default_left.assign(n, 0);
  t.categorical.assign(n, 0);
  t.cover.assign(n, 0.0f);
  std::vector<std::uint8_t> defined(n, 0);
  std::vector<std::vector<std::int32_t>> sets(n);
  bool has_cover = true, any_categorical = false;
  // Leaf sizes are known only once a leaf is seen: collect values first.
  std::vector<std::vector<float>> leaves(n);

  for (auto& [id, c] : nodes) {
    if (defined[id])
      c["nodeid"].fail("node id " + std::to_string(id) + " appears twice",
                       error_code::invalid_model);
    defined[id] = 1;
    if (c.has("cover")) t.cover[id] = c["cover"].as_float(); else has_cover = false;
    if (c.has("leaf")) {
      const json_cursor leaf = c["leaf"];
      if (leaf.is_array()) {
        leaves[id] = leaf.as_float_array();
        leaf_size = static_cast<std::int64_t>(leaves[id].size());
      } else {
        leaves[id] = {leaf.as_float()};
      }
      continue;
    }
    const std::int64_t yes = c["yes"].as_integer(), no = c["no"].as_integer();
    for (std::int64_t child : {yes, no})
      if (child < 0 || child > max_id)
        c.fail("child " + std::to_string(child) + " is not a node of this tree",
               error_code::invalid_model);
    const std::int32_t f = dump_feature_index(c["split"], lim.max_features);
    max_feature = std::max<std::int64_t>(max_feature, f);
    t.feature[id] = f;
    const json_cursor condition = c["split_condition"];
    const std::int64_t missing = c.has("missing") ? c["missing"].as_integer() : no;
    if (condition.is_array()) {  // categorical: "yes" holds the categories in the set (right)
      t.categorical[id] = 1;
      any_categorical = true;
      t.left[id] = static_cast<std::int32_t>(no);
      t.right[id] = static_cast<std::int32_t>(yes);
      sets[id] = condition.as_int_array<std::int32_t>(0, lim.max_category);
      std::sort(sets[id].begin(), sets[id].end());
      sets[id].erase(std::unique(sets[id].begin(), sets[id].end()), sets[id].end());
    } else {  // numeric: "yes" is x < threshold (left)
      t.left[id] = static_cast<std::int32_t>(yes);
      t.right[id] = static_cast<std::int32_t>(no);
      t.threshold[id] = condition.as_float();
    }
    t.default_left[id] = missing == t.left[id] ? 1 : 0;
  }
  for (auto& [id, c] : nodes)
    if (t.left[id] >= 0 && (!defined[t.left[id]] || !defined[t.right[id]]))
      c.fail("a child of node " + std::to_string(id) + " is missing from the tree",
             error_code::invalid_model);
  if (leaf_size > num_output)
    root.fail("leaf vectors have " + std::to_string(leaf_size) + " values but the model has " +
              std::to_string(num_output) + " outputs");
  t.leaf_size = static_cast<std::int32_t>(leaf_size);
  t.leaf_value.assign(n * static_cast<std::size_t>(leaf_size), 0.0f);
  for (std::size_t id = 0; id < n; ++id) {
    if (leaves[id].empty()) continue;
    if (static_cast<std::int64_t>(leaves[id].size()) != leaf_size)
      root.fail("leaves of different sizes in one tree");
    std::copy(leaves[id].begin(), leaves[id].end(), t.leaf_value.begin() + id * leaf_size);
  }
  if (!has_cover) t.cover.clear();
  if (any_categorical) {
    t.category_begin.assign(n + 1, 0);
    for (std::size_t id = 0; id < n; ++id) {
      t.categories.insert(t.categories.end(), sets[id].begin(), sets[id].end());
      t.category_begin[id + 1] = static_cast<std::uint32_t>(t.categories.size());
    }
  } else {
    t.categorical.clear();
  }
  return t;
}

}  // namespace detail

/// Reads a dump_model JSON document; options.objective and options.base_score are required.
inline ir::forest read_xgboost_dump(const json& document, const std::string& source,
                                    const load_options& options) {
  json_cursor root(document, source);
  root.expect_array();
  if (options.objective.empty())
    throw error(error_code::invalid_argument, source,
                "a dump_model file has no objective: pass one (load_options::objective, "
                "--objective)");
  if (!options.base_score)
    throw error(error_code::invalid_argument, source,
                "a dump_model file has no base score: pass one (load_options::base_score, "
                "--base-score)");
  ir::objective obj = ir::objective_from_name(options.objective, "objective");
  const bool multiclass = obj.transform == ir::transform_kind::softmax ||
                          obj.transform == ir::transform_kind::softprob;
  if (multiclass && options.num_class < 2)
    throw error(error_code::invalid_argument, source,
                "a multi-class dump needs the class count (load_options::num_class, --num-class)");
  const std::int64_t num_class = std::max<std::int64_t>(options.num_class, 1);

  std::vector<ir::tree> trees;
  std::int64_t max_feature = -1;
  std::int64_t leaf_size = 1;
  std::int64_t total_nodes = 0;
  for (std::size_t i = 0; i < root.size(); ++i) {
    trees.push_back(detail::read_dump_tree(root.at(i), std::max<std::int64_t>(num_class, 64),
                                           options.limits, max_feature, total_nodes));
    leaf_size = std::max<std::int64_t>(leaf_size, trees.back().leaf_size);
  }
  std::int64_t num_feature = options.num_feature > 0 ? options.num_feature : max_feature + 1;
  if (max_feature >= num_feature)
    throw error(error_code::invalid_argument, source,
                "the dump uses feature " + std::to_string(max_feature) + " but num_feature is " +
                    std::to_string(num_feature));
  const std::int64_t num_output = std::max(num_class, leaf_size);
  ir::forest_builder builder(num_feature, num_output, std::move(obj), options.limits);
  builder.set_base_score({*options.base_score});
  for (std::size_t i = 0; i < trees.size(); ++i) {
    const std::int64_t output =
        trees[i].leaf_size > 1 ? 0 : static_cast<std::int64_t>(i) % num_class;
    try {
      builder.add_tree(std::move(trees[i]), output, 1.0f);
    } catch (const error& e) {
      throw error(e.code(), root.at(i).where() + " (" + e.where() + ")", e.message());
    }
  }
  return builder.finish();
}

}  // namespace grove::io
