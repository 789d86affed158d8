// grove._grove: the native half of the Python package. It takes inputs the Python half
// (grove/_inputs.py) has already put in shape, dense rows or CSR arrays, predicts with the GIL
// released, and returns float32 arrays of shape (rows, values per row).

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grove/grove.hpp"

namespace py = pybind11;

namespace {

/// grove.Error: a ValueError carrying grove's error code name, location and message.
PyObject* error_type = nullptr;

void raise_error(const grove::error& e) {
  py::object instance = py::reinterpret_borrow<py::object>(error_type)(e.what());
  instance.attr("code") = grove::to_string(e.code());
  instance.attr("where") = e.where();
  instance.attr("message") = e.message();
  PyErr_SetObject(error_type, instance.ptr());
}

grove::output output_from_name(const std::string& name) {
  if (name == "value") return grove::output::value;
  if (name == "margin") return grove::output::margin;
  if (name == "leaf") return grove::output::leaf;
  if (name == "contribs") return grove::output::contribs;
  throw grove::error(grove::error_code::invalid_argument, "output",
                     "unknown output '" + name + "' (expected value, margin, leaf or contribs)");
}

grove::predict_options make_options(const std::string& output, double missing,
                                    std::int64_t iteration_begin, std::int64_t iteration_end,
                                    std::int64_t threads) {
  if (iteration_begin < 0 || iteration_end < 0)
    throw grove::error(grove::error_code::invalid_argument, "iteration_range",
                       "bounds must not be negative");
  if (threads < 0)
    throw grove::error(grove::error_code::invalid_argument, "threads", "must not be negative");
  grove::predict_options o;
  o.kind = output_from_name(output);
  o.missing = static_cast<float>(missing);  // XGBoost keeps `missing` as a float too
  o.iteration_begin = static_cast<std::size_t>(iteration_begin);
  o.iteration_end = static_cast<std::size_t>(iteration_end);
  o.threads = static_cast<std::size_t>(threads);
  return o;
}

grove::engine_options engine_options(const std::string& isa) {
  grove::engine_options o;
  o.isa = grove::isa_from_string(isa);
  return o;
}

bool contiguous(const py::array& a) {
  return a.ndim() == 1 && (a.shape(0) <= 1 || a.strides(0) == a.itemsize());
}

/// fn(typed data of a) for an int32 or int64 index array.
template <class fn_t>
auto with_types(const py::array& a, const char* name, const fn_t& fn) {
  if (py::array_t<std::int32_t>::check_(a) && contiguous(a))
    return fn(static_cast<const std::int32_t*>(a.data()));
  if (py::array_t<std::int64_t>::check_(a) && contiguous(a))
    return fn(static_cast<const std::int64_t*>(a.data()));
  throw grove::error(grove::error_code::invalid_argument, name,
                     "expected a contiguous int32 or int64 array in native byte order");
}

class native_predictor {
 public:
  native_predictor(py::bytes model, const std::string& name, const std::string& objective,
                   std::optional<float> base_score, std::int64_t num_class, const std::string& isa)
      : predictor_(load(model, name, objective, base_score, num_class), engine_options(isa)) {}

  std::size_t num_feature() const { return predictor_.num_feature(); }
  std::size_t num_output() const { return predictor_.get_model().num_output(); }
  std::size_t num_trees() const { return predictor_.get_model().num_trees(); }
  std::size_t num_rounds() const { return predictor_.get_model().num_rounds(); }
  std::string objective() const { return predictor_.get_model().objective(); }
  std::vector<std::string> feature_names() const { return forest().feature_names; }
  std::vector<std::string> feature_types() const { return forest().feature_types; }

  /// "avx2, groups of depth 3, plans: sliced_block group_walk": the target, then the plans.
  std::string kernels() const {
    const grove::description d = predictor_.describe();
    std::string s = d.target + ", groups of depth " + std::to_string(d.group_depth) + ", plans:";
    for (const grove::plan_description& p : d.plans) s += " " + p.name;
    return s;
  }

  std::size_t output_width(const std::string& output, std::int64_t begin, std::int64_t end) const {
    return predictor_.output_width(make_options(output, 0.0, begin, end, 0));
  }

  /// x: 2-D float32 or float64, each row's values adjacent (its row stride may be larger).
  py::array_t<float> predict_dense(const py::array& x, const std::string& output, double missing,
                                   std::int64_t begin, std::int64_t end,
                                   std::int64_t threads) const {
    const grove::predict_options o = make_options(output, missing, begin, end, threads);
    if (x.ndim() != 2)
      throw grove::error(grove::error_code::shape, "X",
                         "expected 2 dimensions, got " + std::to_string(x.ndim()));
    const bool f32 = py::array_t<float>::check_(x);  // native byte order only
    const bool f64 = py::array_t<double>::check_(x);
    if (!f32 && !f64)
      throw grove::error(grove::error_code::invalid_argument, "X",
                         "expected float32 or float64 values in native byte order");
    const auto n = static_cast<std::size_t>(x.shape(0));
    const auto cols = static_cast<std::size_t>(x.shape(1));
    const auto item = static_cast<py::ssize_t>(x.itemsize());
    if ((cols > 1 && x.strides(1) != item) || x.strides(0) < 0 || x.strides(0) % item != 0 ||
        (n > 1 && static_cast<std::size_t>(x.strides(0) / item) < cols))
      throw grove::error(grove::error_code::invalid_argument, "X",
                         "each row's values must be adjacent in memory (C order)");
    const std::size_t stride = n > 1 ? static_cast<std::size_t>(x.strides(0) / item) : cols;
    py::array_t<float> out = make_output(n, o);
    float* dst = out.mutable_data();
    const std::size_t width = predictor_.output_width(o);
    {
      py::gil_scoped_release unlocked;
      if (f32)
        predictor_.predict(grove::rows(static_cast<const float*>(x.data()), n, cols, stride), dst,
                           n * width, o);
      else  // read in place, each value rounded to float32 as XGBoost rounds it
        predictor_.predict(
            grove::double_rows(static_cast<const double*>(x.data()), n, cols, stride), dst,
            n * width, o);
    }
    return out;
  }

  /// CSR arrays, read in place: indptr (num_rows + 1 offsets) and indices int32 or int64, data
  /// float32 or float64, all C-contiguous. grove checks them before predicting.
  py::array_t<float> predict_csr(const py::array& indptr, const py::array& indices,
                                 const py::array& data, std::int64_t num_cols,
                                 const std::string& output, double missing, std::int64_t begin,
                                 std::int64_t end, std::int64_t threads) const {
    const grove::predict_options o = make_options(output, missing, begin, end, threads);
    if (indptr.ndim() != 1 || indptr.shape(0) < 1)
      throw grove::error(grove::error_code::shape, "indptr", "expected num_rows + 1 offsets");
    if (indices.ndim() != 1 || data.ndim() != 1 || indices.shape(0) != data.shape(0))
      throw grove::error(grove::error_code::shape, "X",
                         "indices hold " + std::to_string(indices.size()) + " entries, data " +
                             std::to_string(data.size()));
    if (num_cols < 0) throw grove::error(grove::error_code::shape, "X", "negative column count");
    const auto n = static_cast<std::size_t>(indptr.shape(0) - 1);
    const auto entries = static_cast<std::size_t>(data.shape(0));
    const auto cols = static_cast<std::size_t>(num_cols);
    const grove::csr_rows x = with_types(indptr, "indptr", [&](const auto* ptr) {
      return with_types(indices, "indices", [&](const auto* index) {
        if (py::array_t<float>::check_(data) && contiguous(data))
          return grove::csr_rows(ptr, index, static_cast<const float*>(data.data()), n, cols,
                                 entries);
        if (py::array_t<double>::check_(data) && contiguous(data))
          return grove::csr_rows(ptr, index, static_cast<const double*>(data.data()), n, cols,
                                 entries);
        throw grove::error(grove::error_code::invalid_argument, "data",
                           "expected contiguous float32 or float64 values in native byte order");
      });
    });
    py::array_t<float> out = make_output(n, o);
    float* dst = out.mutable_data();
    const std::size_t width = predictor_.output_width(o);
    {
      py::gil_scoped_release unlocked;
      predictor_.predict(x, dst, n * width, o);
    }
    return out;
  }

 private:
  static grove::model load(const py::bytes& model, const std::string& name,
                           const std::string& objective, std::optional<float> base_score,
                           std::int64_t num_class) {
    grove::load_options lo;
    lo.objective = objective;
    lo.base_score = base_score;
    lo.num_class = num_class;
    char* data = nullptr;
    py::ssize_t size = 0;
    if (PyBytes_AsStringAndSize(model.ptr(), &data, &size) != 0) throw py::error_already_set();
    return grove::load_from_memory(data, static_cast<std::size_t>(size), lo, name);
  }

  const grove::ir::forest& forest() const { return predictor_.get_model().forest(); }

  py::array_t<float> make_output(std::size_t n, const grove::predict_options& o) const {
    const std::size_t width = predictor_.output_width(o);
    return py::array_t<float>({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(width)});
  }

  grove::predictor predictor_;
};

}  // namespace

PYBIND11_MODULE(_grove, m) {
  m.doc() = "grove's native predictor; use the grove package, not this module";
  error_type = PyErr_NewExceptionWithDoc(
      "grove.Error",
      "A grove error: `code` (a stable name such as 'shape'), `where` and `message`.",
      PyExc_ValueError, nullptr);
  m.add_object("Error", py::handle(error_type));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const grove::error& e) {
      raise_error(e);
    }
  });

  py::class_<native_predictor>(m, "NativePredictor")
      .def(py::init<py::bytes, const std::string&, const std::string&, std::optional<float>,
                    std::int64_t, const std::string&>(),
           py::arg("model"), py::arg("name"), py::arg("objective"), py::arg("base_score"),
           py::arg("num_class"), py::arg("isa"))
      .def_property_readonly("num_feature", &native_predictor::num_feature)
      .def_property_readonly("num_output", &native_predictor::num_output)
      .def_property_readonly("num_trees", &native_predictor::num_trees)
      .def_property_readonly("num_rounds", &native_predictor::num_rounds)
      .def_property_readonly("objective", &native_predictor::objective)
      .def_property_readonly("feature_names", &native_predictor::feature_names)
      .def_property_readonly("feature_types", &native_predictor::feature_types)
      .def_property_readonly("kernels", &native_predictor::kernels)
      .def("output_width", &native_predictor::output_width)
      .def("predict_dense", &native_predictor::predict_dense)
      .def("predict_csr", &native_predictor::predict_csr);
}
