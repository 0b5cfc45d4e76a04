// A task's dataset: every pair of its domain (core/base/task.h) with its label, split as the
// reference code does.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/config.h"
#include "core/base/task.h"

namespace grok {

struct Split {
  std::vector<int> a, b, c;  // [n] each: c the label trained on (or tested against)
  // Label noise (train split only): the first `corrupted` pairs were given a random label; c_true
  // holds every pair's true label. Without noise c_true is empty and corrupted 0.
  std::vector<int> c_true;
  int corrupted = 0;
  int size() const { return static_cast<int>(a.size()); }
  const std::vector<int>& true_labels() const { return c_true.empty() ? c : c_true; }
};

struct Dataset {
  Split train, test;
  // Token row a*p + b of every shuffled pair, train first: the reference order.
  std::vector<int> order;
};

// pairs = the task's domain in (a, b) order; random.seed(seed); random.shuffle(pairs); the first
// int(fraction * |domain|) are train, the rest test (for add, subtract and multiply every (a, b);
// divide leaves out b = 0 and splits the p*(p-1) pairs by the same rule).
// Label noise xi (Doshi et al. 2024, their `noisy_dataset`): the first int(xi * n_train) training
// pairs of the shuffled order are corrupted, each given random.randrange(n) from the same generator
// after the shuffle (n the task's token count; it may equal the true label). Test labels stay true.
Dataset make_dataset(const Task& task, std::uint64_t seed, double train_fraction, double label_noise = 0.0);
inline Dataset make_dataset(const Config& cfg) {
  return make_dataset(Task(cfg), cfg.seed, cfg.train_fraction, cfg.label_noise);
}

}  // namespace grok
