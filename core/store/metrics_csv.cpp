#include "core/store/metrics_csv.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/store/file_beside.h"

namespace grok {

void write_metrics_csv(const RunStore& store, std::ostream& out, int from_epoch, int to_epoch) {
  out << "epoch,train_loss,train_acc,test_loss,test_acc,lr\n";
  char buf[256];
  for (const auto& m : store.metrics(from_epoch, to_epoch)) {
    if (std::isnan(m.test_loss))
      std::snprintf(buf, sizeof buf, "%d,%.9g,%.6g,,,%.6g\n", m.epoch, m.train_loss, m.train_acc, m.lr);
    else
      std::snprintf(buf, sizeof buf, "%d,%.9g,%.6g,%.9g,%.6g,%.6g\n", m.epoch, m.train_loss, m.train_acc, m.test_loss,
                    m.test_acc, m.lr);
    out << buf;
  }
}

void write_metrics_csv_file(const RunStore& store, const std::string& path, int from_epoch, int to_epoch) {
  // The whole table first (about 70 bytes an epoch, as the metrics themselves are read whole): a run
  // that fails while it is read leaves the old file as it was; then written beside it and renamed.
  std::ostringstream text;
  write_metrics_csv(store, text, from_epoch, to_epoch);
  const std::string bytes = text.str();
  write_file_beside(path, [&](FileSink& out) { out.write(bytes.data(), bytes.size()); });
}

}  // namespace grok
