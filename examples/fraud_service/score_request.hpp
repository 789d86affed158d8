#pragma once
// POST /v1/score: reading and checking a request body. Everything a client can get wrong is
// reported as a request_error naming the place ("rows[3].amount: ..."), which the HTTP layer
// turns into a 4xx reply.
//
//   {"rows": [[x0, x1, ...], ...]}                  values in the model's column order, null
//   missing
//   {"rows": [{"amount": 12.5, ...}, ...]}          by feature name, an absent feature is missing
//   "explain": k                                     optional: the k largest SHAP contributions

#include <cmath>
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "model_holder.hpp"

namespace fraud {

struct request_error : std::runtime_error {
  request_error(int http_status, const std::string& message)
      : std::runtime_error(message), status(http_status) {}
  int status;
};

struct score_request {
  std::vector<float> values;  ///< num_rows rows of the model's num_feature, row-major, NaN missing
  std::size_t num_rows = 0;
  std::size_t explain = 0;  ///< reason codes per row; 0 for none
};

namespace detail {

using json = nlohmann::json;

/// A request is at most 3 levels deep (object, rows, row); refusing deeper input while parsing
/// keeps a body of nested brackets from costing more than its bytes.
constexpr int max_depth = 3;

inline json parse_body(const std::string& body) {
  try {
    return json::parse(body, [](int depth, json::parse_event_t, json&) {
      if (depth > max_depth)
        throw request_error(400, "the body nests deeper than a score request does");
      return true;
    });
  } catch (const json::parse_error& e) {
    throw request_error(400, std::string("the body is not valid JSON: ") + e.what());
  }
}

inline const char* type_name(const json& v) {
  if (v.is_boolean()) return "a boolean";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  if (v.is_null()) return "null";
  return "a number";
}

/// A feature value: a number within float's range, or null (missing).
inline float feature_value(const json& v, const std::string& where) {
  if (v.is_null()) return std::numeric_limits<float>::quiet_NaN();
  if (!v.is_number())
    throw request_error(400, where + ": expected a number or null, got " + type_name(v));
  const double d = v.get<double>();
  if (std::fabs(d) > std::numeric_limits<float>::max())
    throw request_error(400, where + ": " + v.dump() + " is outside float32's range");
  return static_cast<float>(d);
}

inline void read_row(const json& row, const served_model& model, const std::string& where,
                     float* out) {
  const std::size_t cols = model.names.size();
  if (row.is_array()) {
    if (row.size() != cols)
      throw request_error(400, where + ": " + std::to_string(row.size()) +
                                   " values, the model takes " + std::to_string(cols));
    for (std::size_t c = 0; c < cols; ++c)
      out[c] = feature_value(row[c], where + "[" + std::to_string(c) + "]");
  } else if (row.is_object()) {
    for (std::size_t c = 0; c < cols; ++c) out[c] = std::numeric_limits<float>::quiet_NaN();
    for (const auto& [name, value] : row.items()) {
      const auto found = model.index_of.find(name);
      if (found == model.index_of.end())
        throw request_error(400, where + ": unknown feature " + json(name).dump());
      out[found->second] = feature_value(value, where + "." + name);
    }
  } else {
    throw request_error(400, where +
                                 ": a row is an array of values or an object of named "
                                 "values, got " +
                                 type_name(row));
  }
}

}  // namespace detail

inline score_request parse_score_request(const std::string& body, const served_model& model,
                                         std::size_t max_rows) {
  using detail::json;
  const json doc = detail::parse_body(body);
  if (!doc.is_object())
    throw request_error(
        400, std::string("the body must be a JSON object, got ") + detail::type_name(doc));
  for (const auto& item : doc.items())
    if (item.key() != "rows" && item.key() != "explain")
      throw request_error(400, "unknown field " + json(item.key()).dump() +
                                   " (a score request has \"rows\" and \"explain\")");
  const auto rows = doc.find("rows");
  if (rows == doc.end()) throw request_error(400, "\"rows\" is missing");
  if (!rows->is_array())
    throw request_error(400,
                        std::string("\"rows\" must be an array, got ") + detail::type_name(*rows));
  if (rows->size() > max_rows)
    throw request_error(413, std::to_string(rows->size()) + " rows; at most " +
                                 std::to_string(max_rows) + " per request");

  score_request request;
  if (const auto explain = doc.find("explain"); explain != doc.end()) {
    if (!explain->is_number_integer() || explain->get<long long>() < 0 ||
        explain->get<long long>() > static_cast<long long>(model.names.size()))
      throw request_error(400, "\"explain\" must be an integer from 0 to " +
                                   std::to_string(model.names.size()) + ", got " + explain->dump());
    request.explain = explain->get<std::size_t>();
    if (request.explain > 0 && !model.scorer.cannot_explain().empty())
      throw request_error(400,
                          "this model cannot explain its scores: " + model.scorer.cannot_explain());
  }
  const std::size_t cols = model.names.size();
  request.num_rows = rows->size();
  request.values.resize(request.num_rows * cols);
  for (std::size_t r = 0; r < request.num_rows; ++r)
    detail::read_row((*rows)[r], model, "rows[" + std::to_string(r) + "]",
                     request.values.data() + r * cols);
  return request;
}

}  // namespace fraud
