#include "core/store/metrics_csv.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/store/file_beside.h"

namespace grok {

void write_metrics_csv(const RunStore& store, std::ostream& out, int from_epoch, int to_epoch) {
  // Columns only ever added at the end (scripts read them by name or by place): train_acc_true is
  // train_acc without label noise; the corrupted pairs' accuracies are empty without it.
  out << "epoch,train_loss,train_acc,test_loss,test_acc,lr,train_acc_true,corrupted_acc,corrupted_acc_true\n";
  char buf[320];
  for (const auto& m : store.metrics(from_epoch, to_epoch)) {
    int n = std::isnan(m.test_loss)
                ? std::snprintf(buf, sizeof buf, "%d,%.9g,%.6g,,,%.6g", m.epoch, m.train_loss, m.train_acc, m.lr)
                : std::snprintf(buf, sizeof buf, "%d,%.9g,%.6g,%.9g,%.6g,%.6g", m.epoch, m.train_loss, m.train_acc,
                                m.test_loss, m.test_acc, m.lr);
    if (std::isnan(m.train_acc_true))  // no label noise: no corrupted pairs
      std::snprintf(buf + n, sizeof buf - n, ",%.6g,,\n", m.accuracy_on_true_labels());
    else
      std::snprintf(buf + n, sizeof buf - n, ",%.6g,%.6g,%.6g\n", m.accuracy_on_true_labels(), m.corrupted_acc,
                    m.corrupted_acc_true);
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
