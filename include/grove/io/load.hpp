#pragma once
/// @file
/// Loading a forest from a file or a memory buffer; the format is chosen from the content.

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <vector>

#include "grove/error.hpp"
#include "grove/io/document.hpp"
#include "grove/io/load_options.hpp"
#include "grove/io/xgboost_dump.hpp"
#include "grove/io/xgboost_model.hpp"
#include "grove/ir/forest.hpp"

namespace grove::io {

/// Reads a whole file into memory.
inline std::vector<char> read_file(const std::string& path) {
  // A directory opens like a file on POSIX and then reports a nonsense size (an allocation of
  // ~2^63 bytes): refuse it by name.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw error(error_code::io, path, "is a directory, not a model file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(error_code::io, path, "cannot open the file");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw error(error_code::io, path, "cannot determine the file size");
  in.seekg(0, std::ios::beg);
  std::vector<char> bytes(static_cast<std::size_t>(size));
  if (size > 0 && !in.read(bytes.data(), size))
    throw error(error_code::io, path, "cannot read the file");
  return bytes;
}

/// Parses save_model JSON / UBJSON or dump_model JSON held in memory.
inline ir::forest load_forest(const char* data, std::size_t size, const std::string& source,
                              const load_options& options = {}) {
  const json document = parse_document(data, size, source);
  if (is_xgboost_dump(document)) return read_xgboost_dump(document, source, options);
  if (document.is_object()) return read_xgboost_model(document, source, options);
  throw error(error_code::format, source,
              std::string("expected an XGBoost model (a JSON object) or a dump (an array of "
                          "trees), got ") +
                  document.type_name());
}

inline ir::forest load_forest_file(const std::string& path, const load_options& options = {}) {
  const std::vector<char> bytes = read_file(path);
  return load_forest(bytes.data(), bytes.size(), path, options);
}

}  // namespace grove::io
