#include "core/data/dataset.h"

#include "core/data/python_random.h"

namespace grok {

Dataset make_dataset(const Config& cfg) {
  const int p = cfg.p;
  Dataset d;
  for (int a = 0; a < p; a++)
    for (int b = cfg.first_b(); b < p; b++) d.order.push_back(a * p + b);
  PythonRandom rng(cfg.seed);
  rng.shuffle(d.order);
  const int n_train = cfg.n_train();
  for (int i = 0; i < static_cast<int>(d.order.size()); i++) {
    Split& s = i < n_train ? d.train : d.test;
    const int a = d.order[i] / p, b = d.order[i] % p;
    s.a.push_back(a);
    s.b.push_back(b);
    s.c.push_back(apply_operation(cfg.operation, a, b, p));
  }
  return d;
}

}  // namespace grok
