// `grokking-cli bench`: how fast a training step and a test evaluation run on this machine,
// against a plain GEMM of the model's shapes measured in the same process as the ceiling.
#pragma once

#include <string>

#include "core/config.h"

namespace grok {

struct BenchResult {
  int threads = 0;
  std::string blas, torch;
  int n_train = 0, n_test = 0, repeats = 0;
  double train_step_ms = 0;   // fast path: forward + float64 loss + backward + AdamW, median
  double test_eval_ms = 0;    // fast path forward + loss + accuracy over the test split, median
  double plain_step_ms = 0;   // all-positions forward + backward + AdamW on the same weights, median
  double train_step_gflops = 0, test_eval_gflops = 0, plain_step_gflops = 0;
  double gemm_gflops = 0;     // [n_train, d_model] x [d_model, d_mlp], median
  double train_step_floor_ms = 0;  // train-step FLOPs at the GEMM rate
};

BenchResult run_benchmark(const Config& cfg, int threads, int repeats);
std::string format_benchmark(const BenchResult& r);

}  // namespace grok
