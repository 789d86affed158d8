#pragma once
/// @file
/// Typed, checked access to a JSON document that remembers where it is, so every error names
/// the JSON path (e.g. /learner/gradient_booster/model/trees/3/left_children/5).

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "grove/error.hpp"
#include "grove/io/document.hpp"

namespace grove::io {

inline const char* type_name(const json& j) noexcept { return j.type_name(); }

class json_cursor {
 public:
  json_cursor(const json& value, std::string source, std::string path = "")
      : value_(&value), source_(std::move(source)), path_(std::move(path)) {}

  const json& value() const noexcept { return *value_; }
  const std::string& path() const noexcept { return path_; }
  /// "file.json:/learner/..." for error messages.
  std::string where() const { return source_ + ":" + (path_.empty() ? "/" : path_); }

  [[noreturn]] void fail(const std::string& message, error_code code = error_code::format) const {
    throw error(code, where(), message);
  }

  bool is_object() const noexcept { return value_->is_object(); }
  bool is_array() const noexcept { return value_->is_array(); }

  bool has(const char* key) const { return value_->is_object() && value_->contains(key); }

  /// The member `key`; an error when absent.
  json_cursor operator[](const char* key) const {
    expect_object();
    auto it = value_->find(key);
    if (it == value_->end()) fail(std::string("missing field '") + key + "'");
    return child(*it, std::string("/") + key);
  }

  std::size_t size() const {
    if (value_->is_array() || value_->is_object()) return value_->size();
    fail(std::string("expected an array, got ") + type_name(*value_));
  }

  json_cursor at(std::size_t i) const {
    expect_array();
    if (i >= value_->size())
      fail("index " + std::to_string(i) + " is past the end (" + std::to_string(value_->size()) +
           " elements)");
    return child((*value_)[i], "/" + std::to_string(i));
  }

  void expect_object() const {
    if (!value_->is_object()) fail(std::string("expected an object, got ") + type_name(*value_));
  }
  void expect_array() const {
    if (!value_->is_array()) fail(std::string("expected an array, got ") + type_name(*value_));
  }

  std::string as_string() const {
    if (!value_->is_string()) fail(std::string("expected a string, got ") + type_name(*value_));
    return value_->get<std::string>();
  }

  /// An integer, or a string holding one (XGBoost stores parameters as strings).
  std::int64_t as_integer() const {
    const json& v = *value_;
    if (v.is_number_integer()) {
      if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
        fail("integer is too large");
      return v.get<std::int64_t>();
    }
    if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      errno = 0;
      char* end = nullptr;
      const long long n = std::strtoll(s.c_str(), &end, 10);
      if (s.empty() || end != s.c_str() + s.size() || errno == ERANGE)
        fail("expected an integer, got \"" + s + "\"");
      return n;
    }
    fail(std::string("expected an integer, got ") + type_name(v));
  }

  /// A float32 number, or a string holding one.
  float as_float() const {
    const json& v = *value_;
    if (v.is_number()) return static_cast<float>(v.get<double>());
    if (v.is_string()) return parse_float(v.get<std::string>());
    fail(std::string("expected a number, got ") + type_name(v));
  }

  float parse_float(const std::string& s) const {
    char* end = nullptr;
    const float x = std::strtof(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size()) fail("expected a number, got \"" + s + "\"");
    return x;
  }

  /// An integer array whose values all lie in [lo, hi].
  template <class int_t>
  std::vector<int_t> as_int_array(std::int64_t lo = std::numeric_limits<int_t>::min(),
                                  std::int64_t hi = std::numeric_limits<int_t>::max()) const {
    expect_array();
    std::vector<int_t> out;
    out.reserve(value_->size());
    for (std::size_t i = 0; i < value_->size(); ++i) {
      const json& e = (*value_)[i];
      std::int64_t n;
      if (e.is_number_unsigned()) {
        const auto u = e.get<std::uint64_t>();
        n = u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
      } else if (e.is_number_integer()) {
        n = e.get<std::int64_t>();
      } else if (e.is_boolean()) {
        n = e.get<bool>() ? 1 : 0;
      } else {
        at(i).fail(std::string("expected an integer, got ") + type_name(e));
      }
      // A well-typed value out of range (a child past the last node, a negative feature, a
      // tree_info class past num_class) is an inconsistent model, not a malformed document.
      if (n < lo || n > hi)
        at(i).fail("value " + std::to_string(n) + " is outside [" + std::to_string(lo) + ", " +
                       std::to_string(hi) + "]",
                   error_code::invalid_model);
      out.push_back(static_cast<int_t>(n));
    }
    return out;
  }

  std::vector<float> as_float_array() const {
    expect_array();
    std::vector<float> out;
    out.reserve(value_->size());
    for (std::size_t i = 0; i < value_->size(); ++i) {
      const json& e = (*value_)[i];
      if (!e.is_number()) at(i).fail(std::string("expected a number, got ") + type_name(e));
      out.push_back(static_cast<float>(e.get<double>()));
    }
    return out;
  }

  std::vector<std::string> as_string_array() const {
    expect_array();
    std::vector<std::string> out;
    out.reserve(value_->size());
    for (std::size_t i = 0; i < value_->size(); ++i) out.push_back(at(i).as_string());
    return out;
  }

 private:
  json_cursor child(const json& v, const std::string& step) const {
    return json_cursor(v, source_, path_ + step);
  }

  const json* value_;
  std::string source_;
  std::string path_;
};

}  // namespace grove::io
