// Limits: models that declare absurd sizes are refused quickly and without a large allocation
// (each load runs in a forked child under an address-space limit, except in sanitizer builds,
// where the shadow memory needs the address space: there only the time is checked), and deep
// trees within the limits load and predict exactly as XGBoost does (nothing is recursive).
// The limits are documented in docs/limits.md.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <grove/grove.hpp>
#include <grove/ir/reference.hpp>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/fixture.hpp"
#include "support/xgboost_oracle.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::limits_cases {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GROVE_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define GROVE_TEST_SANITIZED 1
#endif
#endif

namespace {

using json = nlohmann::json;
using grove::error_code;

/// A save_model document by XGBoost 1.7.4 (6 trees of depth 3), used as a template.
json template_model() {
  return grove_test::read_json_file(grove_test::fixtures_dir() +
                                    "/obj_reg_squarederror/model.json");
}

json& first_tree(json& m) { return m["learner"]["gradient_booster"]["model"]["trees"][0]; }

/**
 * A save_model document with one chain tree on 2 features, `depth` splits deep:
 * split k (node 2k) is `x0 < k`, its left child is leaf 2k+1 with value (k + 1) / 1024, its
 * right child the next split (node 2k+2), or after the last split the leaf 2*depth (value -1).
 * Missing values go left at odd k, right at even k. Every field XGBoost 1.7 writes is present,
 * so XGBoost itself loads the same document.
 */
json chain_model(int depth) {
  json m = template_model();
  const int n = 2 * depth + 1;
  std::vector<int> left(n, -1), right(n, -1), feature(n, 0), default_left(n, 0), zeros(n, 0);
  std::vector<std::int64_t> parents(n, 2147483647);
  std::vector<double> value(n, 0.0), ones(n, 1.0);
  for (int k = 0; k < depth; ++k) {
    const int node = 2 * k;
    left[node] = node + 1;
    right[node] = node + 2;
    parents[node + 1] = parents[node + 2] = node;
    value[node] = k;
    default_left[node] = k % 2;
    value[node + 1] = (k + 1) / 1024.0;
  }
  value[n - 1] = -1.0;
  json t = first_tree(m);
  t["base_weights"] = value;
  t["default_left"] = default_left;
  t["left_children"] = left;
  t["loss_changes"] = std::vector<double>(n, 0.0);
  t["parents"] = parents;
  t["right_children"] = right;
  t["split_conditions"] = value;
  t["split_indices"] = feature;
  t["split_type"] = zeros;
  t["sum_hessian"] = ones;
  t["tree_param"]["num_nodes"] = std::to_string(n);
  t["tree_param"]["num_feature"] = "2";
  json& model = m["learner"]["gradient_booster"]["model"];
  model["trees"] = json::array({t});
  model["tree_info"] = json::array({0});
  model["gbtree_model_param"]["num_trees"] = "1";
  m["learner"]["learner_model_param"]["num_feature"] = "2";
  m["learner"]["feature_names"] = json::array();
  m["learner"]["feature_types"] = json::array();
  return m;
}

std::string text(const json& j) { return j.dump(); }

/// Bytes of the current process's address space.
[[maybe_unused]] std::size_t address_space_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

// What a refusal may allocate at most, and how long it may take (sanitizers slow loading ~10x).
[[maybe_unused]] constexpr std::size_t headroom = std::size_t{512} << 20;
#ifdef GROVE_TEST_SANITIZED
constexpr double max_seconds = 30.0;
#else
constexpr double max_seconds = 5.0;
#endif

struct outcome {
  bool refused = false;  ///< threw grove::error with one of the expected codes
  std::string detail;
  double seconds = 0;
};

/// Loads `bytes`; exit code of the child: 0 refused as expected, 1 loaded, 2 std::bad_alloc,
/// 3 another exception, 10 + code for a grove::error with an unexpected code.
int load_and_classify(const std::string& bytes, const grove::load_options& options,
                      const std::set<error_code>& codes, std::string& detail) {
  try {
    (void)grove::load_from_memory(bytes.data(), bytes.size(), options);
    detail = "loaded";
    return 1;
  } catch (const grove::error& e) {
    detail = std::string(grove::to_string(e.code())) + ": " + e.what();
    return codes.count(e.code()) ? 0 : 10 + static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    detail = "std::bad_alloc";
    return 2;
  } catch (const std::exception& e) {
    detail = std::string("exception: ") + e.what();
    return 3;
  }
}

/// Runs job(detail) in a child process whose address space is capped at the current size plus
/// `headroom` (in sanitizer builds: in this process, uncapped); refused = the job returned 0.
outcome run_capped(const std::function<int(std::string&)>& job) {
  outcome o;
  const auto start = std::chrono::steady_clock::now();
#ifdef GROVE_TEST_SANITIZED
  o.refused = job(o.detail) == 0;
#else
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const rlim_t cap = address_space_bytes() + headroom;
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    close(fds[0]);
    const rlimit limit{cap, cap};
    setrlimit(RLIMIT_AS, &limit);
    std::string detail;
    const int code = job(detail);
    (void)!write(fds[1], detail.data(), std::min<std::size_t>(detail.size(), 4000));
    _exit(code);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t got;
  while ((got = read(fds[0], buf, sizeof buf)) > 0)
    o.detail.append(buf, static_cast<std::size_t>(got));
  close(fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  if (WIFSIGNALED(status))
    o.detail += " (killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  o.refused = WIFEXITED(status) && WEXITSTATUS(status) == 0;
#endif
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

outcome try_load(const std::string& bytes, const grove::load_options& options,
                 const std::set<error_code>& codes) {
  return run_capped(
      [&](std::string& detail) { return load_and_classify(bytes, options, codes, detail); });
}

void expect_refused(const std::string& what, const std::string& bytes,
                    const std::set<error_code>& codes, const grove::load_options& options = {}) {
  const outcome o = try_load(bytes, options, codes);
  INFO(what << " (" << bytes.size() << " bytes): " << o.detail << " in " << o.seconds << " s");
  CHECK(o.refused);
  CHECK(o.seconds < max_seconds);
}

/// UBJSON as nlohmann writes it without counts (objects start with '{' and a key, as XGBoost's).
std::string ubjson_bytes(const json& j) {
  const std::vector<std::uint8_t> v = json::to_ubjson(j);
  return std::string(v.begin(), v.end());
}

const std::set<error_code> limit_or_invalid = {error_code::limit, error_code::invalid_model};

}  // namespace

TEST_CASE("limits: absurd declared sizes are refused quickly, without a large allocation",
          "[limits]") {
#ifndef GROVE_TEST_SANITIZED
  {
    // The cap is real: the child cannot allocate 1 GiB (so a load that tried would fail).
    const outcome big = run_capped([](std::string& detail) {
      try {
        std::vector<char> v(std::size_t{1} << 30, 1);
        detail = "allocated 1 GiB, last byte " + std::to_string(v.back());
        return 1;
      } catch (const std::bad_alloc&) {
        detail = "std::bad_alloc";
        return 0;
      }
    });
    INFO(big.detail);
    REQUIRE(big.refused);
  }
#endif
  {
    json m = template_model();
    first_tree(m)["tree_param"]["num_nodes"] = "1000000000";
    expect_refused("num_nodes 1000000000", text(m), {error_code::limit});
    expect_refused("num_nodes 1000000000, UBJSON", ubjson_bytes(m), {error_code::limit});
  }
  {
    json m = template_model();
    first_tree(m)["tree_param"]["num_nodes"] = "16000000";  // within the limit, arrays of 15
    expect_refused("num_nodes 16000000 with 15-entry arrays", text(m), limit_or_invalid);
  }
  {
    json m = template_model();
    m["learner"]["learner_model_param"]["num_feature"] = "2147483648";
    expect_refused("num_feature 2^31", text(m), {error_code::limit});
    m["learner"]["learner_model_param"]["num_feature"] = "-1";
    expect_refused("num_feature -1", text(m), {error_code::limit});
  }
  {
    json m = template_model();
    m["learner"]["learner_model_param"]["num_class"] = "1000000000";
    expect_refused("num_class 1000000000", text(m), {error_code::limit});
  }
  {
    json m = template_model();
    m["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "1000000000";
    expect_refused("num_trees 1000000000 (6 trees present)", text(m), limit_or_invalid);
  }
  {
    json m = template_model();
    first_tree(m)["tree_param"]["size_leaf_vector"] = "1000000000";
    expect_refused("size_leaf_vector 1000000000", text(m), limit_or_invalid);
  }
  {
    expect_refused("a chain 10,000 splits deep", text(chain_model(10000)), {error_code::limit});
    expect_refused("a chain one split deeper than the depth limit",
                   text(chain_model(static_cast<int>(grove::ir::limits{}.max_depth) + 1)),
                   {error_code::limit});
  }
  {
    // A UBJSON typed array header declaring a billion float64 values, followed by one value:
    // split_conditions is written as a marker string, then replaced by such an array.
    json m = template_model();
    first_tree(m)["split_conditions"] = "MARKER-MARKER";
    std::string bytes = ubjson_bytes(m);
    const std::string marker = std::string("Si\x0d") + "MARKER-MARKER";
    const std::size_t at = bytes.find(marker);
    REQUIRE(at != std::string::npos);
    const std::string one_value("\x40\x93\x4a\x00\x00\x00\x00\x00", 8);  // 1234.5
    std::string billion = bytes;
    billion.replace(at, marker.size(), std::string("[$D#l\x3b\x9a\xca\x00", 9) + one_value);
    // The count is larger than the input: refused as malformed (parse) before any allocation.
    expect_refused("UBJSON typed array declaring 10^9 elements", billion,
                   {error_code::parse, error_code::limit, error_code::invalid_model});
    std::string huge = bytes;
    huge.replace(at, marker.size(),
                 std::string("[$D#L\x40\x00\x00\x00\x00\x00\x00\x00", 13) + one_value);
    expect_refused("UBJSON typed array declaring 2^62 elements", huge,
                   {error_code::parse, error_code::limit, error_code::invalid_model});
    // The same document with an honest count of 1 is not refused for its size.
    std::string honest = bytes;
    honest.replace(at, marker.size(), std::string("[$D#i\x01", 6) + one_value);
    const outcome ok = try_load(honest, {}, {});
    INFO(ok.detail);
    CHECK(ok.detail.find("split_conditions") != std::string::npos);  // 1 entry, 15 nodes
  }
  {
    // Typed arrays of nulls take no bytes per element: 20,000 arrays of 180,000 nulls each,
    // 180 kB in all, would be 3.6e9 values.
    std::string bytes = std::string("[#l") + std::string("\x00\x00\x4e\x20", 4);  // 20,000
    const std::string inner = std::string("[$Z#l") + std::string("\x00\x02\xbf\x20", 4);
    for (int i = 0; i < 20000; ++i) bytes += inner;
    expect_refused("UBJSON arrays of zero-byte elements", bytes,
                   {error_code::parse, error_code::limit});
    expect_refused("JSON nested 100,000 deep", std::string(100000, '['),
                   {error_code::parse, error_code::limit});
    expect_refused("UBJSON key declaring 2^40 bytes",
                   std::string("{L\x00\x00\x01\x00\x00\x00\x00\x00", 10) + "abc",
                   {error_code::parse, error_code::limit});
  }
  {
    // Dumps: node ids need not be dense, so a few bytes can claim millions of node slots.
    grove::load_options o;
    o.objective = "reg:squarederror";
    o.base_score = 0.5f;
    expect_refused("dump node id 2^24", R"([{"nodeid": 16777216, "leaf": 1}])", {error_code::limit},
                   o);
    std::string dump = "[";
    for (int i = 0; i < 64; ++i)
      dump += std::string(i ? "," : "") +
              R"({"nodeid": 0, "split": "f0", "split_condition": 0.5, "yes": 1, "no": 16777215,
                  "children": [{"nodeid": 1, "leaf": 1}, {"nodeid": 16777215, "leaf": 2}]})";
    dump += "]";
    o.limits.max_total_nodes = 1 << 22;
    expect_refused("dump: 64 trees of 2^24 node ids, max_total_nodes 2^22", dump,
                   {error_code::limit}, o);
    expect_refused("dump whose root is not node 0", R"([{"nodeid": 5, "leaf": 1}])",
                   {error_code::invalid_model}, o);
  }
}

TEST_CASE("limits: a chain 1,000 splits deep loads and predicts as XGBoost does", "[limits]") {
  grove_test::set_global_verbosity(0);
  for (int depth : {1000, static_cast<int>(grove::ir::limits{}.max_depth)}) {
    INFO("depth " << depth);
    const std::string doc = text(chain_model(depth));
    const auto start = std::chrono::steady_clock::now();
    const grove::predictor p(grove::load_from_memory(doc.data(), doc.size()));
    const double load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(load_seconds < max_seconds);
    REQUIRE(p.get_model().forest().trees[0].num_nodes() == static_cast<std::size_t>(2 * depth + 1));

    const float d = static_cast<float>(depth);
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> x0 = {-1.0f,         0.0f,  0.5f,     1.0f, 2.5f,  17.0f,
                                   d / 2,         d - 1, d - 0.5f, d,    d + 5, 1e30f,
                                   std::nanf(""), inf,   -inf,     -0.0f};
    std::vector<float> rows;
    for (float v : x0) rows.insert(rows.end(), {v, 7.0f});
    const std::size_t n = x0.size();
    const grove::rows view(rows.data(), n, 2);

    const auto booster = grove_test::booster::load(doc.data(), doc.size());
    grove::predict_options o;
    o.kind = grove::output::margin;
    const auto want =
        booster.predict_dense(rows.data(), n, 2, std::nanf(""), grove_test::pred_type::margin);
    CHECK(grove_test::count_bit_mismatches(p.predict(view, o), want.values) == 0);

    // Leaves through a DMatrix, which refuses infinities: those rows get +-1e30 instead.
    std::vector<float> finite = rows;
    for (float& v : finite)
      if (std::isinf(v)) v = std::copysign(1e30f, v);
    const grove_test::dmatrix dm(finite, n, 2);
    const auto want_leaf = booster.predict_dmatrix(dm, grove_test::pred_type::leaf);
    o.kind = grove::output::leaf;
    const auto got_leaf = p.predict(grove::rows(finite.data(), n, 2), o);
    CHECK(grove_test::count_bit_mismatches(got_leaf, want_leaf.values) == 0);
    // The deepest leaf is reached (by x0 >= depth).
    CHECK(std::find(got_leaf.begin(), got_leaf.end(), static_cast<float>(2 * depth)) !=
          got_leaf.end());
  }
}

}  // namespace grove_test::limits_cases
