// Two translation units include every public header: linking them proves nothing is defined
// twice (everything in the headers is inline or a template).
#include <grove/grove.hpp>
#include <grove/io/rows_text.hpp>

std::size_t features_of(const grove::model& m) { return m.num_feature(); }
