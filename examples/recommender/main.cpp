// grove-recommender: ranks a user's candidate items with an XGBoost ranking model.
//
//   grove-recommender --model models/ranker.json [--request request.json] [--threads N]
//
// The request (a file, or stdin without --request) is
//   {"user": [8 numbers], "items": [{"features": [8 numbers], "tags": [tag ids]}, ...], "k": 10}
// (null = missing; tag ids below 1,000, in any order) and the reply, on stdout,
//   {"top": [{"item": 192, "score": 3.94}, ...], "candidates": 200, "microseconds": 85}
// where "item" indexes "items" and "microseconds" is the time to build rows, score and rank.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ranker.hpp"

namespace {

using json = nlohmann::json;

/// Numbers of a JSON array of `count` numbers or nulls, appended to `out`.
void read_values(const json& values, std::size_t count, const std::string& where,
                 std::vector<float>& out) {
  if (!values.is_array() || values.size() != count)
    throw std::runtime_error(where + ": expected an array of " + std::to_string(count) + " values");
  for (std::size_t i = 0; i < count; ++i) {
    const json& v = values[i];
    if (!v.is_null() && !v.is_number())
      throw std::runtime_error(where + "[" + std::to_string(i) + "]: expected a number or null");
    const double d = v.is_null() ? std::nan("") : v.get<double>();
    if (std::fabs(d) > std::numeric_limits<float>::max())
      throw std::runtime_error(where + "[" + std::to_string(i) + "]: outside float32's range");
    out.push_back(static_cast<float>(d));
  }
}

/// The request's "items": [{"features": [...], "tags": [...]}, ...].
recommender::candidates read_items(const json& items) {
  if (!items.is_array()) throw std::runtime_error("items: expected an array");
  recommender::candidates out;
  std::vector<float> features;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string where = "items[" + std::to_string(i) + "]";
    if (!items[i].is_object()) throw std::runtime_error(where + ": expected an object");
    features.clear();
    read_values(items[i].value("features", json()), recommender::item_features,
                where + ".features", features);
    const json tags = items[i].value("tags", json::array());
    if (!tags.is_array()) throw std::runtime_error(where + ".tags: expected an array");
    std::vector<std::uint32_t> ids;
    for (const json& t : tags) {
      if (!t.is_number_integer() || t.get<std::int64_t>() < 0 ||
          t.get<std::int64_t>() >= static_cast<std::int64_t>(recommender::num_tags))
        throw std::runtime_error(where + ".tags: expected tag ids from 0 to " +
                                 std::to_string(recommender::num_tags - 1) + ", got " + t.dump());
      ids.push_back(t.get<std::uint32_t>());
    }
    out.add(features.data(), std::move(ids));
  }
  return out;
}

int run(int argc, char** argv) {
  std::string model_path, request_path;
  std::size_t threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model")
      model_path = argv[i + 1];
    else if (flag == "--request")
      request_path = argv[i + 1];
    else if (flag == "--threads")
      threads = std::stoul(argv[i + 1]);
    else
      throw std::runtime_error("unknown option " + flag);
  }
  if (model_path.empty() || argc % 2 == 0)
    throw std::runtime_error(
        "usage: grove-recommender --model MODEL [--request FILE] [--threads N]");

  json request;
  if (request_path.empty()) {
    request = json::parse(std::cin);
  } else {
    std::ifstream in(request_path);
    if (!in) throw std::runtime_error(request_path + ": cannot open");
    request = json::parse(in);
  }
  std::vector<float> user;
  read_values(request.at("user"), recommender::user_features, "user", user);
  const recommender::candidates items = read_items(request.at("items"));
  const std::size_t k = request.value("k", std::size_t{10});

  const recommender::ranker ranker(grove::load(model_path), threads);
  recommender::workspace workspace;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<recommender::scored_item> top =
      ranker.rank(user.data(), items, k, workspace);
  const auto elapsed = std::chrono::steady_clock::now() - start;

  json reply = {
      {"candidates", items.size()},
      {"microseconds", std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()}};
  reply["top"] = json::array();
  for (const recommender::scored_item& s : top)
    reply["top"].push_back({{"item", s.item}, {"score", s.score}});
  std::cout << reply.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-recommender: %s\n", e.what());
    return 1;
  }
}
