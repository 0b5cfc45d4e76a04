// glibc malloc tuning for code that allocates tensors of several MB over and over.
#pragma once

#include <cstddef>

namespace grok {

// Every training step allocates and frees activations of several MB ([n_train, d_mlp] floats),
// and so does every snapshot the app computes while the user scrubs ([p*p, d_mlp] neuron
// activations, 26 MB on mainline). By default glibc serves those with mmap and returns them with
// munmap, so each step page-faults its activations in again (~400k faults per 100 steps, ~20 % of
// step time; ~20 ms of a ~65 ms mainline snapshot). Keeping them on the heap lets the next step
// reuse the same pages; and every thread allocates from the main arena, whose freed memory stays
// (a thread's own arena unmaps its extra heaps as they empty). Process-wide and idempotent; called
// once, by the process set-up (process_setup.h). Returns whether glibc accepted the settings.
bool tune_malloc_for_tensors();

// The largest allocation glibc serves from its heap (its largest mmap threshold, HEAP_MAX_SIZE / 2
// on 64-bit): anything larger is mmap'd, page-faulted in and zeroed by the kernel on every use.
// Code that repeats a large computation keeps its temporaries under it (the analysis's all-pairs
// forward works in blocks that do: pair_forward.cpp).
constexpr std::size_t kLargestHeapAllocation = std::size_t(32) << 20;

}  // namespace grok
