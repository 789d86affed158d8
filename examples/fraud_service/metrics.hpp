#pragma once
// Counters for GET /metrics, in Prometheus' text format: requests by route and status, errors,
// a latency histogram per route, rows scored, reloads, and which model is serving.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "model_holder.hpp"

namespace fraud {

enum class route { score, reload, healthz, metrics, other };
constexpr std::size_t num_routes = 5;

inline const char* route_name(route r) {
  switch (r) {
    case route::score:
      return "/v1/score";
    case route::reload:
      return "/v1/reload";
    case route::healthz:
      return "/healthz";
    case route::metrics:
      return "/metrics";
    case route::other:
      return "other";
  }
  return "other";
}

inline route route_of(const std::string& path) {
  for (route r : {route::score, route::reload, route::healthz, route::metrics})
    if (path == route_name(r)) return r;
  return route::other;
}

class metrics {
 public:
  /// One answered request; `seconds` < 0 when its start is unknown (the request line itself was
  /// unreadable): counted, but kept out of the histogram.
  void record(route r, int status, double seconds) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ++requests_[{r, status}];
    if (seconds < 0) return;
    histogram& h = latency_[static_cast<std::size_t>(r)];
    std::size_t b = 0;
    while (b < bounds.size() && seconds > bounds[b]) ++b;
    ++h.counts[b];
    h.sum += seconds;
  }

  void rows_scored(std::size_t n) {
    const std::lock_guard<std::mutex> lock(mutex_);
    rows_ += n;
  }

  void reloaded(bool ok) {
    const std::lock_guard<std::mutex> lock(mutex_);
    ++(ok ? reloads_ok_ : reloads_failed_);
  }

  std::string prometheus(const served_model& model) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    std::string out;
    out +=
        "# HELP fraud_service_requests_total Requests answered, by route and HTTP status.\n"
        "# TYPE fraud_service_requests_total counter\n";
    std::array<std::uint64_t, num_routes> errors{};
    for (const auto& [key, count] : requests_) {
      out += "fraud_service_requests_total{route=\"" + std::string(route_name(key.first)) +
             "\",code=\"" + std::to_string(key.second) + "\"} " + std::to_string(count) + "\n";
      if (key.second >= 400) errors[static_cast<std::size_t>(key.first)] += count;
    }
    out +=
        "# HELP fraud_service_request_errors_total Requests answered with a 4xx or 5xx status.\n"
        "# TYPE fraud_service_request_errors_total counter\n";
    for (std::size_t r = 0; r < num_routes; ++r)
      out += "fraud_service_request_errors_total{route=\"" +
             std::string(route_name(static_cast<route>(r))) + "\"} " + std::to_string(errors[r]) +
             "\n";
    out +=
        "# HELP fraud_service_request_duration_seconds Time from the request line to the "
        "reply.\n# TYPE fraud_service_request_duration_seconds histogram\n";
    for (std::size_t r = 0; r < num_routes; ++r) write_histogram(out, static_cast<route>(r));
    out +=
        "# HELP fraud_service_rows_scored_total Rows scored.\n"
        "# TYPE fraud_service_rows_scored_total counter\n"
        "fraud_service_rows_scored_total " +
        std::to_string(rows_) + "\n";
    out +=
        "# HELP fraud_service_model_reloads_total Reload attempts, by result.\n"
        "# TYPE fraud_service_model_reloads_total counter\n"
        "fraud_service_model_reloads_total{result=\"ok\"} " +
        std::to_string(reloads_ok_) + "\nfraud_service_model_reloads_total{result=\"refused\"} " +
        std::to_string(reloads_failed_) + "\n";
    out +=
        "# HELP fraud_service_model_version The serving model's version (1 at start, +1 per "
        "reload).\n# TYPE fraud_service_model_version gauge\n"
        "fraud_service_model_version " +
        std::to_string(model.version) + "\n";
    out +=
        "# HELP fraud_service_model_info The serving model.\n"
        "# TYPE fraud_service_model_info gauge\n"
        "fraud_service_model_info{version=\"" +
        std::to_string(model.version) + "\",hash=\"" + model.hash + "\",path=\"" +
        label_value(model.path) + "\",backend=\"" + scorer::backend + "\"} 1\n";
    return out;
  }

 private:
  /// Upper bounds of the latency buckets, in seconds (the last bucket, +Inf, is implied).
  static constexpr std::array<double, 14> bounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  struct histogram {
    std::array<std::uint64_t, bounds.size() + 1> counts{};
    double sum = 0;
  };

  void write_histogram(std::string& out, route r) const {
    const histogram& h = latency_[static_cast<std::size_t>(r)];
    const std::string name = "fraud_service_request_duration_seconds";
    const std::string label = "route=\"" + std::string(route_name(r)) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= bounds.size(); ++b) {
      cumulative += h.counts[b];
      const std::string le = b < bounds.size() ? number(bounds[b]) : "+Inf";
      out += name + "_bucket{" + label + ",le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_sum{" + label + "} " + number(h.sum) + "\n";
    out += name + "_count{" + label + "} " + std::to_string(cumulative) + "\n";
  }

  static std::string number(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%.9g", v);
    return text;
  }

  /// Prometheus label values escape backslash, double quote and newline.
  static std::string label_value(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '\\' || c == '"') out += '\\';
      out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out;
  }

  mutable std::mutex mutex_;
  std::map<std::pair<route, int>, std::uint64_t> requests_;
  std::array<histogram, num_routes> latency_{};
  std::uint64_t rows_ = 0, reloads_ok_ = 0, reloads_failed_ = 0;
};

}  // namespace fraud
