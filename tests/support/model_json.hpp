#pragma once
// Small save_model documents written by hand, laid out as XGBoost 1.7 writes them, for tests
// that need control over every field (format variants, bad inputs). Expected predictions for
// these models are worked out by hand from the leaf values, never taken from grove.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace grove_test {

/// One scalar tree as XGBoost's arrays; `value` is the threshold on splits, the leaf value on
/// leaves (XGBoost's split_conditions).
struct tree_spec {
  std::vector<int> left, right, feature;
  std::vector<double> value;
  std::vector<int> default_left;  ///< empty: all 0
};

/// The tree most tests use, on 2 features:
///   node 0: x0 < 0 ? node 1 : node 2 (missing -> left)
///   node 1: x1 < 0 ? node 3 : node 4 (missing -> right)
///   leaves: node 2 = 3, node 3 = 1, node 4 = 2
inline tree_spec three_leaf_tree() {
  return {
      {1, 3, -1, -1, -1}, {2, 4, -1, -1, -1}, {0, 1, 0, 0, 0}, {0, 0, 3, 1, 2}, {1, 0, 0, 0, 0}};
}

inline nlohmann::json tree_json(const tree_spec& s, int id, int num_feature) {
  using json = nlohmann::json;
  const std::size_t n = s.left.size();
  std::vector<std::int64_t> parents(n, 2147483647);
  for (std::size_t i = 0; i < n; ++i) {
    if (s.left[i] < 0) continue;
    if (static_cast<std::size_t>(s.left[i]) < n) parents[s.left[i]] = static_cast<std::int64_t>(i);
    if (s.right[i] >= 0 && static_cast<std::size_t>(s.right[i]) < n)
      parents[s.right[i]] = static_cast<std::int64_t>(i);
  }
  std::vector<int> default_left = s.default_left;
  if (default_left.empty()) default_left.assign(n, 0);
  json t;
  t["base_weights"] = std::vector<double>(n, 0.0);
  t["categories"] = json::array();
  t["categories_nodes"] = json::array();
  t["categories_segments"] = json::array();
  t["categories_sizes"] = json::array();
  t["default_left"] = default_left;
  t["id"] = id;
  t["left_children"] = s.left;
  t["loss_changes"] = std::vector<double>(n, 0.0);
  t["parents"] = parents;
  t["right_children"] = s.right;
  t["split_conditions"] = s.value;
  t["split_indices"] = s.feature;
  t["split_type"] = std::vector<int>(n, 0);
  t["sum_hessian"] = std::vector<double>(n, 1.0);
  t["tree_param"] = {{"num_deleted", "0"},
                     {"num_feature", std::to_string(num_feature)},
                     {"num_nodes", std::to_string(n)},
                     {"size_leaf_vector", "0"}};
  return t;
}

struct model_spec {
  std::vector<tree_spec> trees;
  std::vector<int> tree_info;  ///< empty: all 0
  int num_feature = 2;
  int num_class = 0;
  int num_target = 1;
  std::string objective = "reg:squarederror";
  std::string base_score = "0E0";
  std::vector<int> version = {1, 7, 4};
};

/// A gbtree save_model document (1.7 layout: no iteration_indptr).
inline nlohmann::json model_json(const model_spec& m) {
  using json = nlohmann::json;
  json trees = json::array();
  for (std::size_t i = 0; i < m.trees.size(); ++i)
    trees.push_back(tree_json(m.trees[i], static_cast<int>(i), m.num_feature));
  std::vector<int> info = m.tree_info;
  if (info.empty()) info.assign(m.trees.size(), 0);
  json objective = {{"name", m.objective}};
  if (m.objective.rfind("multi:", 0) == 0)
    objective["softmax_multiclass_param"] = {{"num_class", std::to_string(m.num_class)}};
  else
    objective["reg_loss_param"] = {{"scale_pos_weight", "1"}};
  json doc;
  doc["learner"]["attributes"] = json::object();
  doc["learner"]["feature_names"] = json::array();
  doc["learner"]["feature_types"] = json::array();
  doc["learner"]["gradient_booster"] = {{"name", "gbtree"},
                                        {"model",
                                         {{"gbtree_model_param",
                                           {{"num_parallel_tree", "1"},
                                            {"num_trees", std::to_string(m.trees.size())},
                                            {"size_leaf_vector", "0"}}},
                                          {"tree_info", info},
                                          {"trees", trees}}}};
  doc["learner"]["learner_model_param"] = {{"base_score", m.base_score},
                                           {"boost_from_average", "1"},
                                           {"num_class", std::to_string(m.num_class)},
                                           {"num_feature", std::to_string(m.num_feature)},
                                           {"num_target", std::to_string(m.num_target)}};
  doc["learner"]["objective"] = objective;
  doc["version"] = m.version;
  return doc;
}

}  // namespace grove_test
