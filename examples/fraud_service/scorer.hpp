#pragma once
// The predictor behind the service: grove, or XGBoost's C API in the comparison build
// (GROVE_FRAUD_SERVICE_XGBOOST). Both give fraud::scorer the same interface.

#if GROVE_FRAUD_SERVICE_XGBOOST
#include "scorer_xgboost.hpp"
#else
#include "scorer_grove.hpp"
#endif
