#pragma once
/// @file
/// The only way to make an ir::forest: loaders hand trees to this builder, which checks every
/// invariant before the forest reaches a predictor. Errors name the tree and node.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grove/error.hpp"
#include "grove/ir/forest.hpp"
#include "grove/ir/limits.hpp"

namespace grove::ir {

class forest_builder {
 public:
  forest_builder(std::int64_t num_feature, std::int64_t num_output, objective obj,
                 const limits& lim = {})
      : limits_(lim) {
    if (num_feature < 0 || num_feature > lim.max_features)
      throw error(error_code::limit, "num_feature",
                  "feature count " + std::to_string(num_feature) + " is outside [0, " +
                      std::to_string(lim.max_features) + "]");
    if (num_output < 1 || num_output > lim.max_outputs)
      throw error(error_code::limit, "num_output",
                  "output count " + std::to_string(num_output) + " is outside [1, " +
                      std::to_string(lim.max_outputs) + "]");
    forest_.num_feature = static_cast<std::int32_t>(num_feature);
    forest_.num_output = static_cast<std::int32_t>(num_output);
    forest_.obj = std::move(obj);
  }

  /// Intercept in prediction space (one value, broadcast, or one per output); converted to
  /// margin space with the objective's link.
  void set_base_score(const std::vector<float>& base_score) {
    const std::size_t g = static_cast<std::size_t>(forest_.num_output);
    if (base_score.size() != 1 && base_score.size() != g)
      throw error(error_code::invalid_model, "base_score",
                  "expected 1 or " + std::to_string(g) + " values, got " +
                      std::to_string(base_score.size()));
    forest_.base_margin.assign(g, 0.0f);
    for (std::size_t k = 0; k < g; ++k) {
      const float p = base_score.size() == 1 ? base_score[0] : base_score[k];
      forest_.base_margin[k] = base_score_to_margin(forest_.obj.link, p);
    }
  }

  void set_feature_info(std::vector<std::string> names, std::vector<std::string> types) {
    forest_.feature_names = std::move(names);
    forest_.feature_types = std::move(types);
  }

  /// Boosting round boundaries (XGBoost's iteration_indptr); derived in finish() when not given.
  void set_round_begin(std::vector<std::size_t> round_begin) {
    round_begin_ = std::move(round_begin);
  }
  /// Trees per output per round (num_parallel_tree); used only to derive round boundaries.
  void set_num_parallel_tree(std::int64_t n) {
    if (n < 1 || n > limits_.max_trees)
      throw error(error_code::invalid_model, "num_parallel_tree",
                  "must be at least 1, got " + std::to_string(n));
    num_parallel_tree_ = n;
  }

  /// Adds tree number trees().size(); `output` is the output it adds to, `weight` its DART weight.
  void add_tree(tree t, std::int64_t output, float weight) {
    const std::size_t index = forest_.trees.size();
    const std::string where = "tree " + std::to_string(index);
    if (static_cast<std::int64_t>(index) >= limits_.max_trees)
      throw error(error_code::limit, where,
                  "more than " + std::to_string(limits_.max_trees) + " trees");
    if (output < 0 || output >= forest_.num_output)
      throw error(error_code::invalid_model, where,
                  "adds to output " + std::to_string(output) + " but the model has " +
                      std::to_string(forest_.num_output));
    if (!std::isfinite(weight))
      throw error(error_code::invalid_model, where, "tree weight is not finite");
    check_tree(t, where);
    total_nodes_ += t.num_nodes();
    if (total_nodes_ > static_cast<std::size_t>(limits_.max_total_nodes))
      throw error(error_code::limit, where,
                  "the forest has more than " + std::to_string(limits_.max_total_nodes) + " nodes");
    forest_.trees.push_back(std::move(t));
    forest_.tree_output.push_back(static_cast<std::int32_t>(output));
    forest_.tree_weight.push_back(weight);
  }

  std::size_t num_trees() const noexcept { return forest_.trees.size(); }

  forest finish() {
    if (forest_.base_margin.empty()) set_base_score({0.5f});
    finish_rounds();
    return std::move(forest_);
  }

 private:
  void check_tree(const tree& t, const std::string& where) const {
    const std::size_t n = t.num_nodes();
    if (n == 0) throw error(error_code::invalid_model, where, "has no nodes");
    if (static_cast<std::int64_t>(n) > limits_.max_nodes_per_tree)
      throw error(error_code::limit, where,
                  std::to_string(n) + " nodes, more than the limit of " +
                      std::to_string(limits_.max_nodes_per_tree));
    auto expect_size = [&](std::size_t got, std::size_t want, const char* what) {
      if (got != want)
        throw error(error_code::invalid_model, where,
                    std::string(what) + " has " + std::to_string(got) + " entries, expected " +
                        std::to_string(want));
    };
    expect_size(t.right.size(), n, "right children");
    expect_size(t.feature.size(), n, "split features");
    expect_size(t.threshold.size(), n, "thresholds");
    expect_size(t.default_left.size(), n, "default directions");
    if (!t.categorical.empty()) expect_size(t.categorical.size(), n, "split types");
    if (!t.cover.empty()) expect_size(t.cover.size(), n, "covers");
    if (t.leaf_size != 1 && t.leaf_size != forest_.num_output)
      throw error(error_code::invalid_model, where,
                  "leaf vectors have " + std::to_string(t.leaf_size) + " values but the model has " +
                      std::to_string(forest_.num_output) + " outputs");
    expect_size(t.leaf_value.size(), n * static_cast<std::size_t>(t.leaf_size), "leaf values");
    if (t.has_categories()) {
      expect_size(t.category_begin.size(), n + 1, "category offsets");
      if (t.category_begin[0] != 0 || t.category_begin[n] != t.categories.size())
        throw error(error_code::invalid_model, where, "category offsets do not cover the list");
    }

    // Walk from the root: every reachable node is reached exactly once (a tree, no cycles).
    std::vector<std::uint8_t> seen(n, 0);
    struct pending {
      std::int32_t node;
      std::int64_t depth;
    };
    std::vector<pending> stack{{0, 0}};
    seen[0] = 1;
    while (!stack.empty()) {
      const auto [node, depth] = stack.back();
      stack.pop_back();
      const std::string at = where + ", node " + std::to_string(node);
      if (depth > limits_.max_depth)
        throw error(error_code::limit, at,
                    "deeper than the limit of " + std::to_string(limits_.max_depth));
      if (t.is_leaf(node)) {
        const float* leaf = t.leaf_value.data() + static_cast<std::size_t>(node) * t.leaf_size;
        for (std::int32_t k = 0; k < t.leaf_size; ++k)
          if (std::isnan(leaf[k])) throw error(error_code::invalid_model, at, "leaf value is NaN");
        continue;
      }
      for (const std::int32_t child : {t.left[node], t.right[node]}) {
        if (child < 0 || static_cast<std::size_t>(child) >= n)
          throw error(error_code::invalid_model, at,
                      "child " + std::to_string(child) + " is outside [0, " + std::to_string(n) +
                          ")");
        if (seen[child])
          throw error(error_code::invalid_model, at,
                      "child " + std::to_string(child) +
                          " is reached twice (a cycle or a shared node)");
        seen[child] = 1;
        stack.push_back({child, depth + 1});
      }
      const std::int32_t f = t.feature[node];
      if (f < 0 || f >= forest_.num_feature)
        throw error(error_code::invalid_model, at,
                    "split feature " + std::to_string(f) + " is outside [0, " +
                        std::to_string(forest_.num_feature) + ")");
      if (t.is_categorical(node)) {
        if (!t.has_categories())
          throw error(error_code::invalid_model, at, "categorical split without categories");
        const std::uint32_t b = t.category_begin[node], e = t.category_begin[node + 1];
        if (b > e || e > t.categories.size())
          throw error(error_code::invalid_model, at, "category offsets are out of order");
        for (std::uint32_t i = b; i < e; ++i) {
          if (t.categories[i] < 0 || t.categories[i] > limits_.max_category)
            throw error(error_code::invalid_model, at,
                        "category " + std::to_string(t.categories[i]) + " is outside [0, " +
                            std::to_string(limits_.max_category) + "]");
          if (i > b && t.categories[i] <= t.categories[i - 1])
            throw error(error_code::invalid_model, at, "categories are not strictly ascending");
        }
      } else if (std::isnan(t.threshold[node])) {
        throw error(error_code::invalid_model, at, "numeric split threshold is NaN");
      }
    }
  }

  void finish_rounds() {
    const std::size_t num_trees = forest_.trees.size();
    std::vector<std::size_t>& rb = forest_.round_begin;
    if (!round_begin_.empty()) {
      if (round_begin_.front() != 0 || round_begin_.back() != num_trees)
        throw error(error_code::invalid_model, "iteration_indptr",
                    "must start at 0 and end at the tree count " + std::to_string(num_trees));
      for (std::size_t r = 1; r < round_begin_.size(); ++r)
        if (round_begin_[r] < round_begin_[r - 1])
          throw error(error_code::invalid_model, "iteration_indptr",
                      "decreases at entry " + std::to_string(r));
      rb = round_begin_;
      return;
    }
    // Older files: every round has num_parallel_tree trees per output actually used.
    std::size_t outputs_used = 1;
    bool vector_leaf = false;
    for (std::size_t i = 0; i < num_trees; ++i) {
      outputs_used = std::max(outputs_used, static_cast<std::size_t>(forest_.tree_output[i]) + 1);
      vector_leaf = vector_leaf || forest_.trees[i].leaf_size > 1;
    }
    const std::size_t per_round =
        static_cast<std::size_t>(num_parallel_tree_) * (vector_leaf ? 1 : outputs_used);
    if (num_trees % per_round != 0)
      throw error(error_code::invalid_model, "trees",
                  std::to_string(num_trees) + " trees do not make whole rounds of " +
                      std::to_string(per_round));
    rb.clear();
    for (std::size_t b = 0; b <= num_trees; b += per_round) rb.push_back(b);
    if (rb.empty()) rb.push_back(0);
  }

  limits limits_;
  forest forest_;
  std::vector<std::size_t> round_begin_;
  std::int64_t num_parallel_tree_ = 1;
  std::size_t total_nodes_ = 0;
};

}  // namespace grove::ir
