// A task's dataset: every pair of its domain (core/base/task.h) with its label, split as the
// reference code does.
#pragma once

#include <cstdint>
#include <vector>

#include "core/base/config.h"
#include "core/base/task.h"

namespace grok {

struct Split {
  std::vector<int> a, b, c;  // [n] each
  int size() const { return static_cast<int>(a.size()); }
};

struct Dataset {
  Split train, test;
  // Token row a*p + b of every shuffled pair, train first: the reference order.
  std::vector<int> order;
};

// pairs = the task's domain in (a, b) order; random.seed(seed); random.shuffle(pairs); the first
// int(fraction * |domain|) are train, the rest test (for add, subtract and multiply every (a, b);
// divide leaves out b = 0 and splits the p*(p-1) pairs by the same rule).
Dataset make_dataset(const Task& task, std::uint64_t seed, double train_fraction);
inline Dataset make_dataset(const Config& cfg) { return make_dataset(Task(cfg), cfg.seed, cfg.train_fraction); }

}  // namespace grok
