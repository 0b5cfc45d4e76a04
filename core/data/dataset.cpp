#include "core/data/dataset.h"

#include "core/data/python_random.h"

namespace grok {

Dataset make_dataset(const Task& task, std::uint64_t seed, double train_fraction) {
  const int p = task.p();
  Dataset d;
  d.order = task.domain_rows();
  PythonRandom rng(seed);
  rng.shuffle(d.order);
  const int n_train = task.n_train(train_fraction);
  for (int i = 0; i < static_cast<int>(d.order.size()); i++) {
    Split& s = i < n_train ? d.train : d.test;
    const int a = d.order[i] / p, b = d.order[i] % p;
    s.a.push_back(a);
    s.b.push_back(b);
    s.c.push_back(task.label(a, b));
  }
  return d;
}

}  // namespace grok
