// How much memory the analysis may take, and what it needs.
//
// Why: p goes up to 1021, and the all-pairs forward holds ~p^3 values (logits and direct logits
// [p*p, p], activations [p*p, d_mlp]): ~10.6 GB at p = 1021 (38 MB on mainline). So the analysis
// works in blocks of pairs (whole rows a of the (a, b) table, pair_blocks.h) wherever its result
// is small (losses, restricted/excluded losses, key components, neuron FVE, the check table), each
// block's working set bounded by analysis_block_bytes(). What inherently holds the whole forward (a
// Snapshot, compute_pair_forward) is refused beforehand with AnalysisTooLarge when it would need
// more than analysis_memory_limit():
//
//   analysis of p=1021 needs 10.6 GB for its all-pairs forward (limit 2.0 GB): ...
//
// snapshot_bytes() lets a cache of snapshots bound itself by bytes.
//
//   if (snapshot_bytes(cfg) > budget) ...;          // what one more cached snapshot costs
//   set_analysis_memory_limit(64 << 20);             // tests
//
// Threading: the limit and block size are process-wide atomics; set them before an analysis runs
// (a running analysis keeps the block layout it started with). Results depend on the block size
// only by float64 summation order (~1e-15 relative); the default never changes between runs, so
// the stored measures stay bit-for-bit reproducible.
#pragma once

#include <cstddef>
#include <string>

#include "core/base/config.h"

namespace grok {

// A ConfigError, so the CLI reports it as bad input (exit 2); the message is one line.
struct AnalysisTooLarge : ConfigError {
  using ConfigError::ConfigError;
};

// Bytes a Snapshot of this config holds: logits, direct logits, every layer's neuron activations
// and attention, and the small per-checkpoint views. Computing one takes up to analysis_block_bytes() more.
std::size_t snapshot_bytes(const Config& cfg);

// The most the whole-forward part of the analysis may hold. Default: half the physical memory;
// GROK_ANALYSIS_MEMORY_LIMIT (bytes, or with a K/M/G suffix) overrides it, read once.
std::size_t analysis_memory_limit();
void set_analysis_memory_limit(std::size_t bytes);  // 0: back to the default
// Throws AnalysisTooLarge when snapshot_bytes(cfg) exceeds the limit.
void check_snapshot_fits(const Config& cfg);

// Working set of one block of pairs (default 256 MiB: mainline is one block).
std::size_t analysis_block_bytes();
void set_analysis_block_bytes(std::size_t bytes);  // 0: back to the default

// "10.6 GB", "38 MB", "512 KB".
std::string format_bytes(double bytes);
// What sets a task's size in messages: "p=113" for a mod-p task, the group's name ("S5") otherwise.
std::string task_size_label(const Config& cfg);

}  // namespace grok
