// Bad inputs: every one must end in a grove::error with the right code and a message that names
// what is wrong and where (a JSON path, or "tree N, node M"). None may crash, hang, or allocate
// in proportion to a size the input merely declares. Also the predictor's argument checks and
// the grove-predict command line.

#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <grove/grove.hpp>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/files.hpp"
#include "support/fixture.hpp"
#include "support/model_json.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::bad_inputs_cases {

namespace fs = std::filesystem;
using json = nlohmann::json;
using grove::error_code;
using grove_test::count_bit_mismatches;

namespace {

using grove_test::read_bytes;
using grove_test::write_bytes;

fs::path fixture_dir(const std::string& name) {
  return fs::path(grove_test::fixtures_dir()) / name;
}

std::string ubjson(const json& doc) {
  const std::vector<std::uint8_t> b = json::to_ubjson(doc);
  return std::string(b.begin(), b.end());
}

/// Loads bytes that must be refused and returns the error; anything else fails the test.
grove::error refused(const std::string& bytes, const grove::load_options& options = {}) {
  try {
    grove::load_from_memory(bytes.data(), bytes.size(), options, "bad.json");
  } catch (const grove::error& e) {
    return e;
  } catch (const std::exception& e) {
    FAIL("threw something other than grove::error: " << e.what());
  }
  FAIL("loaded without an error");
  throw std::logic_error("unreachable");
}

void check_error(const grove::error& e, error_code code,
                 std::initializer_list<const char*> phrases) {
  INFO("error: " << e.what());
  CHECK(std::string(to_string(e.code())) == to_string(code));
  for (const char* phrase : phrases) CHECK_THAT(e.what(), Catch::Contains(phrase));
}

/// The document is refused with this code and these phrases, as JSON text and as UBJSON.
void check_refused(const json& doc, error_code code, std::initializer_list<const char*> phrases) {
  {
    INFO("JSON text");
    check_error(refused(doc.dump()), code, phrases);
  }
  {
    INFO("UBJSON");
    check_error(refused(ubjson(doc)), code, phrases);
  }
}

grove::model load_doc(const json& doc) {
  const std::string text = doc.dump();
  return grove::load_from_memory(text.data(), text.size());
}

/// The two-feature model of three_leaf_tree() and its hand-worked margins.
grove_test::model_spec small_spec() {
  grove_test::model_spec m;
  m.trees = {grove_test::three_leaf_tree()};
  return m;
}
json small_model() { return grove_test::model_json(small_spec()); }
json& tree0(json& doc) { return doc["learner"]["gradient_booster"]["model"]["trees"][0]; }
json& booster_model(json& doc) { return doc["learner"]["gradient_booster"]["model"]; }

const float nan_f = std::numeric_limits<float>::quiet_NaN();
/// Rows for small_model: (x0, x1) and the leaf each reaches.
const float small_rows[] = {1.0f, 0.0f, -1.0f, -1.0f, -1.0f, 1.0f, nan_f, nan_f};
const std::vector<float> small_margins = {3.0f, 1.0f, 2.0f, 2.0f};

std::vector<float> predict_small(const grove::model& m) {
  const grove::predictor p(m);
  grove::predict_options o;
  o.kind = grove::output::margin;
  return p.predict(grove::rows(small_rows, 4, 2), o);
}

/// Big-endian 64-bit count as XGBoost's UBJSON writes it after an 'L' marker.
void put_be64(std::string& bytes, std::size_t at, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>((v >> (56 - 8 * i)) & 0xff);
}
std::string be64(std::uint64_t v) {
  std::string s(8, '\0');
  put_be64(s, 0, v);
  return s;
}

using grove_test::temp_dir;

/// Loads corrupted bytes: either a grove::error, or a model that predicts without crashing.
void load_or_refuse(const std::string& bytes, const grove_test::dense_rows_t& x,
                    std::size_t& loaded) {
  std::optional<grove::model> m;
  try {
    m.emplace(grove::load_from_memory(bytes.data(), bytes.size()));
  } catch (const grove::error&) {
    return;
  } catch (const std::exception& e) {
    FAIL("threw something other than grove::error: " << e.what());
  }
  ++loaded;
  const grove::predictor p(*m);
  const std::size_t rows = std::min<std::size_t>(x.num_rows, 8);
  const std::size_t width = std::max<std::size_t>(p.num_feature(), 1);
  std::vector<float> data(rows * width, nan_f);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < width && c < x.num_cols; ++c)
      data[r * width + c] = x.values[r * x.num_cols + c];
  for (grove::output kind : {grove::output::margin, grove::output::value, grove::output::leaf}) {
    grove::predict_options o;
    o.kind = kind;
    const std::vector<float> out = p.predict(grove::rows(data.data(), rows, width), o);
    CHECK(out.size() == rows * p.output_width(o));
  }
  // Contributions: values or a clear refusal (no covers, vector leaves), never a crash.
  grove::predict_options o;
  o.kind = grove::output::contribs;
  try {
    const std::vector<float> out = p.predict(grove::rows(data.data(), rows, width), o);
    CHECK(out.size() == rows * p.output_width(o));
  } catch (const grove::error& e) {
    CHECK(e.code() == error_code::unsupported);
  }
}

}  // namespace

TEST_CASE("empty input, whitespace, a missing file, a directory", "[bad][io]") {
  check_error(refused(""), error_code::parse, {"bad.json", "empty"});
  check_error(refused(" \n\t\r\n  "), error_code::parse, {"bad.json", "not valid JSON"});
  try {
    grove::load_from_memory(nullptr, 0);
    FAIL("loaded nothing");
  } catch (const grove::error& e) {
    check_error(e, error_code::parse, {"empty"});
  }

  temp_dir tmp("bad-io");
  const fs::path empty = tmp.path / "empty.json";
  write_bytes(empty, "");
  const fs::path missing = tmp.path / "no-such-dir" / "model.json";
  auto load_error = [](const fs::path& path) -> grove::error {
    try {
      grove::load(path.string());
    } catch (const grove::error& e) {
      return e;
    } catch (const std::exception& e) {
      FAIL("threw something other than grove::error: " << e.what());
    }
    FAIL("loaded " << path);
    throw std::logic_error("unreachable");
  };
  check_error(load_error(empty), error_code::parse, {empty.string().c_str(), "empty"});
  check_error(load_error(missing), error_code::io, {missing.string().c_str(), "cannot open"});
  check_error(load_error(tmp.path), error_code::io, {tmp.path.string().c_str(), "directory"});
}

TEST_CASE("truncated JSON and UBJSON", "[bad][truncated]") {
  for (const char* name : {"obj_multi_softprob", "categorical_partition", "dart_binary"}) {
    for (const char* file : {"model.json", "model.ubj"}) {
      const std::string bytes = read_bytes(fixture_dir(name) / file);
      INFO(name << "/" << file << " (" << bytes.size() << " bytes)");
      std::vector<std::size_t> cuts;
      for (std::size_t k = 0; k < 50; ++k) cuts.push_back(bytes.size() * k / 50);
      if (std::string(file) == "model.ubj")
        for (std::size_t k = 0; k < 64; ++k) cuts.push_back(k);
      cuts.push_back(bytes.size() - 1);
      for (std::size_t cut : cuts) {
        INFO("cut at " << cut);
        check_error(refused(bytes.substr(0, cut)), error_code::parse, {"bad.json"});
      }
    }
  }
}

TEST_CASE("single-byte corruptions load and predict, or fail with grove::error", "[bad][corrupt]") {
  std::mt19937 rng(20240611);
  std::size_t loaded = 0, tried = 0;
  struct target {
    fs::path file;
    fs::path rows;
    std::size_t flips;
  };
  std::vector<target> targets = {
      {fixture_dir("obj_multi_softprob") / "model.ubj", fixture_dir("obj_multi_softprob") / "X.csv",
       200},
      {fixture_dir("obj_multi_softprob") / "model.json",
       fixture_dir("obj_multi_softprob") / "X.csv", 200},
      {fixture_dir("categorical_partition") / "model.json",
       fixture_dir("categorical_partition") / "X.csv", 150},
      {fixture_dir("dart_binary") / "model.ubj", fixture_dir("dart_binary") / "X.csv", 100}};
  for (const char* name : {"categorical", "multi_output_tree"}) {
    const fs::path dir = grove_test::model35(name);
    targets.push_back({dir / "model.ubj", dir / "X.csv", 100});
  }
  for (const target& t : targets) {
    const std::string original = read_bytes(t.file);
    const auto x = grove_test::read_csv_file(t.rows.string());
    std::uniform_int_distribution<std::size_t> position(0, original.size() - 1);
    std::uniform_int_distribution<int> mask(1, 255);
    for (std::size_t i = 0; i < t.flips; ++i) {
      std::string bytes = original;
      const std::size_t at = position(rng);
      const int m = mask(rng);
      bytes[at] = static_cast<char>(static_cast<unsigned char>(bytes[at]) ^ m);
      INFO(t.file.string() << ": byte " << at << " xor " << m);
      load_or_refuse(bytes, x, loaded);
      ++tried;
    }
  }
  // Most corruptions of values still load; the point is that none escapes as a crash.
  CHECK(loaded > 0);
  CHECK(loaded < tried);
}

TEST_CASE("wrong JSON types name the path", "[bad][types]") {
  const json good = small_model();
  REQUIRE(predict_small(load_doc(good)) == small_margins);
  {
    json doc = good;
    tree0(doc)["left_children"] = "1,3,-1,-1,-1";
    check_refused(doc, error_code::format,
                  {"/learner/gradient_booster/model/trees/0/left_children:",
                   "expected an array, got string"});
  }
  {
    json doc = good;
    tree0(doc)["left_children"] = {"1", "3", "-1", "-1", "-1"};
    check_refused(doc, error_code::format,
                  {"/learner/gradient_booster/model/trees/0/left_children/0:",
                   "expected an integer, got string"});
  }
  {
    json doc = good;
    tree0(doc)["split_conditions"][2] = "3";
    check_refused(doc, error_code::format,
                  {"/trees/0/split_conditions/2:", "expected a number, got string"});
  }
  {
    json doc = good;
    booster_model(doc)["trees"] = json::object();
    check_refused(doc, error_code::format,
                  {"/learner/gradient_booster/model/trees:", "expected an array, got object"});
  }
  {
    json doc = good;
    doc["learner"]["learner_model_param"]["num_feature"] = "two";
    check_refused(
        doc, error_code::format,
        {"/learner/learner_model_param/num_feature:", "expected an integer, got \"two\""});
  }
  {
    json doc = good;
    doc["learner"]["learner_model_param"]["base_score"] = "[5E-1,x]";
    check_refused(doc, error_code::format, {"/learner/learner_model_param/base_score:", "\"x\""});
  }
  {
    json doc = good;
    doc["learner"] = json::array();
    check_refused(doc, error_code::format, {"/learner:", "expected an object, got array"});
  }
  {
    json doc = good;
    tree0(doc)["tree_param"] = "5 nodes";
    check_refused(doc, error_code::format, {"/trees/0/tree_param:", "expected an object"});
  }
  check_error(refused("42"), error_code::format, {"expected an XGBoost model", "number"});
  check_error(refused("[1, 2]"), error_code::format, {"expected an XGBoost model", "array"});
  check_error(refused("\"model\""), error_code::format, {"string"});
  check_error(refused("{\"learner\": {}} trailing"), error_code::parse, {"not valid JSON"});
}

TEST_CASE("children out of range, cycles, shared children", "[bad][structure]") {
  const json good = small_model();
  {
    json doc = good;
    tree0(doc)["left_children"][1] = 99;
    check_refused(doc, error_code::invalid_model,
                  {"/trees/0/left_children/1:", "value 99 is outside [-1, 4]"});
  }
  {
    json doc = good;
    tree0(doc)["left_children"][0] = -5;
    check_refused(doc, error_code::invalid_model, {"/trees/0/left_children/0:", "-5"});
  }
  {
    json doc = good;
    tree0(doc)["right_children"][1] = 99;
    check_refused(doc, error_code::invalid_model, {"tree 0, node 1", "child 99 is outside [0, 5)"});
  }
  {
    json doc = good;
    tree0(doc)["right_children"][0] = -1;  // a split with no right child
    check_refused(doc, error_code::invalid_model, {"tree 0, node 0", "child -1"});
  }
  {
    json doc = good;  // node 1's left child is the root: a cycle
    tree0(doc)["left_children"][1] = 0;
    check_refused(doc, error_code::invalid_model, {"tree 0, node 1", "reached twice", "cycle"});
  }
  {
    json doc = good;  // the root is its own child
    tree0(doc)["right_children"][0] = 0;
    check_refused(doc, error_code::invalid_model, {"tree 0, node 0", "child 0 is reached twice"});
  }
  {
    json doc = good;  // node 2 has two parents
    tree0(doc)["right_children"][1] = 2;
    check_refused(doc, error_code::invalid_model, {"tree 0, node 1", "child 2 is reached twice"});
  }
  {
    // The error names the tree by its position in the model.
    grove_test::model_spec m = small_spec();
    m.trees.push_back(grove_test::three_leaf_tree());
    m.trees[1].left[1] = 0;
    check_refused(grove_test::model_json(m), error_code::invalid_model,
                  {"/trees/1", "tree 1, node 1", "reached twice"});
  }
}

TEST_CASE("split features: checked on reachable splits only", "[bad][feature]") {
  {
    json doc = small_model();
    tree0(doc)["split_indices"][1] = 2;
    check_refused(doc, error_code::invalid_model,
                  {"tree 0, node 1", "split feature 2 is outside [0, 2)"});
  }
  {
    json doc = small_model();
    tree0(doc)["split_indices"][0] = -1;
    check_refused(doc, error_code::invalid_model, {"/trees/0/split_indices/0:", "-1"});
  }
  // Unreachable entries are ignored: node 5 is a deleted node as XGBoost leaves it (feature
  // 2^31 - 1, no children), node 6 an orphan split on feature 1000; leaf 2 keeps a stale feature.
  grove_test::model_spec m = small_spec();
  grove_test::tree_spec& t = m.trees[0];
  t.left.insert(t.left.end(), {-1, 5});
  t.right.insert(t.right.end(), {-1, 5});
  t.feature.insert(t.feature.end(), {2147483647, 1000});
  t.value.insert(t.value.end(), {0.0, 7.0});
  t.default_left.insert(t.default_left.end(), {1, 0});
  t.feature[2] = 999;
  json doc = grove_test::model_json(m);
  tree0(doc)["tree_param"]["num_deleted"] = "1";
  CHECK(predict_small(load_doc(doc)) == small_margins);
  const std::string u = ubjson(doc);
  CHECK(predict_small(grove::load_from_memory(u.data(), u.size())) == small_margins);
}

TEST_CASE("missing fields are named with their parent's path", "[bad][missing]") {
  const json good = small_model();
  struct removal {
    std::vector<const char*> parent;
    const char* key;
    const char* where;
  };
  const removal removals[] = {
      {{"learner", "gradient_booster", "model"}, "trees", "/learner/gradient_booster/model:"},
      {{"learner", "gradient_booster", "model"}, "tree_info", "/learner/gradient_booster/model:"},
      {{"learner", "gradient_booster", "model"},
       "gbtree_model_param",
       "/learner/gradient_booster/model:"},
      {{"learner", "gradient_booster"}, "model", "/learner/gradient_booster:"},
      {{"learner", "gradient_booster"}, "name", "/learner/gradient_booster:"},
      {{"learner"}, "learner_model_param", "/learner:"},
      {{"learner"}, "objective", "/learner:"},
      {{"learner"}, "gradient_booster", "/learner:"},
      {{"learner", "objective"}, "name", "/learner/objective:"},
      {{"learner", "learner_model_param"}, "num_feature", "/learner/learner_model_param:"},
      {{"learner", "learner_model_param"}, "base_score", "/learner/learner_model_param:"},
      {{}, "learner", "bad.json:/:"},
  };
  for (const removal& r : removals) {
    json doc = good;
    json* parent = &doc;
    for (const char* k : r.parent) parent = &(*parent)[k];
    parent->erase(r.key);
    INFO("without " << r.key);
    const std::string phrase = std::string("missing field '") + r.key + "'";
    check_refused(doc, error_code::format, {r.where, phrase.c_str()});
  }
  for (const char* key : {"split_conditions", "left_children", "right_children", "split_indices",
                          "default_left", "tree_param"}) {
    json doc = good;
    tree0(doc).erase(key);
    INFO("without " << key);
    const std::string phrase = std::string("missing field '") + key + "'";
    check_refused(doc, error_code::format,
                  {"/learner/gradient_booster/model/trees/0:", phrase.c_str()});
  }
  {
    json doc = good;
    tree0(doc)["tree_param"].erase("num_nodes");
    check_refused(doc, error_code::format, {"/trees/0/tree_param:", "missing field 'num_nodes'"});
  }
}

TEST_CASE("counts that disagree with the arrays", "[bad][counts]") {
  const json good = small_model();
  for (const char* n : {"4", "6"}) {
    json doc = good;
    tree0(doc)["tree_param"]["num_nodes"] = n;
    const std::string phrase = std::string("expected num_nodes = ") + n;
    check_refused(doc, error_code::invalid_model,
                  {"/trees/0/left_children:", "has 5 entries", phrase.c_str()});
  }
  {
    json doc = good;
    tree0(doc)["split_conditions"].erase(4);
    check_refused(doc, error_code::invalid_model, {"/trees/0/split_conditions:", "has 4 entries"});
  }
  {
    json doc = good;
    booster_model(doc)["gbtree_model_param"]["num_trees"] = "2";
    check_refused(doc, error_code::invalid_model,
                  {"/gbtree_model_param/num_trees:", "declares 2 trees"});
  }
  grove_test::model_spec two = small_spec();
  two.trees.push_back(grove_test::three_leaf_tree());
  {
    json doc = grove_test::model_json(two);
    booster_model(doc)["tree_info"] = {0};
    check_refused(doc, error_code::invalid_model, {"/tree_info:", "has 1 entries for 2 trees"});
  }
  {
    grove_test::model_spec m = two;
    m.objective = "multi:softprob";
    m.num_class = 3;
    m.tree_info = {0, 3};
    check_refused(grove_test::model_json(m), error_code::invalid_model,
                  {"/tree_info/1:", "value 3 is outside [0, 2]"});
  }
  {
    grove_test::model_spec m = two;
    m.tree_info = {0, 1};  // a single-output model
    check_refused(grove_test::model_json(m), error_code::invalid_model,
                  {"/tree_info/1:", "outside [0, 0]"});
  }
  {
    json doc = grove_test::model_json(two);
    booster_model(doc)["iteration_indptr"] = {0, 1};
    check_refused(doc, error_code::invalid_model, {"iteration_indptr", "end at the tree count 2"});
    booster_model(doc)["iteration_indptr"] = {0, 2, 1, 2};
    check_refused(doc, error_code::invalid_model, {"iteration_indptr", "decreases"});
    booster_model(doc)["iteration_indptr"] = {0, 3};
    check_refused(doc, error_code::invalid_model, {"/iteration_indptr/1:", "outside [0, 2]"});
  }
  {
    grove_test::model_spec m = two;  // 3 trees for 2 classes, no iteration_indptr
    m.trees.push_back(grove_test::three_leaf_tree());
    m.objective = "multi:softprob";
    m.num_class = 2;
    m.tree_info = {0, 1, 0};
    check_refused(grove_test::model_json(m), error_code::invalid_model,
                  {"do not make whole rounds"});
  }
  {
    json doc = grove_test::model_json(two);
    doc["learner"]["gradient_booster"]["weight_drop"] = {1.0};
    check_refused(doc, error_code::invalid_model, {"weight_drop has 1 entries for 2 trees"});
    doc["learner"]["gradient_booster"]["weight_drop"] = {1.0,
                                                         std::numeric_limits<double>::infinity()};
    check_error(refused(ubjson(doc)), error_code::invalid_model,
                {"tree 1", "weight is not finite"});
  }
  {
    grove_test::model_spec m = two;
    m.objective = "multi:softprob";
    m.num_class = 3;
    m.tree_info = {0, 1};
    m.base_score = "[1E0,2E0]";
    check_refused(grove_test::model_json(m), error_code::invalid_model,
                  {"/learner/learner_model_param/base_score", "expected 1 or 3 values, got 2"});
  }
  {
    json doc = small_model();
    booster_model(doc)["gbtree_model_param"]["num_parallel_tree"] = "0";
    check_refused(doc, error_code::invalid_model,
                  {"/gbtree_model_param/num_parallel_tree", "at least 1"});
  }
  {
    json doc = small_model();
    tree0(doc)["tree_param"]["size_leaf_vector"] = "3";  // a vector leaf in a 1-output model
    check_refused(doc, error_code::invalid_model,
                  {"/trees/0/tree_param/size_leaf_vector:", "outside [0, 1]"});
  }
  {
    json doc = small_model();
    tree0(doc)["split_conditions"][3] = std::numeric_limits<double>::quiet_NaN();
    check_error(refused(ubjson(doc)), error_code::invalid_model,
                {"tree 0, node 3", "leaf value is NaN"});
    std::string text = small_model().dump();
    REQUIRE(text.find("[0.0,0.0,3.0,1.0,2.0]") != std::string::npos);
    text.replace(text.find("[0.0,0.0,3.0,1.0,2.0]"), 21, "[NaN,0.0,3.0,1.0,2.0]");
    check_error(refused(text), error_code::invalid_model, {"tree 0, node 0", "threshold is NaN"});
  }
}

TEST_CASE("objectives and boosters grove does not implement", "[bad][unsupported]") {
  {
    json doc = small_model();
    doc["learner"]["objective"]["name"] = "reg:nonsense";
    check_refused(doc, error_code::unsupported, {"/learner/objective/name:", "'reg:nonsense'"});
  }
  {
    json doc = small_model();
    doc["learner"]["gradient_booster"] = {
        {"name", "gblinear"}, {"model", {{"weights", {0.1, 0.2, 0.0}}, {"boosted_rounds", 1}}}};
    check_refused(doc, error_code::unsupported, {"/learner/gradient_booster/name:", "gblinear"});
  }
  {
    json doc = small_model();
    doc["learner"]["gradient_booster"]["name"] = "gbforest";
    check_refused(doc, error_code::unsupported, {"/learner/gradient_booster/name:", "'gbforest'"});
  }
}

TEST_CASE("absurd sizes fail fast without allocating them", "[bad][sizes]") {
  const auto start = std::chrono::steady_clock::now();
  const json good = small_model();
  for (const char* n : {"1000000000000", "-1", "0", "99999999999999999999"}) {
    json doc = good;
    tree0(doc)["tree_param"]["num_nodes"] = n;
    INFO("num_nodes " << n);
    const grove::error e = refused(doc.dump());
    CHECK_THAT(e.what(), Catch::Contains("/trees/0/tree_param/num_nodes:"));
    CHECK((e.code() == error_code::limit || e.code() == error_code::format));
  }
  {
    json doc = good;
    doc["learner"]["learner_model_param"]["num_feature"] = "-3";
    check_refused(doc, error_code::limit, {"/learner_model_param/num_feature:", "-3"});
    doc["learner"]["learner_model_param"]["num_feature"] = "1000000000000";
    check_refused(doc, error_code::limit, {"/learner_model_param/num_feature:", "1000000000000"});
  }
  {
    json doc = good;
    doc["learner"]["learner_model_param"]["num_class"] = "99999999";
    check_refused(doc, error_code::limit, {"/learner/learner_model_param:", "99999999"});
    doc["learner"]["learner_model_param"]["num_class"] = "-2";
    check_refused(doc, error_code::format, {"/learner_model_param/num_class:", "negative"});
  }
  {
    json doc = good;
    doc["learner"]["learner_model_param"]["num_target"] = "4000000000";
    check_refused(doc, error_code::limit, {"/learner/learner_model_param:", "4000000000"});
  }

  // UBJSON declared sizes, patched into XGBoost's own file.
  const std::string ubj = read_bytes(fixture_dir("obj_reg_squarederror") / "model.ubj");
  auto count_at = [&](const std::string& header) {
    const std::size_t at = ubj.find(header);
    REQUIRE(at != std::string::npos);
    return at + header.size();
  };
  struct patch {
    const char* what;
    std::size_t at;
  };
  const patch patches[] = {
      {"typed int32 array (left_children)", count_at("left_children[$l#L")},
      {"generic array (trees)", count_at("trees[#L")},
      {"string (the objective name)", ubj.find("reg:squarederror") - 8},
      {"object key (learner)", 2},
  };
  for (const patch& p : patches) {
    for (std::uint64_t count : {std::uint64_t{1} << 40, std::uint64_t{1} << 62, ~std::uint64_t{0},
                                std::uint64_t{1} << 31}) {
      INFO(p.what << " declaring " << count);
      std::string bytes = ubj;
      put_be64(bytes, p.at, count);
      check_error(refused(bytes), error_code::parse, {"bad.json", "UBJSON"});
    }
  }
  // A bare document: an array header declaring 2^40 float32 elements.
  check_error(refused("[$d#L" + be64(std::uint64_t{1} << 40) + "abcd"), error_code::parse,
              {"declares"});
  // Typed arrays of empty elements take no bytes each: nested, they could multiply to far more
  // values than the input has bytes.
  {
    std::string bytes = std::string("{i\x01") + "a[$[#L" + be64(2000);
    for (int i = 0; i < 2000; ++i) bytes += "$Z#L" + be64(20000);
    bytes += "}";
    check_error(refused(bytes), error_code::parse, {"more values than the input has bytes"});
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 10.0);
}

TEST_CASE("deeply nested documents are a parse error, not a stack overflow", "[bad][nesting]") {
  const std::size_t depth = 100000;
  check_error(refused(std::string(depth, '[') + std::string(depth, ']')), error_code::parse,
              {"nesting deeper than"});
  std::string objects;
  for (std::size_t i = 0; i < depth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(depth, '}');
  check_error(refused(objects), error_code::parse, {"nesting deeper than"});
  // UBJSON is parsed recursively by nlohmann: the depth bound must stop it too.
  std::string ubj_arrays;
  for (std::size_t i = 0; i < depth; ++i) ubj_arrays += "[#i\x01";
  ubj_arrays += "Z";
  check_error(refused(ubj_arrays), error_code::parse, {"UBJSON", "nesting deeper than"});
  std::string ubj_objects;
  for (std::size_t i = 0; i < depth; ++i)
    ubj_objects +=
        "{i\x01"
        "a";
  ubj_objects += "Z" + std::string(depth, '}');
  check_error(refused(ubj_objects), error_code::parse, {"UBJSON", "nesting deeper than"});
}

namespace {

/// A one-split categorical tree on feature 0: categories `codes` go right (leaf 2), the rest
/// left (leaf 1).
json categorical_model(const json& codes) {
  grove_test::model_spec m;
  m.trees = {{{1, -1, -1}, {2, -1, -1}, {0, 0, 0}, {0.0, 1.0, 2.0}, {0, 0, 0}}};
  m.num_feature = 1;
  json doc = grove_test::model_json(m);
  json& t = tree0(doc);
  t["split_type"] = {1, 0, 0};
  t["split_conditions"][0] = std::numeric_limits<double>::quiet_NaN();
  t["categories_nodes"] = {0};
  t["categories_segments"] = {0};
  t["categories_sizes"] = {codes.size()};
  t["categories"] = codes;
  return doc;
}

}  // namespace

TEST_CASE("categorical splits: sorted, non-negative, consistent segments", "[bad][categories]") {
  {
    const grove::predictor p(load_doc(categorical_model({1, 3})));
    const float x[] = {0.0f, 1.0f, 2.0f, 3.0f, 3.9f, -1.0f};
    grove::predict_options o;
    o.kind = grove::output::margin;
    CHECK(p.predict(grove::rows(x, 6, 1), o) == std::vector<float>{1, 2, 1, 2, 2, 1});
  }
  check_refused(categorical_model({3, 1}), error_code::invalid_model,
                {"tree 0, node 0", "not strictly ascending"});
  check_refused(categorical_model({1, 1}), error_code::invalid_model,
                {"tree 0, node 0", "not strictly ascending"});
  check_refused(categorical_model({-1, 3}), error_code::invalid_model,
                {"/trees/0/categories/0:", "value -1 is outside"});
  check_refused(categorical_model({1, 16777216}), error_code::invalid_model,
                {"/trees/0/categories/1:", "16777216"});
  {
    json doc = categorical_model({1, 3});
    tree0(doc)["categories_segments"] = {1};
    check_refused(doc, error_code::invalid_model,
                  {"/trees/0/categories_segments/0:", "past the categories"});
  }
  {
    json doc = categorical_model({1, 3});
    tree0(doc)["categories_sizes"] = {2, 1};
    check_refused(doc, error_code::invalid_model,
                  {"/trees/0/categories_nodes:", "differ in length"});
  }
  {
    json doc = categorical_model({1, 3});
    tree0(doc)["categories_nodes"] = {7};
    check_refused(doc, error_code::invalid_model,
                  {"/trees/0/categories_nodes/0:", "outside [0, 2]"});
  }
  {
    json doc = categorical_model({1, 3});
    tree0(doc)["categories_nodes"] = json::array();
    tree0(doc)["categories_segments"] = json::array();
    tree0(doc)["categories_sizes"] = json::array();
    check_refused(doc, error_code::invalid_model,
                  {"/trees/0/categories_nodes:", "node 0 has no category list"});
  }
  {
    json doc = categorical_model({1, 3});
    tree0(doc).erase("categories");
    check_refused(doc, error_code::format, {"/trees/0:", "missing field 'categories'"});
  }
  {
    // Many nodes listing the same long segment would make every node copy it.
    const int nodes = 2001;
    grove_test::tree_spec t;
    for (int i = 0; i < nodes; ++i) {
      const bool split = 2 * i + 2 < nodes;
      t.left.push_back(split ? 2 * i + 1 : -1);
      t.right.push_back(split ? 2 * i + 2 : -1);
      t.feature.push_back(0);
      t.value.push_back(split ? 0.0 : 1.0);
    }
    grove_test::model_spec m;
    m.trees = {t};
    m.num_feature = 1;
    json doc = grove_test::model_json(m);
    json& j = tree0(doc);
    std::vector<int> split_type(nodes, 0), cat_nodes, segments, sizes;
    for (int i = 0; 2 * i + 2 < nodes; ++i) {
      split_type[i] = 1;
      cat_nodes.push_back(i);
      segments.push_back(0);
      sizes.push_back(50000);
    }
    std::vector<int> codes(50000);
    for (int i = 0; i < 50000; ++i) codes[i] = i;
    j["split_type"] = split_type;
    j["categories_nodes"] = cat_nodes;
    j["categories_segments"] = segments;
    j["categories_sizes"] = sizes;
    j["categories"] = codes;
    check_error(refused(ubjson(doc)), error_code::invalid_model,
                {"/trees/0/categories_sizes:", "more than the 50000 entries"});
  }
}

TEST_CASE("dump_model JSON that cannot be a tree", "[bad][dump]") {
  grove::load_options o;
  o.objective = "reg:squarederror";
  o.base_score = 0.5f;
  auto dump_error = [&](const std::string& text) { return refused(text, o); };
  // A root split on f0 with the given fields and children.
  auto split = [](const std::string& fields, const std::string& children,
                  const std::string& condition = "0.5") {
    return R"([{"nodeid": 0, "missing": 1, "split_condition": )" + condition + ", " + fields +
           R"(, "children": [)" + children + "]}]";
  };
  const std::string leaf1 = R"({"nodeid": 1, "leaf": 1})", leaf2 = R"({"nodeid": 2, "leaf": 2})";
  const std::string good = split(R"("split": "f0", "yes": 1, "no": 2)", leaf1 + "," + leaf2);
  REQUIRE_NOTHROW(grove::load_from_memory(good.data(), good.size(), o));
  check_error(dump_error(R"([{"nodeid": 1000000000000, "leaf": 1}])"), error_code::limit,
              {"/0/nodeid:", "1000000000000"});
  check_error(dump_error(split(R"("split": "f0", "yes": 1, "no": 2)", leaf1)),
              error_code::invalid_model, {"/0:", "child 2 is not a node"});
  check_error(dump_error(split(R"("split": "f0", "yes": 1, "no": 1)",
                               leaf1 + R"(, {"nodeid": 1, "leaf": 2})")),
              error_code::invalid_model, {"/0/children/", "node id 1 appears twice"});
  check_error(
      dump_error(split(R"("split": "f99999999999", "yes": 1, "no": 2)", leaf1 + "," + leaf2)),
      error_code::limit, {"/0/split:", "f99999999999"});
  check_error(
      dump_error(split(R"("split": "f0", "yes": 1, "no": 2)", leaf1 + "," + leaf2, "\"x\"")),
      error_code::format, {"/0/split_condition:", "\"x\""});
  grove::load_options unknown = o;
  unknown.objective = "reg:nonsense";
  check_error(refused(R"([{"nodeid": 0, "leaf": 1}])", unknown), error_code::unsupported,
              {"reg:nonsense"});
}

TEST_CASE("predictor arguments are checked before any work", "[bad][predict]") {
  const grove::predictor p(load_doc(small_model()));
  grove::predict_options margin;
  margin.kind = grove::output::margin;
  std::vector<float> out(8, 42.0f);
  auto predict_error = [&](const grove::rows& x, float* o, std::size_t size,
                           const grove::predict_options& options) -> grove::error {
    try {
      p.predict(x, o, size, options);
    } catch (const grove::error& e) {
      return e;
    }
    FAIL("predicted without an error");
    throw std::logic_error("unreachable");
  };
  auto untouched = [&] {
    for (float v : out)
      if (v != 42.0f) return false;
    return true;
  };
  check_error(predict_error(grove::rows(small_rows, 4, 1), out.data(), out.size(), margin),
              error_code::shape, {"rows have 1 columns but the model needs 2"});
  CHECK(untouched());
  check_error(predict_error(grove::rows(small_rows, 4, 2), out.data(), 3, margin),
              error_code::shape, {"output", "holds 3 values, 4 are needed"});
  CHECK(untouched());
  check_error(predict_error(grove::rows(small_rows, 2, 2, 1), out.data(), out.size(), margin),
              error_code::shape, {"stride 1"});
  CHECK(untouched());
  check_error(predict_error(grove::rows(nullptr, 4, 2), out.data(), out.size(), margin),
              error_code::invalid_argument, {"data is null"});
  CHECK(untouched());
  check_error(predict_error(grove::rows(small_rows, 4, 2), nullptr, 4, margin),
              error_code::invalid_argument, {"buffer is null"});
  for (grove::output kind : {grove::output::margin, grove::output::value, grove::output::leaf}) {
    grove::predict_options o;
    o.kind = kind;
    o.iteration_end = 2;  // the model has one round
    check_error(predict_error(grove::rows(small_rows, 4, 2), out.data(), out.size(), o),
                error_code::invalid_argument, {"iteration_range", "1 rounds"});
    o.iteration_begin = 1;
    o.iteration_end = 0;
    CHECK_NOTHROW(p.predict(grove::rows(small_rows, 4, 2), out.data(), out.size(), o));
    o.iteration_begin = 2;
    check_error(predict_error(grove::rows(small_rows, 4, 2), out.data(), out.size(), o),
                error_code::invalid_argument, {"iteration_range"});
  }
  {  // Contributions: the same range and size checks (12 values: 4 rows x (2 features + bias)).
    grove::predict_options o;
    o.kind = grove::output::contribs;
    o.iteration_end = 2;
    std::vector<float> wide(12, 42.0f);
    check_error(predict_error(grove::rows(small_rows, 4, 2), wide.data(), wide.size(), o),
                error_code::invalid_argument, {"iteration_range", "1 rounds"});
    o.iteration_end = 0;
    check_error(predict_error(grove::rows(small_rows, 4, 2), wide.data(), 11, o),
                error_code::shape, {"output", "holds 11 values, 12 are needed"});
    CHECK(std::all_of(wide.begin(), wide.end(), [](float v) { return v == 42.0f; }));
    check_error(predict_error(grove::rows(small_rows, 4, 1), wide.data(), wide.size(), o),
                error_code::shape, {"rows have 1 columns but the model needs 2"});
    o.iteration_begin = 1;  // no trees: only the bias, the base margin
    CHECK_NOTHROW(p.predict(grove::rows(small_rows, 4, 2), wide.data(), wide.size(), o));
    grove::predict_options m = o;
    m.kind = grove::output::margin;
    const std::vector<float> base = p.predict(grove::rows(small_rows, 4, 2), m);
    for (std::size_t r = 0; r < 4; ++r) {
      CHECK(wide[r * 3] == 0.0f);
      CHECK(wide[r * 3 + 1] == 0.0f);
      CHECK(wide[r * 3 + 2] == base[r]);
    }
  }
  // Zero rows need no data and no output.
  CHECK_NOTHROW(p.predict(grove::rows(nullptr, 0, 2), nullptr, 0, margin));
}

namespace {

struct cli_result {
  int status;
  std::string out, err;
};

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

cli_result run_cli(const temp_dir& tmp, const std::string& args, const std::string& input = {}) {
  const fs::path out = tmp.path / "stdout.txt", err = tmp.path / "stderr.txt";
  std::string command = quoted(GROVE_PREDICT_EXE) + " " + args;
  if (!input.empty()) {
    write_bytes(tmp.path / "stdin.txt", input);
    command += " < " + quoted((tmp.path / "stdin.txt").string());
  }
  command += " > " + quoted(out.string()) + " 2> " + quoted(err.string());
  const int raw = std::system(command.c_str());
  const int status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return {status, read_bytes(out), read_bytes(err)};
}

}  // namespace

TEST_CASE("grove-predict: errors on stderr with a non-zero status", "[bad][cli]") {
  temp_dir tmp("bad-cli");
  const fs::path dir = fixture_dir("obj_multi_softprob");
  const std::string model = quoted((dir / "model.json").string());
  const std::string rows = quoted((dir / "X.csv").string());

  const fs::path bad_model = tmp.path / "bad-model.json";
  write_bytes(bad_model, "{\"learner\": {\"gradient_booster\": [1, 2,");
  cli_result r = run_cli(tmp, quoted(bad_model.string()) + " " + rows);
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("grove-predict:"));
  CHECK_THAT(r.err, Catch::Contains(bad_model.string()));
  CHECK_THAT(r.err, Catch::Contains("not valid JSON"));

  const fs::path bad_rows = tmp.path / "bad-rows.csv";
  write_bytes(bad_rows, "1,2,3,4,5,6\n1,2,abc,4,5,6\n");
  r = run_cli(tmp, model + " " + quoted(bad_rows.string()));
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains(bad_rows.string() + ":2: column 3"));
  CHECK_THAT(r.err, Catch::Contains("'abc' is not a number"));

  r = run_cli(tmp, model + " " + rows + " --frobnicate");
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("unknown option --frobnicate"));

  r = run_cli(tmp, model + " " + rows + " --output probabilities");
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("--output must be margin, value, leaf or contribs"));

  r = run_cli(tmp, model + " " + rows + " --iteration-range 0:99");
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("iteration_range"));

  const fs::path missing = tmp.path / "missing.json";
  r = run_cli(tmp, quoted(missing.string()) + " " + rows);
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains(missing.string()));

  r = run_cli(tmp, quoted((dir / "dump.json").string()) + " " + rows);
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("--objective"));

  r = run_cli(tmp, model + " -", "1,2\n");  // 2 columns for a 6-feature model
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("rows have 2 columns but the model needs 6"));

  r = run_cli(tmp, "");
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("usage"));
}

TEST_CASE("grove-predict: one line per row, values that read back to XGBoost's float32", "[cli]") {
  temp_dir tmp("cli");
  const fs::path dir = fixture_dir("obj_multi_softprob");
  const std::string model = quoted((dir / "model.ubj").string());
  const std::string rows = quoted((dir / "X.csv").string());
  auto parse_output = [](const std::string& text, std::size_t width) {
    std::vector<float> values;
    std::istringstream in(text);
    std::string line;
    std::size_t lines = 0;
    while (std::getline(in, line)) {
      ++lines;
      std::size_t fields = 0, start = 0;
      for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i < line.size() && line[i] != ',') continue;
        const std::string cell = line.substr(start, i - start);
        char* end = nullptr;
        values.push_back(std::strtof(cell.c_str(), &end));
        CHECK(!cell.empty());
        CHECK(end == cell.c_str() + cell.size());
        ++fields;
        start = i + 1;
      }
      CHECK(fields == width);
    }
    return std::make_pair(lines, values);
  };
  const auto x = grove_test::read_csv_file((dir / "X.csv").string());
  struct expectation {
    const char* args;
    const char* csv;
    std::size_t width;
    bool exact;
  };
  const expectation cases[] = {{"--output margin", "margin.csv", 3, true},
                               {"--output margin --iteration-range 1:3", "margin_1_3.csv", 3, true},
                               {"--output leaf", "leaf.csv", 12, true},
                               {"", "value.csv", 3, false}};
  for (const expectation& c : cases) {
    INFO("grove-predict MODEL X.csv " << c.args);
    const cli_result r = run_cli(tmp, model + " " + rows + " " + c.args);
    REQUIRE(r.status == 0);
    CHECK(r.err.empty());
    const auto expected = grove_test::read_csv_file((dir / c.csv).string());
    const auto [lines, got] = parse_output(r.out, c.width);
    CHECK(lines == x.num_rows);
    REQUIRE(got.size() == expected.values.size());
    if (c.exact) {
      CHECK(count_bit_mismatches(got, expected.values) == 0);
    } else {
      CHECK(grove_test::count_ulp_mismatches(got, expected.values, grove_test::value_ulps) == 0);
    }
  }
  // Rows from stdin give the same output as from the file.
  const cli_result from_file = run_cli(tmp, model + " " + rows + " --output margin");
  const cli_result from_stdin =
      run_cli(tmp, model + " - --output margin", read_bytes(dir / "X.csv"));
  CHECK(from_stdin.status == 0);
  CHECK(from_stdin.out == from_file.out);
}

TEST_CASE("grove-predict: LIBSVM rows go through the sparse path and equal XGBoost", "[cli]") {
  temp_dir tmp("cli-libsvm");
  const fs::path dir = fixture_dir("missing_nan");
  const std::string model = quoted((dir / "model.json").string());
  // The fixture's rows as LIBSVM: a label, then the present values (NaN left out), every other
  // line in reverse column order.
  const auto x = grove_test::read_csv_file((dir / "X.csv").string());
  std::string text;
  std::size_t absent = 0;
  for (std::size_t r = 0; r < x.num_rows; ++r) {
    std::vector<std::string> entries;
    for (std::size_t j = 0; j < x.num_cols; ++j) {
      const float v = x.values[r * x.num_cols + j];
      if (std::isnan(v)) {
        ++absent;
        continue;
      }
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%zu:%.9g", j, static_cast<double>(v));
      entries.push_back(buffer);
    }
    if (r % 2) std::reverse(entries.begin(), entries.end());
    text += "1";
    for (const std::string& e : entries) text += " " + e;
    text += "\n";
  }
  REQUIRE(absent > 0);
  REQUIRE(text.compare(0, 2, "1\n") == 0);
  const fs::path libsvm = tmp.path / "rows.libsvm";
  write_bytes(libsvm, text);
  // The format given, or guessed from the text (its first row has no entries: no index:value).
  for (const char* format : {" --format libsvm", ""}) {
    for (const auto& [output, csv] :
         {std::pair<const char*, const char*>{"margin", "margin.csv"}, {"leaf", "leaf.csv"}}) {
      INFO("--output " << output << format);
      const cli_result r =
          run_cli(tmp, model + " " + quoted(libsvm.string()) + " --output " + output + format);
      INFO(r.err);
      REQUIRE(r.status == 0);
      CHECK(r.err.empty());
      const auto expected = grove_test::read_csv_file((dir / csv).string());
      std::istringstream in(r.out);
      const auto got = grove::io::read_csv(in, "stdout");
      CHECK(got.num_rows == x.num_rows);
      CHECK(count_bit_mismatches(got.values, expected.values) == 0);
    }
  }
  // A column given twice in a line is refused with the line.
  write_bytes(libsvm, "1 0:1 2:3\n0 1:2 1:5\n");
  const cli_result twice = run_cli(tmp, model + " " + quoted(libsvm.string()));
  CHECK(twice.status != 0);
  CHECK_THAT(twice.err, Catch::Contains(libsvm.string() + ":2: column 1 appears twice"));
}

}  // namespace grove_test::bad_inputs_cases
