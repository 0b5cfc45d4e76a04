#include "core/data/dataset.h"

#include "core/data/python_random.h"

namespace grok {

Dataset make_dataset(const Config& cfg) {
  const int p = cfg.p;
  Dataset d;
  d.order.resize(static_cast<std::size_t>(p) * p);
  for (int i = 0; i < p * p; i++) d.order[i] = i;
  PythonRandom rng(cfg.seed);
  rng.shuffle(d.order);
  const int n_train = cfg.n_train();
  for (int i = 0; i < p * p; i++) {
    Split& s = i < n_train ? d.train : d.test;
    const int a = d.order[i] / p, b = d.order[i] % p;
    s.a.push_back(a);
    s.b.push_back(b);
    s.c.push_back(apply_operation(cfg.operation, a, b, p));
  }
  return d;
}

}  // namespace grok
