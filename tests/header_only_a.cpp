// Two translation units include every public header: linking them proves nothing is defined
// twice (everything in the headers is inline or a template). This one predicts; the other
// (header_only_b.cpp) checks the results.
#include <grove/grove.hpp>
#include <grove/io/rows_text.hpp>

#include <algorithm>
#include <string>
#include <vector>

std::size_t features_of(const grove::model& m) { return m.num_feature(); }

std::vector<float> predict_with(const grove::model& m, grove::isa_kind target,
                                const grove::io::dense_rows& x, grove::output kind,
                                std::size_t rows_per_call, std::string& chosen) {
  grove::engine_options options;
  options.isa = target;
  const grove::predictor p(m, options);
  chosen = p.describe().target;
  grove::predict_options o;
  o.kind = kind;
  const std::size_t width = p.output_width(o);
  std::vector<float> out(x.num_rows * width);
  for (std::size_t r = 0; r < x.num_rows; r += rows_per_call) {
    const std::size_t n = std::min(rows_per_call, x.num_rows - r);
    p.predict(grove::rows(x.values.data() + r * x.num_cols, n, x.num_cols), out.data() + r * width,
              n * width, o);
  }
  return out;
}
