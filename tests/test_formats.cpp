// Every format variant the loader must accept. Each variant is made by editing the document of a
// real model (the XGBoost 1.7.4 fixtures, the models saved by XGBoost 3.5) the way some XGBoost
// version writes it, and must give XGBoost's own margins (the fixture CSVs) bit for bit, or the
// same results as the unmodified model. Documents are read with nlohmann::json::from_ubjson from
// model.ubj (exact float32 values, NaN allowed, independent of grove's reader) and written back
// as JSON text and as nlohmann's UBJSON in its three flavours.

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <grove/grove.hpp>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/fixture.hpp"
#include "support/files.hpp"
#include "support/model_json.hpp"
#include "support/xgboost_oracle.hpp"

// The suite is compiled a few files per unit (tests/CMakeLists.txt): each file keeps its
// helpers in a namespace of its own.
namespace grove_test::formats_cases {

namespace fs = std::filesystem;
using json = nlohmann::json;
using grove_test::count_bit_mismatches;

namespace {

using grove_test::read_bytes;
using grove_test::write_bytes;

/// A model directory: rows and XGBoost's margins for them.
struct sample {
  fs::path dir;
  grove_test::dense_rows_t x;
  grove_test::dense_rows_t margin;

  json document() const { return json::from_ubjson(read_bytes(dir / "model.ubj")); }
  grove_test::dense_rows_t csv(const char* name) const {
    return grove_test::read_csv_file((dir / name).string());
  }
};

sample load_sample(const fs::path& dir) {
  return {dir, grove_test::read_csv_file((dir / "X.csv").string()),
          grove_test::read_csv_file((dir / "margin.csv").string())};
}

sample fixture(const std::string& name) {
  return load_sample(fs::path(grove_test::fixtures_dir()) / name);
}

/// A model saved by XGBoost 3.5 (a missing folder is an error: these tests need it).
sample model35(const std::string& name) { return load_sample(grove_test::model35(name)); }

enum class encoding { text, ubjson, ubjson_sized, ubjson_typed };
const encoding all_encodings[] = {encoding::text, encoding::ubjson, encoding::ubjson_sized,
                                  encoding::ubjson_typed};

const char* encoding_name(encoding e) {
  switch (e) {
    case encoding::text:
      return "JSON text";
    case encoding::ubjson:
      return "UBJSON";
    case encoding::ubjson_sized:
      return "UBJSON with counts";
    case encoding::ubjson_typed:
      return "UBJSON with counts and types";
  }
  return "?";
}

std::string encode(const json& doc, encoding e) {
  if (e == encoding::text) return doc.dump();
  const std::vector<std::uint8_t> b =
      json::to_ubjson(doc, e != encoding::ubjson, e == encoding::ubjson_typed);
  return std::string(b.begin(), b.end());
}

grove::model load_bytes(const std::string& bytes, const grove::load_options& options = {}) {
  return grove::load_from_memory(bytes.data(), bytes.size(), options, "<test>");
}

std::vector<float> predict(const grove::model& m, const grove_test::dense_rows_t& x,
                           grove::output kind = grove::output::margin, std::size_t begin = 0,
                           std::size_t end = 0) {
  const grove::predictor p(m);
  grove::predict_options o;
  o.kind = kind;
  o.iteration_begin = begin;
  o.iteration_end = end;
  return p.predict(grove::rows(x.values.data(), x.num_rows, x.num_cols), o);
}

void check_margins(const grove::model& m, const sample& s) {
  CHECK(count_bit_mismatches(predict(m, s.x), s.margin.values) == 0);
}

/// The document, in every encoding, predicts XGBoost's margins.
void check_all_encodings(const json& doc, const sample& s) {
  for (encoding e : all_encodings) {
    INFO(encoding_name(e));
    check_margins(load_bytes(encode(doc, e)), s);
  }
}

/// Two models give the same margins and leaves over a spread of iteration ranges.
void check_same_rounds(const grove::model& a, const grove::model& b,
                       const grove_test::dense_rows_t& x) {
  REQUIRE(a.num_rounds() == b.num_rounds());
  const std::size_t r = a.num_rounds();
  REQUIRE(r >= 3);
  const std::pair<std::size_t, std::size_t> ranges[] = {{0, 0},     {0, 1},     {1, 2}, {1, r},
                                                        {r / 2, 0}, {r - 1, r}, {r, r}, {2, r - 1}};
  for (const auto& [begin, end] : ranges) {
    INFO("iteration range [" << begin << ", " << end << ")");
    for (grove::output kind : {grove::output::margin, grove::output::leaf})
      CHECK(count_bit_mismatches(predict(a, x, kind, begin, end),
                                 predict(b, x, kind, begin, end)) == 0);
  }
}

/// Replaces every occurrence; returns how many there were.
std::size_t replace_all(std::string& s, const std::string& from, const std::string& to) {
  std::size_t n = 0;
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
    ++n;
  }
  return n;
}

json& booster_model(json& doc) { return doc["learner"]["gradient_booster"]["model"]; }

using grove_test::temp_dir;

}  // namespace

TEST_CASE("nlohmann's JSON text and UBJSON of real models load like XGBoost's files",
          "[formats][encoding]") {
  for (const char* name :
       {"obj_binary_logistic", "multiclass_parallel_tree", "categorical_partition", "dart_binary",
        "missing_nan", "lossguide_deep", "multi_target"}) {
    INFO(name);
    const sample s = fixture(name);
    check_all_encodings(s.document(), s);
  }
  for (const char* name : {"binary_nan_d6", "categorical", "multi_output_tree", "softprob"}) {
    INFO(name);
    const sample s = model35(name);
    check_all_encodings(s.document(), s);
  }
}

TEST_CASE("base_score in every form XGBoost writes", "[formats][base_score]") {
  SECTION("scalar 0.5: 1.2-3.0 scientific, 3.1+ bracketed, 1.0-1.1 fixed, bare number") {
    const sample s = fixture("obj_binary_logistic");
    json doc = s.document();
    json& bs = doc["learner"]["learner_model_param"]["base_score"];
    REQUIRE(bs == "5E-1");
    for (const json& v : {json("5E-1"), json("[5E-1]"), json("0.500000"), json("(5E-1)"),
                          json(" [ 5E-1 ] "), json("5e-01"), json(0.5)}) {
      INFO("base_score " << v.dump());
      bs = v;
      check_all_encodings(doc, s);
    }
  }
  SECTION("non-default scalars through a link function") {
    for (const char* name : {"base_score_binary", "base_score_regression", "base_score_poisson"}) {
      INFO(name);
      const sample s = fixture(name);
      json doc = s.document();
      json& bs = doc["learner"]["learner_model_param"]["base_score"];
      const std::string written = bs.get<std::string>();
      const float value = std::strtof(written.c_str(), nullptr);
      for (const json& v :
           {json(written), json("[" + written + "]"), json(static_cast<double>(value))}) {
        INFO("base_score " << v.dump());
        bs = v;
        check_all_encodings(doc, s);
      }
    }
  }
  SECTION("one value per class: margin[k] = base[k] + the class's trees") {
    // Expected margins are rebuilt from XGBoost's own leaf indices (leaf.csv): start at base[k]
    // and add the leaf value of each tree of class k in tree order, in float32.
    const sample s = fixture("obj_multi_softprob");
    const auto leaves = s.csv("leaf.csv");
    json doc = s.document();
    const json& trees = booster_model(doc)["trees"];
    const json& info = booster_model(doc)["tree_info"];
    REQUIRE(leaves.num_cols == trees.size());
    auto expected_for = [&](const std::vector<float>& base) {
      std::vector<float> out;
      for (std::size_t r = 0; r < leaves.num_rows; ++r) {
        std::vector<float> m = base;
        for (std::size_t t = 0; t < trees.size(); ++t) {
          const auto leaf = static_cast<std::size_t>(leaves.values[r * leaves.num_cols + t]);
          m[info[t].get<std::size_t>()] += trees[t]["split_conditions"][leaf].get<float>();
        }
        out.insert(out.end(), m.begin(), m.end());
      }
      return out;
    };
    // The method reproduces XGBoost's margins for the stored 0.5.
    REQUIRE(count_bit_mismatches(expected_for({0.5f, 0.5f, 0.5f}), s.margin.values) == 0);

    json& bs = doc["learner"]["learner_model_param"]["base_score"];
    struct variant {
      json written;
      std::vector<float> base;
    };
    const variant variants[] = {
        {"[2.5E-1,-1.5E0,3E0]", {0.25f, -1.5f, 3.0f}},
        {"[-1.0986123E0,4.05465E-1,7E-1]", {-1.0986123f, 4.05465e-1f, 0.7f}},
        {"[3E0]", {3.0f, 3.0f, 3.0f}},  // one value for G outputs: broadcast
        {"3E0", {3.0f, 3.0f, 3.0f}},
    };
    for (const variant& v : variants) {
      INFO("base_score " << v.written.dump());
      bs = v.written;
      const std::vector<float> expected = expected_for(v.base);
      for (encoding e : all_encodings) {
        INFO(encoding_name(e));
        CHECK(count_bit_mismatches(predict(load_bytes(encode(doc, e)), s.x), expected) == 0);
      }
    }
  }
  SECTION("per-class list of a 3.5 model, also in parentheses") {
    const sample s = model35("softprob");
    json doc = s.document();
    json& bs = doc["learner"]["learner_model_param"]["base_score"];
    std::string list = bs.get<std::string>();
    REQUIRE(list.front() == '[');
    check_all_encodings(doc, s);
    list.front() = '(';
    list.back() = ')';
    bs = list;
    check_all_encodings(doc, s);
  }
}

TEST_CASE("iteration_indptr present or absent gives the same rounds", "[formats][rounds]") {
  SECTION("removed from XGBoost 3.5 models") {
    for (const char* name : {"softprob", "multi_output_tree", "binary_nan_d6"}) {
      INFO(name);
      const sample s = model35(name);
      json doc = s.document();
      REQUIRE(booster_model(doc).contains("iteration_indptr"));
      const grove::model original = load_bytes(encode(doc, encoding::text));
      booster_model(doc).erase("iteration_indptr");
      for (encoding e : all_encodings) {
        INFO(encoding_name(e));
        const grove::model derived = load_bytes(encode(doc, e));
        check_margins(derived, s);
        check_same_rounds(original, derived, s.x);
      }
    }
  }
  SECTION("added to a 1.7 multi-class forest with num_parallel_tree = 2") {
    const sample s = fixture("multiclass_parallel_tree");
    json doc = s.document();
    REQUIRE_FALSE(booster_model(doc).contains("iteration_indptr"));
    REQUIRE(booster_model(doc)["trees"].size() == 18);
    const grove::model original = load_bytes(encode(doc, encoding::text));
    booster_model(doc)["iteration_indptr"] = {0, 6, 12, 18};
    const auto margin_1_3 = s.csv("margin_1_3.csv");
    for (encoding e : all_encodings) {
      INFO(encoding_name(e));
      const grove::model given = load_bytes(encode(doc, e));
      check_margins(given, s);
      CHECK(count_bit_mismatches(predict(given, s.x, grove::output::margin, 1, 3),
                                 margin_1_3.values) == 0);
      check_same_rounds(original, given, s.x);
    }
  }
}

TEST_CASE("DART: the 1.7-3.2 wrapper, the 3.3 sibling and the 3.4 inner weight_drop agree",
          "[formats][dart]") {
  for (const char* name : {"dart_binary", "dart_regression"}) {
    INFO(name);
    const sample s = fixture(name);
    const auto margin_1_3 = s.csv("margin_1_3.csv");
    json doc = s.document();
    json& booster = doc["learner"]["gradient_booster"];
    REQUIRE(booster["name"] == "dart");
    const json weights = booster["weight_drop"];
    const json inner = booster["gbtree"]["model"];
    REQUIRE(weights.size() == inner["trees"].size());

    json v33 = doc;
    v33["learner"]["gradient_booster"] = {
        {"name", "gbtree"}, {"model", inner}, {"weight_drop", weights}};
    json v34 = doc;
    v34["learner"]["gradient_booster"] = {{"name", "gbtree"}, {"model", inner}};
    v34["learner"]["gradient_booster"]["model"]["weight_drop"] = weights;
    json unweighted = doc;
    unweighted["learner"]["gradient_booster"] = {{"name", "gbtree"}, {"model", inner}};

    for (const json* layout : {&doc, &v33, &v34}) {
      for (encoding e : all_encodings) {
        INFO(encoding_name(e));
        const grove::model m = load_bytes(encode(*layout, e));
        check_margins(m, s);
        CHECK(count_bit_mismatches(predict(m, s.x, grove::output::margin, 1, 3),
                                   margin_1_3.values) == 0);
      }
    }
    // The weights matter: without them the margins differ.
    CHECK(count_bit_mismatches(predict(load_bytes(encode(unweighted, encoding::text)), s.x),
                               s.margin.values) > 0);
  }
}

TEST_CASE("tree fields written by older and newer versions", "[formats][tree]") {
  // missing_nan has missing values in its rows, so default_left decides many paths.
  const sample s = fixture("missing_nan");
  const json original = s.document();
  auto each_tree = [](json doc, auto&& edit) {
    for (json& t : booster_model(doc)["trees"]) edit(t);
    return doc;
  };
  SECTION("default_left as true / false (<= 1.5)") {
    json doc = each_tree(original, [](json& t) {
      json flags = json::array();
      for (const json& d : t["default_left"]) flags.push_back(d.get<int>() != 0);
      t["default_left"] = flags;
    });
    REQUIRE(booster_model(doc)["trees"][0]["default_left"][0].is_boolean());
    check_all_encodings(doc, s);
  }
  SECTION("split_type absent (< 1.3: all numerical)") {
    check_all_encodings(each_tree(original, [](json& t) { t.erase("split_type"); }), s);
  }
  SECTION("size_leaf_vector \"1\" (2.0+) and absent") {
    check_all_encodings(
        each_tree(original, [](json& t) { t["tree_param"]["size_leaf_vector"] = "1"; }), s);
    check_all_encodings(
        each_tree(original, [](json& t) { t["tree_param"].erase("size_leaf_vector"); }), s);
  }
  SECTION("tree_param without num_deleted (1.0)") {
    check_all_encodings(each_tree(original, [](json& t) { t["tree_param"].erase("num_deleted"); }),
                        s);
  }
  SECTION("all of them at once, and no size_leaf_vector in gbtree_model_param") {
    json doc = each_tree(original, [](json& t) {
      json flags = json::array();
      for (const json& d : t["default_left"]) flags.push_back(d.get<int>() != 0);
      t["default_left"] = flags;
      t.erase("split_type");
      t["tree_param"].erase("num_deleted");
      t["tree_param"]["size_leaf_vector"] = "1";
    });
    booster_model(doc)["gbtree_model_param"].erase("size_leaf_vector");
    check_all_encodings(doc, s);
  }
  SECTION("a 3.5 model with 1.7's size_leaf_vector \"0\" and boolean default_left") {
    const sample s35 = model35("binary_nan_d6");
    json doc = s35.document();
    for (json& t : booster_model(doc)["trees"]) {
      REQUIRE(t["tree_param"]["size_leaf_vector"] == "1");
      t["tree_param"]["size_leaf_vector"] = "0";
      json flags = json::array();
      for (const json& d : t["default_left"]) flags.push_back(d.get<int>() != 0);
      t["default_left"] = flags;
    }
    check_all_encodings(doc, s35);
  }
}

TEST_CASE("the Config and Model snapshot wrapper", "[formats][wrapper]") {
  auto wrap = [](const json& model) {
    json config;
    config["learner"]["generic_param"] = {{"nthread", "1"}, {"seed", "0"}};
    config["learner"]["learner_train_param"] = {{"booster", "gbtree"}, {"objective", "x"}};
    config["version"] = model["version"];
    return json{{"Config", config}, {"Model", model}};
  };
  for (const char* name : {"obj_binary_logistic", "categorical_onehot"}) {
    INFO(name);
    const sample s = fixture(name);
    check_all_encodings(wrap(s.document()), s);
  }
  const sample s35 = model35("categorical");
  check_all_encodings(wrap(s35.document()), s35);
}

TEST_CASE("feature names as XGBoost reads them", "[formats][names]") {
  const sample s = fixture("obj_binary_logistic");
  json doc = s.document();
  const std::string before = encode(doc, encoding::text);
  CHECK(load_bytes(before).feature_names().empty());
  CHECK(
      grove_test::booster::load(before.data(), before.size()).get_str_info("feature_name").empty());
  json names = json::array();
  const int num_feature =
      std::stoi(doc["learner"]["learner_model_param"]["num_feature"].get<std::string>());
  for (int i = 0; i < num_feature; ++i)
    names.push_back(i == 0 ? std::string("amount \"USD\"") : "f_" + std::to_string(i));
  doc["learner"]["feature_names"] = names;
  // XGBoost reads the JSON text (not nlohmann's UBJSON); grove reads every encoding.
  const std::string text = encode(doc, encoding::text);
  const std::vector<std::string> expected =
      grove_test::booster::load(text.data(), text.size()).get_str_info("feature_name");
  CHECK(expected.size() == static_cast<std::size_t>(num_feature));
  for (encoding e : all_encodings) {
    INFO(encoding_name(e));
    CHECK(load_bytes(encode(doc, e)).feature_names() == expected);
  }
}

TEST_CASE("bare NaN and Infinity tokens in JSON text", "[formats][nonfinite]") {
  SECTION("NaN split_conditions on categorical nodes, as 1.3-3.0.0 write them") {
    for (const char* name : {"categorical_binary", "categorical_onehot", "categorical_partition"}) {
      INFO(name);
      const sample s = fixture(name);
      const std::string text = read_bytes(s.dir / "model.json");
      REQUIRE(text.find("NaN") != std::string::npos);
      check_margins(load_bytes(text), s);
    }
    // The 3.5 categorical model writes 1E-45 there; 3.0.0 wrote NaN.
    const sample s = model35("categorical");
    json doc = s.document();
    std::size_t replaced = 0;
    for (json& t : booster_model(doc)["trees"])
      for (std::size_t n = 0; n < t["split_type"].size(); ++n)
        if (t["split_type"][n] == 1 && t["left_children"][n] != -1) {
          t["split_conditions"][n] = 98765.4375;
          ++replaced;
        }
    REQUIRE(replaced > 0);
    std::string text = doc.dump();
    REQUIRE(replace_all(text, "98765.4375", "NaN") == replaced);
    check_margins(load_bytes(text), s);
  }
  SECTION("an Infinity / -Infinity leaf gives an infinite margin") {
    const sample s = fixture("obj_reg_squarederror");
    const auto leaves = s.csv("leaf.csv");
    json doc = s.document();
    // Two different leaves of tree 0, as XGBoost routed the rows.
    const auto leaf_a = static_cast<std::size_t>(leaves.values[0]);
    std::size_t leaf_b = leaf_a;
    for (std::size_t r = 0; r < leaves.num_rows && leaf_b == leaf_a; ++r)
      leaf_b = static_cast<std::size_t>(leaves.values[r * leaves.num_cols]);
    REQUIRE(leaf_b != leaf_a);
    json& conditions = booster_model(doc)["trees"][0]["split_conditions"];
    conditions[leaf_a] = 98765.4375;
    conditions[leaf_b] = 12345.5625;
    std::string text = doc.dump();
    REQUIRE(replace_all(text, "98765.4375", "Infinity") == 1);
    REQUIRE(replace_all(text, "12345.5625", "-Infinity") == 1);
    conditions[leaf_a] = std::numeric_limits<double>::infinity();
    conditions[leaf_b] = -std::numeric_limits<double>::infinity();

    const std::string inputs[] = {text, encode(doc, encoding::ubjson),
                                  encode(doc, encoding::ubjson_typed)};
    for (const std::string& bytes : inputs) {
      const auto got = predict(load_bytes(bytes), s.x);
      std::size_t pos = 0, neg = 0, finite_mismatches = 0;
      for (std::size_t r = 0; r < s.x.num_rows; ++r) {
        const auto leaf = static_cast<std::size_t>(leaves.values[r * leaves.num_cols]);
        if (leaf == leaf_a) {
          pos += got[r] == std::numeric_limits<float>::infinity();
        } else if (leaf == leaf_b) {
          neg += got[r] == -std::numeric_limits<float>::infinity();
        } else {
          finite_mismatches += std::memcmp(&got[r], &s.margin.values[r], sizeof(float)) != 0;
        }
      }
      std::size_t rows_a = 0, rows_b = 0;
      for (std::size_t r = 0; r < s.x.num_rows; ++r) {
        rows_a += leaves.values[r * leaves.num_cols] == static_cast<float>(leaf_a);
        rows_b += leaves.values[r * leaves.num_cols] == static_cast<float>(leaf_b);
      }
      CHECK(pos == rows_a);
      CHECK(neg == rows_b);
      CHECK(finite_mismatches == 0);
    }
  }
  SECTION("NaN and Infinity inside strings are left alone") {
    const sample s = fixture("categorical_binary");
    std::string text = read_bytes(s.dir / "model.json");
    const std::vector<std::string> names = {"NaN", "Infinity", "-Infinity",
                                            "nan", "inf",      "say \"NaN\" Infinity\\"};
    REQUIRE(replace_all(text, "\"feature_names\":[]", "\"feature_names\":" + json(names).dump()) ==
            1);
    REQUIRE(replace_all(text, "\"attributes\":{",
                        "\"attributes\":{\"note\":\"NaN, -Infinity and \\\"inf\\\"\",") == 1);
    const grove::model m = load_bytes(text);
    CHECK(m.forest().feature_names == names);
    check_margins(m, s);
  }
}

TEST_CASE("vector-leaf trees: the 2.0-3.1 layout equals the 3.2+ layout",
          "[formats][vector_leaf]") {
  const sample s = model35("multi_output_tree");
  json doc = s.document();
  check_all_encodings(doc, s);
  // 3.2+: a leaf's values are row right_children[leaf] of leaf_weights. 2.0-3.1: they are
  // base_weights[leaf * n_t ...], right_children is -1 on leaves, leaf split_conditions NaN
  // (2.0-3.0.0), no leaf_weights / loss_changes / sum_hessian.
  std::size_t leaves_with_row = 0;
  for (json& t : booster_model(doc)["trees"]) {
    const std::size_t n = t["left_children"].size();
    const std::size_t nt = std::stoul(t["tree_param"]["size_leaf_vector"].get<std::string>());
    REQUIRE(nt == 3);
    const json leaf_weights = t["leaf_weights"];
    std::vector<double> base(n * nt, 0.0);
    for (std::size_t node = 0; node < n; ++node) {
      if (t["left_children"][node] != -1) continue;
      const auto row = t["right_children"][node].get<std::int64_t>();
      REQUIRE(row >= 0);
      leaves_with_row += row > 0;
      for (std::size_t k = 0; k < nt; ++k)
        base[node * nt + k] = leaf_weights[static_cast<std::size_t>(row) * nt + k].get<double>();
      t["right_children"][node] = -1;
      t["split_conditions"][node] = std::numeric_limits<double>::quiet_NaN();
    }
    t["base_weights"] = base;
    t.erase("leaf_weights");
    t.erase("loss_changes");
    t.erase("sum_hessian");
  }
  REQUIRE(leaves_with_row > 0);
  doc["version"] = {2, 1, 4};
  check_all_encodings(doc, s);
}

TEST_CASE("the format is chosen by content, not by name", "[formats][sniff]") {
  const sample s = fixture("obj_multi_softprob");
  const std::string json_bytes = read_bytes(s.dir / "model.json");
  const std::string ubj_bytes = read_bytes(s.dir / "model.ubj");
  const std::string dump_bytes = read_bytes(s.dir / "dump.json");
  REQUIRE(ubj_bytes.compare(0, 2, "{L") == 0);  // XGBoost's own UBJSON: 'L' key lengths
  check_margins(load_bytes(json_bytes), s);
  check_margins(load_bytes(ubj_bytes), s);
  check_margins(load_bytes("\n \t" + json_bytes), s);  // leading whitespace is still JSON

  const auto meta = grove_test::read_json_file((s.dir / "meta.json").string());
  grove::load_options dump_options;
  dump_options.objective = meta["dump_objective"].get<std::string>();
  dump_options.base_score = meta["dump_base_score"].get<float>();
  dump_options.num_class = 3;

  temp_dir tmp("formats");
  const std::pair<const char*, const std::string*> files[] = {
      {"ubjson.json", &ubj_bytes}, {"json.ubj", &json_bytes}, {"ubjson", &ubj_bytes},
      {"json.txt", &json_bytes},   {"dump.ubj", &dump_bytes}, {"dump.model", &dump_bytes}};
  for (const auto& [file, bytes] : files) {
    INFO(file);
    const fs::path path = tmp.path / file;
    write_bytes(path, *bytes);
    const bool dump = bytes == &dump_bytes;
    check_margins(grove::load(path.string(), dump ? dump_options : grove::load_options{}), s);
  }
}

namespace {

/// Hand-built reg:quantileerror model, 2 alphas (num_target 2):
///   tree 0 (alpha 0): x0 < 0 ? 2 : -2 (missing -> left);  tree 1 (alpha 1): always 0.5.
json quantile_model(std::vector<int> version, const std::string& base_score) {
  grove_test::model_spec m;
  m.trees = {{{1, -1, -1}, {2, -1, -1}, {0, 0, 0}, {0.0, 2.0, -2.0}, {1, 0, 0}},
             {{-1}, {-1}, {0}, {0.5}, {0}}};
  m.tree_info = {0, 1};
  m.num_feature = 1;
  m.num_target = 2;
  m.objective = "reg:quantileerror";
  m.base_score = base_score;
  m.version = std::move(version);
  json doc = grove_test::model_json(m);
  doc["learner"]["objective"] = {{"name", "reg:quantileerror"},
                                 {"quantile_loss_param", {{"quantile_alpha", "[1E-1,9E-1]"}}}};
  booster_model(doc)["iteration_indptr"] = {0, 2};
  booster_model(doc)["gbtree_model_param"].erase("size_leaf_vector");
  return doc;
}

}  // namespace

TEST_CASE("reg:quantileerror sorts each row's outputs from XGBoost 3.4 on", "[formats][quantile]") {
  const float x[] = {-1.0f, 1.0f, std::numeric_limits<float>::quiet_NaN()};
  const grove::rows rows(x, 3, 1);
  // Margins by hand: row 0 -> (2, 0.5), row 1 -> (-2, 0.5), row 2 (missing) -> (2, 0.5).
  const std::vector<float> margins = {2.0f, 0.5f, -2.0f, 0.5f, 2.0f, 0.5f};
  const std::vector<float> sorted = {0.5f, 2.0f, -2.0f, 0.5f, 0.5f, 2.0f};
  struct variant {
    std::vector<int> version;
    std::string base_score;
    bool sorts;
  };
  const variant variants[] = {{{2, 1, 0}, "0E0", false},       {{3, 0, 5}, "0E0", false},
                              {{3, 3, 0}, "[0E0,0E0]", false}, {{3, 4, 0}, "[0E0,0E0]", true},
                              {{3, 5, 0}, "[0E0]", true},      {{4, 0, 0}, "[0E0,0E0]", true}};
  for (const variant& v : variants) {
    INFO("version " << json(v.version).dump());
    const json doc = quantile_model(v.version, v.base_score);
    for (encoding e : all_encodings) {
      INFO(encoding_name(e));
      const grove::predictor p(load_bytes(encode(doc, e)));
      grove::predict_options o;
      o.kind = grove::output::margin;
      CHECK(p.predict(rows, o) == margins);
      o.kind = grove::output::value;
      CHECK(p.predict(rows, o) == (v.sorts ? sorted : margins));
    }
  }
}

TEST_CASE("an objective given by the caller must match the model's", "[formats][objective]") {
  const sample s = fixture("obj_binary_logistic");
  const std::string bytes = read_bytes(s.dir / "model.json");
  grove::load_options same;
  same.objective = "binary:logistic";
  check_margins(load_bytes(bytes, same), s);

  grove::load_options other;
  other.objective = "reg:squarederror";
  try {
    load_bytes(bytes, other);
    FAIL("loaded with a different objective");
  } catch (const grove::error& e) {
    CHECK(e.code() == grove::error_code::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("binary:logistic"));
    CHECK_THAT(e.what(), Catch::Contains("reg:squarederror"));
    CHECK_THAT(e.what(), Catch::Contains("/learner/objective/name"));
  }
}

TEST_CASE("dump_model JSON: what the caller must supply", "[formats][dump]") {
  const sample s = fixture("obj_binary_logistic");
  const std::string dump = read_bytes(s.dir / "dump.json");
  auto refused = [&](const std::string& bytes, const grove::load_options& o) -> grove::error {
    try {
      load_bytes(bytes, o);
    } catch (const grove::error& e) {
      return e;
    }
    FAIL("the dump loaded");
    throw std::logic_error("unreachable");
  };
  grove::load_options o;
  {
    const grove::error e = refused(dump, o);
    CHECK(e.code() == grove::error_code::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("--objective"));
  }
  o.objective = "binary:logistic";
  {
    const grove::error e = refused(dump, o);
    CHECK(e.code() == grove::error_code::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("--base-score"));
  }
  {
    grove::load_options multi;
    multi.objective = "multi:softprob";
    multi.base_score = 0.5f;
    const grove::error e =
        refused(read_bytes(fixture("obj_multi_softprob").dir / "dump.json"), multi);
    CHECK(e.code() == grove::error_code::invalid_argument);
    CHECK_THAT(e.what(), Catch::Contains("--num-class"));
  }
  o.base_score = 0.5f;
  o.num_feature = static_cast<std::int64_t>(s.x.num_cols);
  check_margins(load_bytes(dump, o), s);

  // A dump written with feature names cannot be mapped to columns.
  std::string named = dump;
  REQUIRE(replace_all(named, "\"split\": \"f0\"", "\"split\": \"age\"") > 0);
  const grove::error e = refused(named, o);
  CHECK_THAT(e.what(), Catch::Contains("'age'"));
  CHECK_THAT(e.what(), Catch::Contains("f<index>"));
  CHECK_THAT(e.what(), Catch::Contains("/split"));
}

}  // namespace grove_test::formats_cases
