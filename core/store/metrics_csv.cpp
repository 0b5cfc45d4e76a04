#include "core/store/metrics_csv.h"

#include <cmath>
#include <cstdio>

namespace grok {

void write_metrics_csv(const RunStore& store, std::ostream& out) {
  out << "epoch,train_loss,train_acc,test_loss,test_acc,lr\n";
  char buf[256];
  for (const auto& m : store.metrics()) {
    if (std::isnan(m.test_loss))
      std::snprintf(buf, sizeof buf, "%d,%.9g,%.6g,,,%.6g\n", m.epoch, m.train_loss, m.train_acc, m.lr);
    else
      std::snprintf(buf, sizeof buf, "%d,%.9g,%.6g,%.9g,%.6g,%.6g\n", m.epoch, m.train_loss, m.train_acc, m.test_loss,
                    m.test_acc, m.lr);
    out << buf;
  }
}

}  // namespace grok
