# Defines the imported target xgboost::c_api (XGBoost's C library and c_api.h), used by the
# tests and benchmarks as the reference to compare against. Debian's own XGBoost CMake config
# names files the package does not ship, so the library is located directly.
if(NOT TARGET xgboost::c_api)
  find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
  find_library(XGBOOST_LIBRARY xgboost REQUIRED)
  add_library(xgboost::c_api UNKNOWN IMPORTED)
  set_target_properties(xgboost::c_api PROPERTIES
    IMPORTED_LOCATION "${XGBOOST_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${XGBOOST_INCLUDE_DIR}")
endif()
