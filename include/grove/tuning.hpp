#pragma once
/// @file
/// grove::tuning: every figure that decides which plan serves a call, how plans cut rows and
/// trees into blocks, and when the predictor uses threads. Plans receive it when they are built
/// (engine_options::tuning); benchmarks may override it. Figures that size buffers or layouts
/// (capacities) stay with the code they size; these only choose among correct ways.

#include <cstddef>

namespace grove {

struct tuning {
  // ---- Which plan serves a call ------------------------------------------------------------
  /// Calls of fewer rows walk each row through all trees step by step, many group reads in
  /// flight; from here on the root groups step across rows, and margins of one-row kernels
  /// are no faster than the group walk (so they serve fewer rows only).
  std::size_t few_rows = 16;
  /// Calls of at least this many rows take the sliced block kernel: a block of 64 costs the
  /// same for 1 row as for 64, and the group walk is faster below.
  std::size_t sliced_block_min_rows = 32;
  /// The same for the bitvector block kernel (its blocks are 64 rows too).
  std::size_t bitvector_block_min_rows = 32;
  /// Trees of more leaves than this walk the groups; the bitvector form takes up to 256, and
  /// depth-8 trees of up to 256 leaves took half the group walk's time (fraud model).
  std::size_t bitvector_max_leaves = 256;

  // ---- Group depth -------------------------------------------------------------------------
  /// Cost of a depth-4 group step in depth-3 steps with AVX-512: one 512-bit compare and a
  /// longer exit (measured 1.3 to 1.6).
  double depth4_step_cost_avx512 = 1.4;
  /// The same elsewhere: AVX2 and scalar evaluate its 15 lanes as two halves, or one by one.
  double depth4_step_cost = 2.0;

  // ---- Blocks of the group walk ------------------------------------------------------------
  /// Walked group bytes of a tile of trees: they stay in L2, beside the rows, while a block of
  /// rows passes (halving or doubling it measured no faster).
  std::size_t tile_walked_bytes = 288 * 1024;
  /// Walked group bytes from which the groups do not stay in L2 from one row block to the next:
  /// rows then go in larger pooled blocks, and few-row walks ask for each pass's lines ahead.
  std::size_t l2_walked_bytes = 1024 * 1024;
  /// Slot buffer of a pooled block: a quarter of an L2, as it streams past each tile's groups.
  std::size_t pooled_block_bytes = 256 * 1024;
  /// Rows of a pooled block at most: more no longer shortens the passes over the groups.
  std::size_t max_pooled_rows = 2048;
  /// Memory of all pooled blocks of an engine at most.
  std::size_t pool_budget_bytes = 64 * 1024 * 1024;
  /// Slots copied column-major for the root step across rows: with 64, most chunks of a
  /// 100-feature depth-10 model stepped their roots row by row.
  int column_slots = 128;

  // ---- Threads of the predictor ------------------------------------------------------------
  /// Calls of fewer rows run on one thread by default: below, starting threads costs more
  /// than the rows.
  std::size_t threaded_from_rows = 1024;
  /// Rows per thread chunk at least.
  std::size_t thread_chunk_rows = 256;
  /// The same for contributions, where a row costs microseconds.
  std::size_t contribs_threaded_from_rows = 32;
  std::size_t contribs_thread_chunk_rows = 8;
};

}  // namespace grove
