// grove-predict: predicts with an XGBoost model on rows read from a CSV or LIBSVM file.
//
//   grove-predict MODEL DATA [--output margin|value|leaf|contribs] [--missing V] [--iteration-range
//   B:E]
//                 [--threads N] [--objective NAME] [--base-score B] [--num-class K]
//                 [--format csv|libsvm] [--isa auto|scalar|avx2|avx512|avx512_vbmi]
//                 [--group-depth 3|4] [--plan NAME]... [--info]
//
// Prints one line per row, values separated by commas, each float in the shortest form that
// reads back to the same float32. Errors go to stderr and the exit status is non-zero.

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <iostream>
#include <string>
#include <vector>

#include <grove/grove.hpp>
#include <grove/io/rows_text.hpp>

namespace {

const char* const usage =
    "usage: grove-predict MODEL DATA [--output margin|value|leaf|contribs] [--missing V]\n"
    "                     [--iteration-range B:E] [--threads N] [--objective NAME]\n"
    "                     [--base-score B] [--num-class K] [--format csv|libsvm]\n"
    "                     [--isa auto|scalar|avx2|avx512|avx512_vbmi] [--group-depth 3|4]\n"
    "                     [--plan NAME]... [--info]\n"
    "\n"
    "MODEL  an XGBoost model: save_model JSON or UBJSON, or dump_model JSON (a dump needs\n"
    "       --objective and --base-score, and --num-class for multi-class models)\n"
    "DATA   rows as CSV (no header; empty, nan or NaN is missing) or LIBSVM; '-' reads stdin\n"
    "--output contribs  SHAP contributions: per output, one value per feature then the bias\n"
    "--isa  force the kernels' instruction set (default: the best this CPU has, or GROVE_ISA)\n"
    "--plan use only this plan (and the group walk, which serves every call); repeatable\n"
    "--info print the model's shape, the target and each plan with the calls it serves\n";

struct arguments {
  std::string model_path, data_path, format;
  grove::predict_options predict;
  grove::load_options load;
  grove::engine_options engine;
  bool info = false;
};

[[noreturn]] void bad_usage(const std::string& message) {
  throw grove::error(grove::error_code::invalid_argument, "arguments", message);
}

unsigned long long parse_count(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || text[0] == '-' || end != text.c_str() + text.size())
    bad_usage(flag + " expects a non-negative integer, got '" + text + "'");
  return n;
}

float parse_float(const std::string& flag, const std::string& text) {
  char* end = nullptr;
  const float v = std::strtof(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size())
    bad_usage(flag + " expects a number, got '" + text + "'");
  return v;
}

arguments parse_arguments(int argc, char** argv) {
  arguments a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) bad_usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--output") {
      const std::string v = value();
      if (v == "margin") a.predict.kind = grove::output::margin;
      else if (v == "value") a.predict.kind = grove::output::value;
      else if (v == "leaf") a.predict.kind = grove::output::leaf;
      else if (v == "contribs") a.predict.kind = grove::output::contribs;
      else bad_usage("--output must be margin, value, leaf or contribs, got '" + v + "'");
    } else if (arg == "--missing") {
      a.predict.missing = parse_float(arg, value());
    } else if (arg == "--iteration-range") {
      const std::string v = value();
      const std::size_t colon = v.find(':');
      if (colon == std::string::npos) bad_usage("--iteration-range expects B:E, got '" + v + "'");
      a.predict.iteration_begin = parse_count(arg, v.substr(0, colon));
      a.predict.iteration_end = parse_count(arg, v.substr(colon + 1));
    } else if (arg == "--threads") {
      a.predict.threads = parse_count(arg, value());
    } else if (arg == "--objective") {
      a.load.objective = value();
    } else if (arg == "--base-score") {
      a.load.base_score = parse_float(arg, value());
    } else if (arg == "--num-class") {
      a.load.num_class = static_cast<std::int64_t>(parse_count(arg, value()));
    } else if (arg == "--format") {
      a.format = value();
      if (a.format != "csv" && a.format != "libsvm")
        bad_usage("--format must be csv or libsvm, got '" + a.format + "'");
    } else if (arg == "--isa") {
      a.engine.isa = grove::isa_from_string(value(), "--isa");
    } else if (arg == "--group-depth") {
      const std::string v = value();
      if (v != "3" && v != "4") bad_usage("--group-depth must be 3 or 4, got '" + v + "'");
      a.engine.group_depth = v == "3" ? 3 : 4;
    } else if (arg == "--plan") {
      a.engine.allow.push_back(value());
    } else if (arg == "--info") {
      a.info = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << usage;
      std::exit(0);
    } else if (arg.size() > 1 && arg[0] == '-' && arg[1] == '-') {
      bad_usage("unknown option " + arg);
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) bad_usage("expected MODEL and DATA");
  a.model_path = positional[0];
  a.data_path = positional[1];
  return a;
}

/// LIBSVM when an index:value pair comes before any comma (a LIBSVM file has no commas; its
/// first rows may have no entries), else CSV.
std::string guess_format(const std::string& text) {
  const std::size_t colon = text.find(':');
  return colon != std::string::npos && colon < text.find(',') ? "libsvm" : "csv";
}

/// Rows read from DATA: dense (CSV) or sparse (LIBSVM), predicted through the matching view.
struct input_rows {
  grove::io::dense_rows dense;
  grove::io::sparse_rows sparse;
  bool is_sparse = false;
};

input_rows read_rows(std::istream& in, const std::string& source, std::string format,
                     std::size_t num_feature) {
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (format.empty()) format = guess_format(text);
  std::istringstream stream(text);
  input_rows rows;
  rows.is_sparse = format == "libsvm";
  if (rows.is_sparse)
    rows.sparse = grove::io::read_libsvm(stream, source, num_feature);
  else
    rows.dense = grove::io::read_csv(stream, source);
  return rows;
}

void print_rows(const std::vector<float>& out, std::size_t num_rows, std::size_t width) {
  std::string line;
  char buffer[64];
  for (std::size_t r = 0; r < num_rows; ++r) {
    line.clear();
    for (std::size_t k = 0; k < width; ++k) {
      if (k) line.push_back(',');
      const float v = out[r * width + k];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
      line.append(buffer, result.ptr);
    }
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::cerr << usage;
      return 2;
    }
    const arguments a = parse_arguments(argc, argv);
    const grove::predictor predictor(grove::load(a.model_path, a.load), a.engine);
    if (a.info) {
      std::cerr << "model: " << predictor.get_model().num_trees() << " trees, "
                << predictor.num_feature() << " features, " << predictor.get_model().num_output()
                << " outputs, objective " << predictor.get_model().objective() << "\n"
                << grove::to_string(predictor.describe());
    }
    input_rows data;
    if (a.data_path == "-") {
      data = read_rows(std::cin, "<stdin>", a.format, predictor.num_feature());
    } else {
      std::ifstream in(a.data_path, std::ios::binary);
      if (!in) throw grove::error(grove::error_code::io, a.data_path, "cannot open the file");
      data = read_rows(in, a.data_path, a.format, predictor.num_feature());
    }
    const grove::io::dense_rows& dense = data.dense;
    if (!data.is_sparse && dense.num_rows > 0 && dense.num_cols < predictor.num_feature())
      throw grove::error(grove::error_code::shape, a.data_path,
                         "rows have " + std::to_string(dense.num_cols) +
                             " columns but the model needs " +
                             std::to_string(predictor.num_feature()));
    const std::size_t num_rows = data.is_sparse ? data.sparse.num_rows : dense.num_rows;
    const std::vector<float> out =
        data.is_sparse
            ? predictor.predict(data.sparse.view(), a.predict)
            : predictor.predict(grove::rows(dense.values.data(), dense.num_rows, dense.num_cols),
                                a.predict);
    print_rows(out, num_rows, predictor.output_width(a.predict));
    return 0;
  } catch (const grove::error& e) {
    std::cerr << "grove-predict: " << e.what() << "\n";
    return e.code() == grove::error_code::invalid_argument ? 2 : 1;
  } catch (const std::exception& e) {
    std::cerr << "grove-predict: " << e.what() << "\n";
    return 1;
  }
}
