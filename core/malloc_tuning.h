// glibc malloc tuning for the training loop.
#pragma once

namespace grok {

// Every training step allocates and frees activations of several MB ([n_train, d_mlp] floats).
// By default glibc serves those with mmap and returns them with munmap, so each step page-faults
// its activations in again (~400k faults per 100 steps, ~20 % of step time). Keeping them on the
// heap lets steps reuse the same pages. Idempotent; called by Trainer and the benchmark. Returns
// whether glibc accepted the settings.
bool tune_malloc_for_training();

}  // namespace grok
