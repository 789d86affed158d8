#pragma once
/// @file
/// Deterministic synthetic data for the benchmarks, shaped like tabular data that real models
/// are trained on, so that the trained trees are deep and full and the benchmark rows (drawn from
/// the same distribution with another seed) take realistic, varied paths through them.
///
/// A data set is defined by a `structure` (fixed by a structure seed: how columns are generated,
/// correlated and turned into labels) and a row seed. Training rows and benchmark rows share the
/// structure and differ only in the row seed, so the benchmark rows come from the training
/// distribution but are held out.
///
/// Columns:
///  - numeric columns are driven by a few latent factors (so columns are correlated, as in real
///    data) plus their own noise, then shaped by one of five kinds: normal, squashed to a bounded
///    range, quantized to a grid (many ties, values landing on thresholds), skewed positive
///    (squares), small non-negative integers (counts);
///  - categorical columns hold integers 0 .. cardinality-1 with a skewed (Zipf-like) frequency;
///  - missing values (NaN) with a per-column rate: a few columns are mostly missing, most are
///    rarely missing, the average being the requested rate.
/// Labels come from a hidden score that depends on every column (a weighted non-linear effect per
/// column: linear, step, bump or two steps; random pairwise interactions; an effect of being
/// missing; a per-category effect), with column importance decaying from a randomly permuted most
/// important column, and noise.
///
/// No std::*_distribution (whose algorithms differ between standard libraries); only sqrt, pow,
/// floor and round from libm. Models are cached under a key that includes the data spec.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "support/xgboost_oracle.hpp"  // grove_test::rng

namespace grove_bench {

enum class label_kind { regression, binary, multiclass, ranking };

/// What to generate. `positive_rate` (binary only) sets the share of label-1 rows.
struct data_spec {
  std::size_t cols = 10;
  label_kind kind = label_kind::regression;
  int num_class = 1;               ///< multiclass only
  double nan_rate = 0.0;           ///< average share of missing cells
  std::vector<int> cardinality;    ///< per column, 0 = numeric; empty = all numeric
  double positive_rate = 0.5;      ///< binary only
  double noise = 0.5;              ///< label noise, relative to the unit-scale hidden score
  std::uint64_t structure_seed = 1;

  std::string describe() const {
    std::string s = "cols=" + std::to_string(cols) + ",kind=" +
                    std::to_string(static_cast<int>(kind)) + ",k=" + std::to_string(num_class) +
                    ",nan=" + std::to_string(nan_rate) + ",pos=" + std::to_string(positive_rate) +
                    ",noise=" + std::to_string(noise) +
                    ",sseed=" + std::to_string(structure_seed) + ",card=";
    for (int c : cardinality) s += std::to_string(c) + ":";
    return s;
  }
};

/// Generated rows: X row-major (rows x cols, NaN = missing), labels, query groups (ranking).
struct data {
  std::vector<float> X;
  std::vector<float> y;
  std::vector<unsigned> group;
  std::vector<std::string> feature_types;  ///< "q" / "c" per column
  std::size_t rows = 0, cols = 0;
  bool has_categorical() const {
    return std::find(feature_types.begin(), feature_types.end(), "c") != feature_types.end();
  }
};

namespace detail {

constexpr int num_factors = 8;

/// How one column is generated.
struct column {
  int cardinality = 0;           // > 0: categorical
  int kind = 0;                  // numeric: 0 normal, 1 squashed, 2 grid, 3 skewed, 4 counts
  double load[2] = {0, 0};       // loadings on two latent factors
  int factor[2] = {0, 0};
  double own = 1;                // weight of the column's own noise
  double nan_rate = 0;
  double zipf = 1;               // categorical: skew of category frequencies
};

/// The hidden score: per-column effects, pairwise interactions, missing and category effects.
struct score_fn {
  std::vector<double> weight, threshold, threshold2, missing_effect;
  std::vector<int> shape;  // 0 linear (clipped), 1 step, 2 bump, 3 two steps
  std::vector<std::vector<double>> category_effect;
  struct pair_term {
    std::size_t a, b;
    double w, ta, tb;
  };
  std::vector<pair_term> pairs;
  double offset = 0, scale = 1;

  double raw(const float* x) const {
    double s = 0;
    const std::size_t n = weight.size();
    for (std::size_t j = 0; j < n; ++j) {
      const float v = x[j];
      double h;
      if (std::isnan(v)) {
        h = missing_effect[j];
      } else if (!category_effect[j].empty()) {
        h = category_effect[j][static_cast<std::size_t>(v)];
      } else {
        const double d = static_cast<double>(v) - threshold[j];
        switch (shape[j]) {
          case 0: h = std::max(-2.0, std::min(2.0, d)); break;
          case 1: h = d > 0 ? 1.0 : -1.0; break;
          case 2: h = 1.0 - std::min(4.0, d * d); break;
          default: h = (d > 0 ? 1.0 : -1.0) + (v > threshold2[j] ? 1.0 : -1.0); break;
        }
      }
      s += weight[j] * h;
    }
    for (const pair_term& p : pairs) {
      const float va = x[p.a], vb = x[p.b];
      if (std::isnan(va) || std::isnan(vb)) continue;
      // An "and" of two threshold tests: the kind of structure trees are good at.
      const bool ha = category_effect[p.a].empty() ? va > p.ta : static_cast<int>(va) % 2 == 0;
      const bool hb = category_effect[p.b].empty() ? vb > p.tb : static_cast<int>(vb) % 3 == 0;
      s += p.w * ((ha && hb) ? 1.0 : (ha || hb) ? 0.0 : -0.5);
    }
    return s;
  }
  double operator()(const float* x) const { return (raw(x) - offset) * scale; }
};

/// Typical value of a column kind's output for thresholds (so steps fall inside the data).
inline double column_value(const column& c, double latent) {
  switch (c.kind) {
    case 0: return latent;
    case 1: return 3.0 * latent / (1.0 + std::fabs(latent));
    case 2: return std::round(std::max(-3.0, std::min(3.0, latent)) * 4.0) / 4.0;
    case 3: return latent * latent;
    default: return std::floor(std::fabs(latent) * 3.0);
  }
}

}  // namespace detail

/// The fixed part of a data set: column generators and label functions.
class structure {
 public:
  explicit structure(const data_spec& spec) : spec_(spec) {
    grove_test::rng r(spec.structure_seed * 0x9E3779B97F4A7C15ull + 0x1234567ull);
    const std::size_t n = spec.cols;
    std::vector<int> card = spec.cardinality;
    card.resize(n, 0);

    // Missing rates: about 10% of columns carry most of the missingness.
    std::vector<double> nan_w(n);
    double nan_sum = 0;
    for (std::size_t j = 0; j < n; ++j) {
      nan_w[j] = r.bernoulli(0.1) ? 8.0 : r.uniform(0.1, 1.0);
      nan_sum += nan_w[j];
    }
    for (std::size_t j = 0; j < n; ++j) {
      detail::column c;
      c.cardinality = card[j];
      c.kind = static_cast<int>(r.below(5));
      for (int f = 0; f < 2; ++f) {
        c.factor[f] = static_cast<int>(r.below(detail::num_factors));
        c.load[f] = r.normal() * 0.6;
      }
      c.own = 0.5 + r.uniform();
      c.nan_rate = std::min(0.9, spec.nan_rate * nan_w[j] * static_cast<double>(n) / nan_sum);
      c.zipf = r.uniform(0.5, 1.5);
      columns_.push_back(c);
    }

    const int n_scores = spec.kind == label_kind::multiclass ? spec.num_class : 1;
    for (int k = 0; k < n_scores; ++k) scores_.push_back(make_score(r));

    // Normalise each score to zero mean and unit variance on a sample, and find the binary
    // threshold that gives the requested positive rate.
    grove_test::rng sample_rng(spec.structure_seed + 77);
    const std::size_t m = 4000;
    std::vector<float> row(n);
    std::vector<std::vector<double>> values(scores_.size());
    for (std::size_t i = 0; i < m; ++i) {
      draw_row(sample_rng, row.data());
      for (std::size_t k = 0; k < scores_.size(); ++k) values[k].push_back(scores_[k].raw(row.data()));
    }
    for (std::size_t k = 0; k < scores_.size(); ++k) {
      double mean = 0, sq = 0;
      for (double v : values[k]) mean += v;
      mean /= static_cast<double>(m);
      for (double v : values[k]) sq += (v - mean) * (v - mean);
      scores_[k].offset = mean;
      scores_[k].scale = 1.0 / std::sqrt(sq / static_cast<double>(m) + 1e-12);
    }
    if (spec.kind == label_kind::binary) {
      std::vector<double> noisy;
      for (double v : values[0])
        noisy.push_back((v - scores_[0].offset) * scores_[0].scale + spec.noise * sample_rng.normal());
      std::sort(noisy.begin(), noisy.end());
      const auto at = static_cast<std::size_t>((1.0 - spec.positive_rate) * static_cast<double>(m));
      binary_threshold_ = noisy[std::min(at, m - 1)];
    }
  }

  /// `rows` rows drawn with `row_seed` (different seeds give independent rows).
  data generate(std::uint64_t row_seed, std::size_t rows) const {
    const std::size_t n = spec_.cols;
    grove_test::rng r(row_seed * 0xD1B54A32D192ED03ull + 99);
    grove_test::rng label_rng(row_seed ^ 0xA0761D6478BD642Full);
    data d;
    d.rows = rows;
    d.cols = n;
    for (const auto& c : columns_) d.feature_types.push_back(c.cardinality ? "c" : "q");
    d.X.resize(rows * n);
    d.y.resize(rows);
    for (std::size_t i = 0; i < rows; ++i) draw_row(r, &d.X[i * n]);

    // Ranking: queries of 10..60 consecutive rows; rows of a query share a query-level shift of
    // the relevance, as documents of one query share its difficulty.
    std::vector<double> query_shift(rows, 0.0);
    if (spec_.kind == label_kind::ranking) {
      std::size_t left = rows, at = 0;
      while (left > 0) {
        std::size_t g = 10 + static_cast<std::size_t>(label_rng.below(51));
        if (g > left) g = left;
        const double shift = 0.5 * label_rng.normal();
        for (std::size_t k = 0; k < g; ++k) query_shift[at + k] = shift;
        d.group.push_back(static_cast<unsigned>(g));
        left -= g;
        at += g;
      }
    }
    for (std::size_t i = 0; i < rows; ++i) {
      const float* x = &d.X[i * n];
      double y = 0;
      switch (spec_.kind) {
        case label_kind::regression:
          y = 3.0 * scores_[0](x) + 3.0 * spec_.noise * label_rng.normal();
          break;
        case label_kind::binary:
          y = scores_[0](x) + spec_.noise * label_rng.normal() > binary_threshold_ ? 1.0 : 0.0;
          break;
        case label_kind::multiclass: {
          int best = 0;
          double best_v = -1e300;
          for (std::size_t k = 0; k < scores_.size(); ++k) {
            const double v = scores_[k](x) + spec_.noise * label_rng.normal();
            if (v > best_v) { best_v = v; best = static_cast<int>(k); }
          }
          y = best;
        } break;
        case label_kind::ranking: {
          const double rel =
              std::floor(scores_[0](x) + query_shift[i] + spec_.noise * label_rng.normal() + 2.0);
          y = std::max(0.0, std::min(4.0, rel));
        } break;
      }
      d.y[i] = static_cast<float>(y);
    }
    return d;
  }

 private:
  detail::score_fn make_score(grove_test::rng& r) const {
    const std::size_t n = spec_.cols;
    detail::score_fn s;
    // Importance decays from a random most-important column, so the important columns are
    // scattered, not the first ones.
    std::vector<std::size_t> order(n);
    for (std::size_t j = 0; j < n; ++j) order[j] = j;
    for (std::size_t j = n; j > 1; --j) std::swap(order[j - 1], order[r.below(j)]);
    std::vector<double> importance(n);
    for (std::size_t rank = 0; rank < n; ++rank)
      importance[order[rank]] = 1.0 / (1.0 + 4.0 * static_cast<double>(rank) / static_cast<double>(n));
    for (std::size_t j = 0; j < n; ++j) {
      const detail::column& c = columns_[j];
      s.weight.push_back(r.normal() * importance[j]);
      s.shape.push_back(static_cast<int>(r.below(4)));
      const double t1 = detail::column_value(c, r.normal() * 0.8);
      const double t2 = detail::column_value(c, r.normal() * 0.8);
      s.threshold.push_back(std::min(t1, t2));
      s.threshold2.push_back(std::max(t1, t2));
      s.missing_effect.push_back(r.normal());
      std::vector<double> eff;
      for (int k = 0; k < c.cardinality; ++k) eff.push_back(r.normal() * 1.5);
      s.category_effect.push_back(std::move(eff));
    }
    const std::size_t n_pairs = std::max<std::size_t>(1, n);
    for (std::size_t p = 0; p < n_pairs && n >= 2; ++p) {
      const std::size_t a = order[r.below(std::max<std::size_t>(2, n / 2))];
      std::size_t b = order[r.below(n)];
      if (b == a) b = (a + 1) % n;
      s.pairs.push_back({a, b, r.normal() * 0.7 * importance[a],
                         detail::column_value(columns_[a], r.normal() * 0.7),
                         detail::column_value(columns_[b], r.normal() * 0.7)});
    }
    return s;
  }

  void draw_row(grove_test::rng& r, float* x) const {
    double z[detail::num_factors];
    for (double& v : z) v = r.normal();
    for (std::size_t j = 0; j < columns_.size(); ++j) {
      const detail::column& c = columns_[j];
      // Every cell consumes the same number of draws whatever its fate.
      const double own = r.normal();
      const double u = r.uniform();
      const bool missing = r.bernoulli(c.nan_rate);
      double v;
      if (c.cardinality) {
        // Zipf-like: category k with weight 1 / (k + 1)^zipf, via inverse CDF on a power law.
        const double k = std::floor(static_cast<double>(c.cardinality) *
                                    std::pow(u, 1.0 + c.zipf));
        v = std::min(k, static_cast<double>(c.cardinality - 1));
      } else {
        const double latent = (c.load[0] * z[c.factor[0]] + c.load[1] * z[c.factor[1]] +
                               c.own * own) /
                              std::sqrt(c.load[0] * c.load[0] + c.load[1] * c.load[1] +
                                        c.own * c.own);
        v = detail::column_value(c, latent);
      }
      x[j] = missing ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(v);
    }
  }

  data_spec spec_;
  std::vector<detail::column> columns_;
  std::vector<detail::score_fn> scores_;
  double binary_threshold_ = 0;
};

}  // namespace grove_bench
