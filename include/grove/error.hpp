#pragma once
/// @file
/// The one error type grove throws: a stable code, a location and a message.

#include <stdexcept>
#include <string>
#include <utility>

namespace grove {

/// What kind of failure an error reports. Values are stable.
enum class error_code {
  io = 1,            ///< a file could not be opened or read
  parse = 2,         ///< the bytes are not valid JSON / UBJSON
  format = 3,        ///< valid JSON, but not a model grove understands (missing field, wrong type)
  invalid_model = 4, ///< the model is inconsistent (child out of range, cycle, bad feature index)
  unsupported = 5,   ///< a valid model using something grove does not implement
  invalid_argument = 6,  ///< a bad option or argument from the caller
  shape = 7,         ///< input or output buffer sizes do not match the model
  limit = 8,         ///< a declared size is beyond the configured limits
};

/// Returns a short stable name for an error code ("parse", "invalid_model", ...).
inline const char* to_string(error_code code) noexcept {
  switch (code) {
    case error_code::io: return "io";
    case error_code::parse: return "parse";
    case error_code::format: return "format";
    case error_code::invalid_model: return "invalid_model";
    case error_code::unsupported: return "unsupported";
    case error_code::invalid_argument: return "invalid_argument";
    case error_code::shape: return "shape";
    case error_code::limit: return "limit";
  }
  return "unknown";
}

/**
 * Every failure in grove is reported by throwing this type.
 *
 * `where()` names the place: a file, a JSON path such as
 * `/learner/gradient_booster/model/trees/3/left_children/5`, or "tree 3, node 5".
 * `what()` is "<where>: <message>" ready to print.
 */
class error : public std::runtime_error {
 public:
  error(error_code code, std::string where, const std::string& message)
      : std::runtime_error(where.empty() ? message : where + ": " + message),
        code_(code),
        where_(std::move(where)),
        message_(message) {}

  error_code code() const noexcept { return code_; }
  const std::string& where() const noexcept { return where_; }
  const std::string& message() const noexcept { return message_; }

 private:
  error_code code_;
  std::string where_;
  std::string message_;
};

}  // namespace grove
