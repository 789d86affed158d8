#pragma once
/// @file
/// grove: fast, exact prediction with XGBoost models. Include this one header.
///
/// @code
///   #include <grove/grove.hpp>
///   grove::predictor p(grove::load("model.json"));
///   std::vector<float> y = p.predict(grove::rows(X.data(), n_rows, n_cols));
/// @endcode

#include "grove/error.hpp"
#include "grove/explain/tree_shap.hpp"
#include "grove/io/load_options.hpp"
#include "grove/model.hpp"
#include "grove/predictor.hpp"
#include "grove/rows.hpp"
#include "grove/version.hpp"
