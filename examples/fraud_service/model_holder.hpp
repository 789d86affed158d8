#pragma once
// The model being served, and its replacement without downtime.
//
// A request takes the current model once (current()) and keeps that shared_ptr to the end, so
// everything in one reply comes from one model, and a request in flight during a reload finishes
// on the old one, which is freed when its last request lets go. A reload builds the new model
// completely (loaded, validated, explanation tables built) before swapping the pointer; a file
// that fails to load changes nothing.

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scorer.hpp"

namespace fraud {

/// A loaded model and what the service tells about it.
struct served_model {
  served_model(const std::string& bytes, std::string file, std::uint64_t number)
      : scorer(bytes, file), path(std::move(file)), hash(fnv1a_hex(bytes)), version(number) {
    names = scorer.feature_names();
    if (names.empty())  // XGBoost's own names for a model trained without any
      for (std::size_t i = 0; i < scorer.num_feature(); ++i)
        names.push_back("f" + std::to_string(i));
    if (names.size() != scorer.num_feature())
      throw std::runtime_error(path + ": " + std::to_string(names.size()) + " feature names for " +
                               std::to_string(scorer.num_feature()) + " features");
    for (std::size_t i = 0; i < names.size(); ++i) index_of[names[i]] = i;
  }

  fraud::scorer scorer;
  std::string path;
  std::string hash;                ///< of the file's bytes: tells which model answered
  std::uint64_t version;           ///< 1 for the model loaded at start, +1 per successful reload
  std::vector<std::string> names;  ///< one per feature
  std::unordered_map<std::string, std::size_t> index_of;  ///< name -> column

  /// 64-bit FNV-1a, as 16 hex digits: enough to tell model files apart, not a security hash.
  static std::string fnv1a_hex(const std::string& bytes) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(h));
    return text;
  }
};

class model_holder {
 public:
  /// Loads the first model; throws when it cannot.
  explicit model_holder(const std::string& path) : current_(load(path, 1)) {}

  std::shared_ptr<const served_model> current() const { return std::atomic_load(&current_); }

  struct reload_result {
    bool ok;
    std::string error;                          ///< why the file was refused (when !ok)
    std::shared_ptr<const served_model> model;  ///< the model serving after the call
  };

  /// Loads `path` (empty: the current model's file again) and swaps it in. Reloads run one at a
  /// time; requests are never blocked by one.
  reload_result reload(const std::string& path = {}) {
    const std::lock_guard<std::mutex> lock(reload_mutex_);
    const std::shared_ptr<const served_model> old = current();
    try {
      std::shared_ptr<const served_model> next =
          load(path.empty() ? old->path : path, old->version + 1);
      std::atomic_store(&current_, std::shared_ptr<const served_model>(next));
      return {true, {}, std::move(next)};
    } catch (const std::exception& e) {
      return {false, e.what(), old};
    }
  }

 private:
  static std::shared_ptr<const served_model> load(const std::string& path, std::uint64_t version) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(path + ": cannot open the model file");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in.good() && !in.eof()) throw std::runtime_error(path + ": cannot read the model file");
    return std::make_shared<const served_model>(bytes.str(), path, version);
  }

  std::shared_ptr<const served_model> current_;  // read and written only through std::atomic_*
  std::mutex reload_mutex_;
};

}  // namespace fraud
