// grove-recommender-bench: latency of one ranking request (build the sparse rows, score, top k)
// with grove (csr_rows) and with XGBoost's C API (XGBoosterPredictFromCSR), in the same run, on
// the same requests.
//
//   grove-recommender-bench --model MODEL [--sizes 100,1000,10000] [--threads 1,2] [--k 10]
//                           [--seconds 3]
//
// For each thread count (1: both predictors single-threaded; more: XGBoost's nthread, and
// grove's default choice, which takes one thread below 1,024 rows) and candidate count N: 16
// random requests, scored alternately by grove and XGBoost (one request each, in turn) until
// `--seconds` have passed or 5000 requests were made per predictor; prints the median and 99th
// percentile of the wall time per request, the median CPU time of the process per request (all
// its threads; less disturbed by other processes than the wall time on a shared machine), and
// checks both return the same top k.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <time.h>

#include "../common/xgboost_booster.hpp"
#include "ranker.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

struct request {
  std::vector<float> user;
  recommender::candidates items;
};

/// A user and n candidates, drawn like make_model.py's training data.
request random_request(std::mt19937_64& rng, std::size_t n) {
  std::normal_distribution<float> normal;
  std::lognormal_distribution<float> user_price(3, 0.5f), item_price(3, 0.8f);
  std::exponential_distribution<float> activity(1), item_age(1 / 200.0f);
  std::uniform_int_distribution<int> age(18, 79), category(0, 4), tag_count(1, 6);
  std::uniform_int_distribution<std::uint32_t> tag(0, recommender::num_tags - 1);
  std::uniform_real_distribution<float> uniform(0.01f, 1);
  request r;
  for (std::size_t j = 0; j < recommender::taste_dims; ++j) r.user.push_back(normal(rng));
  r.user.insert(r.user.end(),
                {user_price(rng), activity(rng), float(age(rng)), float(category(rng))});
  for (std::size_t i = 0; i < n; ++i) {
    float item[recommender::item_features];
    for (std::size_t j = 0; j < recommender::taste_dims; ++j) item[j] = normal(rng);
    const float popularity = std::pow(uniform(rng), -0.5f) - 1;  // Pareto(2)
    const float rest[] = {item_price(rng), popularity, item_age(rng), float(category(rng))};
    std::copy(std::begin(rest), std::end(rest), item + recommender::taste_dims);
    std::vector<std::uint32_t> tags(static_cast<std::size_t>(tag_count(rng)));
    for (std::uint32_t& t : tags) t = tag(rng);
    r.items.add(item, std::move(tags));
  }
  return r;
}

/// CPU time of the whole process (all its threads), in microseconds.
double process_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

/// "25.5 us", "12.3 ms".
std::string duration(double us) {
  char text[32];
  if (us < 1000)
    std::snprintf(text, sizeof text, "%.1f us", us);
  else
    std::snprintf(text, sizeof text, "%.2f ms", us / 1000);
  return text;
}

std::vector<std::size_t> parse_list(const std::string& text) {
  std::vector<std::size_t> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stoul(item));
  return out;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path;
  std::vector<std::size_t> sizes = {100, 1000, 10000}, thread_counts = {1, 2};
  std::size_t k = 10;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model")
      model_path = value;
    else if (flag == "--sizes")
      sizes = parse_list(value);
    else if (flag == "--threads")
      thread_counts = parse_list(value);
    else if (flag == "--k")
      k = std::stoul(value);
    else if (flag == "--seconds")
      seconds = std::stod(value);
  }
  if (model_path.empty()) {
    std::fprintf(stderr,
                 "usage: grove-recommender-bench --model MODEL [--sizes 100,1000,10000] "
                 "[--threads 1,2] [--k 10] [--seconds 3]\n");
    return 2;
  }
  try {
    std::ifstream in(model_path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const grove::model model = grove::load_from_memory(bytes.data(), bytes.size(), {}, model_path);
    std::printf("model %s: %zu trees, objective %s; top %zu\n\n", model_path.c_str(),
                model.num_trees(), model.objective().c_str(), k);
    std::printf(
        "| threads | candidates | grove median (CPU) | grove p99 | XGBoost median (CPU) "
        "| XGBoost p99 | XGBoost / grove (CPU) |\n|---|---|---|---|---|---|---|\n");
    bool all_same = true;
    for (std::size_t threads : thread_counts) {
      // One thread: both single-threaded. More: XGBoost gets them all (its nthread); grove
      // chooses up to that many (its default: one thread below 1,024 rows).
      const recommender::ranker ranker(model, threads == 1 ? 1 : 0);
      const examples::xgboost_booster booster(bytes, static_cast<int>(threads));
      for (std::size_t n : sizes) {
        std::mt19937_64 rng(n);
        std::vector<request> requests;
        for (int i = 0; i < 16; ++i) requests.push_back(random_request(rng, n));
        recommender::workspace w;
        recommender::sparse_rows xgboost_rows;
        std::vector<double> grove_us, xgboost_us, grove_cpu_us, xgboost_cpu_us;
        const auto deadline = clock_type::now() + std::chrono::duration<double>(seconds);
        for (std::size_t i = 0; i < 5000 && (i < 8 || clock_type::now() < deadline); ++i) {
          const request& r = requests[i % requests.size()];
          const double c0 = process_cpu_us();
          const auto t0 = clock_type::now();
          const auto by_grove = ranker.rank(r.user.data(), r.items, k, w);
          const auto t1 = clock_type::now();
          const double c1 = process_cpu_us();
          recommender::build_rows(r.user.data(), r.items, xgboost_rows);
          const std::vector<float> scores =
              booster.predict_csr(xgboost_rows.row_start.data(), xgboost_rows.column.data(),
                                  xgboost_rows.value.data(), n);
          const auto by_xgboost = recommender::best(scores.data(), n, k);
          const auto t2 = clock_type::now();
          const double c2 = process_cpu_us();
          if (i >= 4) {  // the first requests warm caches and thread pools
            grove_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
            xgboost_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
            grove_cpu_us.push_back(c1 - c0);
            xgboost_cpu_us.push_back(c2 - c1);
          }
          for (std::size_t j = 0; j < by_grove.size(); ++j)
            if (by_grove[j].item != by_xgboost[j].item || by_grove[j].score != by_xgboost[j].score)
              all_same = false;
        }
        const double g = percentile(grove_us, 0.5), x = percentile(xgboost_us, 0.5);
        const double g_cpu = percentile(grove_cpu_us, 0.5), x_cpu = percentile(xgboost_cpu_us, 0.5);
        std::printf("| %zu | %zu | %s (%s) | %s | %s (%s) | %s | %.1fx (%.1fx) |\n", threads, n,
                    duration(g).c_str(), duration(g_cpu).c_str(),
                    duration(percentile(grove_us, 0.99)).c_str(), duration(x).c_str(),
                    duration(x_cpu).c_str(), duration(percentile(xgboost_us, 0.99)).c_str(), x / g,
                    x_cpu / g_cpu);
        std::fflush(stdout);
      }
    }
    std::printf("\n%s\n", all_same ? "grove and XGBoost returned the same top k, scores equal"
                                   : "MISMATCH: grove and XGBoost ranked differently");
    return all_same ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "grove-recommender-bench: %s\n", e.what());
    return 1;
  }
}
