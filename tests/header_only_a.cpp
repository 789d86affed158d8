// Two translation units include every public header: linking them proves nothing is defined
// twice (everything in the headers is inline or a template; a definition that is neither would be
// emitted by both units, used or not). This one only reads a model the other loaded; the other
// (header_only_b.cpp) predicts and checks the results.
#include <grove/grove.hpp>
#include <grove/io/rows_text.hpp>

std::size_t features_of(const grove::model& m) { return m.num_feature(); }
