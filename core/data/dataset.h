// The modular-arithmetic dataset: all p*p pairs (a, b) -> c, split as the reference code does.
#pragma once

#include <vector>

#include "core/base/config.h"

namespace grok {

struct Split {
  std::vector<int> a, b, c;  // [n] each
  int size() const { return static_cast<int>(a.size()); }
};

struct Dataset {
  Split train, test;
  // Row-major pair index a*p + b of every shuffled pair, train first: the reference order.
  std::vector<int> order;
};

// pairs = [(a, b) for a in range(p) for b in range(p)]; random.seed(seed); random.shuffle(pairs);
// the first int(frac * p*p) are train, the rest test.
Dataset make_dataset(const Config& cfg);

}  // namespace grok
