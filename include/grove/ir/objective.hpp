#pragma once
/// @file
/// XGBoost objectives: how a base score becomes a margin, and how margins become predictions.
/// The float formulas follow XGBoost's CPU code so that transformed outputs match to the last bit
/// where the C library's expf/logf agree.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "grove/error.hpp"

namespace grove::ir {

/// How a row's margins become the values XGBoost's predict() returns.
enum class transform_kind {
  identity,   ///< regression, ranking, logitraw
  sigmoid,    ///< binary:logistic, reg:logistic
  exp,        ///< count:poisson, reg:gamma, reg:tweedie, survival:cox, survival:aft
  hinge,      ///< binary:hinge: 1 if margin > 0 else 0
  softprob,   ///< multi:softprob: softmax over the row
  softmax,    ///< multi:softmax: index of the largest margin
  sort,       ///< reg:quantileerror saved by XGBoost 3.4+: each row's quantiles sorted ascending
};

/// How the stored base score (in prediction space) becomes the intercept in margin space.
enum class link_kind { identity, logit, log };

struct objective {
  std::string name = "reg:squarederror";
  transform_kind transform = transform_kind::identity;
  link_kind link = link_kind::identity;
};

/// Looks up an XGBoost objective by name; an unknown name is an error.
inline objective objective_from_name(const std::string& name, const std::string& where = {}) {
  struct entry {
    const char* name;
    transform_kind transform;
    link_kind link;
  };
  static const entry table[] = {
      {"reg:squarederror", transform_kind::identity, link_kind::identity},
      {"reg:linear", transform_kind::identity, link_kind::identity},
      {"reg:squaredlogerror", transform_kind::identity, link_kind::identity},
      {"reg:pseudohubererror", transform_kind::identity, link_kind::identity},
      {"reg:absoluteerror", transform_kind::identity, link_kind::identity},
      {"reg:quantileerror", transform_kind::identity, link_kind::identity},
      {"reg:logistic", transform_kind::sigmoid, link_kind::logit},
      {"binary:logistic", transform_kind::sigmoid, link_kind::logit},
      {"binary:logitraw", transform_kind::identity, link_kind::identity},
      {"binary:hinge", transform_kind::hinge, link_kind::identity},
      {"count:poisson", transform_kind::exp, link_kind::log},
      {"reg:gamma", transform_kind::exp, link_kind::log},
      {"reg:tweedie", transform_kind::exp, link_kind::log},
      {"survival:cox", transform_kind::exp, link_kind::log},
      {"survival:aft", transform_kind::exp, link_kind::log},
      {"multi:softprob", transform_kind::softprob, link_kind::identity},
      {"multi:softmax", transform_kind::softmax, link_kind::identity},
      {"rank:pairwise", transform_kind::identity, link_kind::identity},
      {"rank:ndcg", transform_kind::identity, link_kind::identity},
      {"rank:map", transform_kind::identity, link_kind::identity},
  };
  for (const entry& e : table)
    if (name == e.name) return objective{name, e.transform, e.link};
  throw error(error_code::unsupported, where, "unknown objective '" + name + "'");
}

/// Converts a base score from prediction space to margin space, in float32 as XGBoost does.
inline float base_score_to_margin(link_kind link, float p) {
  switch (link) {
    case link_kind::identity: return p;
    case link_kind::logit:
      // XGBoost 3.2+ clamps before the logit; for every base score older versions accept
      // (0 < p < 1 with p inside the clamp) the result is the same.
      p = std::min(std::max(p, 1e-6f), 1.0f - 1e-6f);
      return -std::log(1.0f / p - 1.0f);
    case link_kind::log: return std::log(p);
  }
  return p;
}

/// Number of values predict() returns per row for a model with num_output margins.
inline std::size_t value_width(const objective& obj, std::size_t num_output) noexcept {
  return obj.transform == transform_kind::softmax ? 1 : num_output;
}

/// XGBoost's sigmoid: the exponent is capped so the result never divides by infinity.
inline float sigmoid(float x) noexcept {
  const float e = std::exp(std::min(-x, 88.7f));
  return 1.0f / (e + 1.0f + 1e-16f);
}

/**
 * Transforms one row: margin[0..num_output) -> out[0..value_width). margin and out may alias
 * only when value_width == num_output.
 */
inline void transform_row(const objective& obj, const float* margin, std::size_t num_output,
                          float* out) noexcept {
  switch (obj.transform) {
    case transform_kind::identity:
      std::copy(margin, margin + num_output, out);
      return;
    case transform_kind::sigmoid:
      for (std::size_t k = 0; k < num_output; ++k) out[k] = sigmoid(margin[k]);
      return;
    case transform_kind::exp:
      for (std::size_t k = 0; k < num_output; ++k) out[k] = std::exp(margin[k]);
      return;
    case transform_kind::hinge:
      for (std::size_t k = 0; k < num_output; ++k) out[k] = margin[k] > 0.0f ? 1.0f : 0.0f;
      return;
    case transform_kind::softprob: {
      float largest = margin[0];
      for (std::size_t k = 1; k < num_output; ++k) largest = std::max(margin[k], largest);
      double sum = 0.0;  // XGBoost sums the exponentials in double, then divides in float
      for (std::size_t k = 0; k < num_output; ++k) {
        out[k] = std::exp(margin[k] - largest);
        sum += out[k];
      }
      for (std::size_t k = 0; k < num_output; ++k) out[k] /= static_cast<float>(sum);
      return;
    }
    case transform_kind::softmax: {
      std::size_t best = 0;  // first index of the strictly largest value
      for (std::size_t k = 1; k < num_output; ++k)
        if (margin[k] > margin[best]) best = k;
      out[0] = static_cast<float>(best);
      return;
    }
    case transform_kind::sort:
      std::copy(margin, margin + num_output, out);
      std::sort(out, out + num_output);
      return;
  }
}

}  // namespace grove::ir
