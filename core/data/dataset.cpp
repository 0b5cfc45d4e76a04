#include "core/data/dataset.h"

#include "core/data/python_random.h"

namespace grok {

Dataset make_dataset(const Task& task, std::uint64_t seed, double train_fraction, double label_noise) {
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
  const int noisy = static_cast<int>(label_noise * n_train);
  if (noisy > 0) {
    d.train.c_true = d.train.c;
    d.train.corrupted = noisy;
    for (int i = 0; i < noisy; i++) d.train.c[i] = static_cast<int>(rng.randbelow(static_cast<std::uint32_t>(p)));
  }
  return d;
}

}  // namespace grok
