// The modular-arithmetic dataset: every pair (a, b) of the operation's domain -> c, split as the
// reference code does. The domain is all p*p pairs, or for divide the p*(p-1) pairs with b != 0.
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
  // Pair index a*p + b of every shuffled pair, train first: the reference order.
  std::vector<int> order;
};

// pairs = [(a, b) for a in range(p) for b in range(p)]; random.seed(seed); random.shuffle(pairs);
// the first int(frac * p*p) are train, the rest test. For divide, b runs over range(1, p) and the
// same rule splits the p*(p-1) pairs (add, subtract and multiply keep their splits and seeds).
Dataset make_dataset(const Config& cfg);

}  // namespace grok
