#pragma once
/// @file
/// Bytes -> JSON document. Reads JSON text (with the bare NaN / Infinity tokens XGBoost writes)
/// and UBJSON, chosen by content. Nesting depth and declared container sizes are bounded so a
/// hostile file cannot exhaust the stack or memory.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "grove/error.hpp"

namespace grove::io {

using json = nlohmann::json;

enum class encoding { json_text, ubjson };

/// Picks the encoding from the first bytes: UBJSON objects start with '{' followed by a key
/// length marker; JSON text has whitespace, '"', '}' or '[' there.
inline encoding sniff_encoding(const char* data, std::size_t size) noexcept {
  std::size_t i = 0;
  while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) ++i;
  if (i + 1 < size && data[i] == '{') {
    const char next = data[i + 1];
    // UBJSON key lengths are integers: i, U, I, l, L markers; '#' (count) and '$' (type) start
    // the optional container header other writers (nlohmann's to_ubjson) emit. A '}' is an
    // empty object either way.
    if (next == 'i' || next == 'U' || next == 'I' || next == 'l' || next == 'L' || next == '#' ||
        next == '$')
      return encoding::ubjson;
  }
  if (i + 1 < size && data[i] == '[' && (data[i + 1] == '$' || data[i + 1] == '#'))
    return encoding::ubjson;
  return encoding::json_text;
}

namespace detail {

/// Builds the DOM like nlohmann's own parser, plus: bounded depth, declared sizes checked
/// against the bytes left, floats parsed straight to float32 (never through double), and
/// `null` read as NaN (the text pre-pass turns XGBoost's bare NaN into null).
class bounded_dom_builder {
 public:
  using base = nlohmann::detail::json_sax_dom_parser<json>;

  bounded_dom_builder(json& root, std::size_t input_size, std::size_t max_depth, bool null_is_nan)
      : dom_(root), input_size_(input_size), max_depth_(max_depth), null_is_nan_(null_is_nan) {}

  bool null() {
    if (!count()) return false;
    if (null_is_nan_) return dom_.number_float(std::nan(""), empty_);
    return dom_.null();
  }
  bool boolean(bool v) { return count() && dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return count() && dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return count() && dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& text) {
    if (!count()) return false;
    if (!text.empty()) v = static_cast<double>(std::strtof(text.c_str(), nullptr));
    return dom_.number_float(v, text);
  }
  bool string(std::string& v) { return count() && dom_.string(v); }
  bool binary(json::binary_t& v) { return count() && dom_.binary(v); }
  bool start_object(std::size_t len) { return enter(len) && dom_.start_object(len); }
  bool key(std::string& k) { return dom_.key(k); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t len) { return enter(len) && dom_.start_array(len); }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  template <class exception_t>
  bool parse_error(std::size_t position, const std::string&, const exception_t& ex) {
    failure_ = ex.what();
    position_ = position;
    return false;
  }

  const std::string& failure() const noexcept { return failure_; }
  std::size_t position() const noexcept { return position_; }

 private:
  /// UBJSON typed arrays of null / true / false ("[$Z#L n") take no bytes per element, so the
  /// per-container check below cannot bound them when they are nested; counting every value
  /// keeps the document within one value per input byte, as any real document is.
  bool count() {
    if (++values_ > input_size_) {
      failure_ = "more values than the input has bytes (a typed array of empty elements?)";
      return false;
    }
    return true;
  }

  bool enter(std::size_t declared) {
    if (!count()) return false;
    if (++depth_ > max_depth_) {
      failure_ = "nesting deeper than " + std::to_string(max_depth_) + " levels";
      return false;
    }
    // Every element takes at least one byte, so a count larger than the input is a lie.
    if (declared != static_cast<std::size_t>(-1) && declared > input_size_) {
      failure_ = "a container declares " + std::to_string(declared) +
                 " elements, more than the input has bytes";
      return false;
    }
    return true;
  }

  base dom_;
  std::size_t input_size_;
  std::size_t max_depth_;
  bool null_is_nan_;
  std::size_t depth_ = 0;
  std::size_t values_ = 0;
  std::string failure_;
  std::size_t position_ = 0;
  const std::string empty_;
};

/// Rewrites XGBoost's bare NaN / Infinity / -Infinity tokens (outside strings) into valid JSON:
/// NaN -> null (read back as NaN), Infinity -> 1e308. nlohmann refuses numbers that overflow a
/// double (1e999 is a parse error), but 1e308 is a finite double that overflows float32, so the
/// float32 parse in bounded_dom_builder::number_float turns it into infinity.
inline std::string rewrite_non_finite_tokens(const char* data, std::size_t size) {
  std::string out;
  out.reserve(size + size / 64);
  bool in_string = false;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = data[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < size) {
        out.push_back(data[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out.push_back(c);
    } else if (c == 'N' && size - i >= 3 && data[i + 1] == 'a' && data[i + 2] == 'N') {
      out += "null";
      i += 2;
    } else if (c == 'I' && size - i >= 8 && std::string(data + i, 8) == "Infinity") {
      out += "1e308";
      i += 7;
    } else if (c == 'n' && size - i >= 3 && data[i + 1] == 'a' && data[i + 2] == 'n' &&
               (size - i == 3 || data[i + 3] != 'm')) {
      out += "null";  // dump_model prints non-finite values as nan / inf
      i += 2;
    } else if (c == 'i' && size - i >= 3 && data[i + 1] == 'n' && data[i + 2] == 'f') {
      out += "1e308";
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace detail

/// Parses a whole document. `source` names it in errors (a file path or "<memory>").
inline json parse_document(const char* data, std::size_t size, const std::string& source,
                           std::size_t max_depth = 256) {
  if (size == 0) throw error(error_code::parse, source, "the input is empty");
  json root;
  const encoding enc = sniff_encoding(data, size);
  bool ok = false;
  std::string failure;
  std::size_t position = 0;
  try {
    if (enc == encoding::ubjson) {
      detail::bounded_dom_builder sax(root, size, max_depth, false);
      ok = json::sax_parse(data, data + size, &sax, nlohmann::detail::input_format_t::ubjson);
      failure = sax.failure();
      position = sax.position();
    } else {
      const std::string text = detail::rewrite_non_finite_tokens(data, size);
      detail::bounded_dom_builder sax(root, text.size(), max_depth, true);
      ok = json::sax_parse(text, &sax);
      failure = sax.failure();
      position = sax.position();
    }
  } catch (const std::exception& e) {
    ok = false;
    failure = e.what();
  }
  if (!ok) {
    const char* kind = enc == encoding::ubjson ? "UBJSON" : "JSON";
    std::string message = std::string("not valid ") + kind;
    if (!failure.empty()) message += ": " + failure;
    if (position != 0 && failure.find("byte") == std::string::npos)
      message += " (near byte " + std::to_string(position) + ")";
    throw error(error_code::parse, source, message);
  }
  return root;
}

}  // namespace grove::io
