#include "core/store/metrics_csv.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

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
  auto fail = [&](int err) {
    throw std::runtime_error(path + ": cannot write the file (" + (err ? std::strerror(err) : "write failed") + ")");
  };
  errno = 0;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) fail(errno);
  write_metrics_csv(store, f, from_epoch, to_epoch);
  // A full disk shows only when the buffer goes out: flush and close before calling it written.
  errno = 0;
  f.flush();
  if (!f) fail(errno);
  f.close();
  if (!f) fail(errno);
}

}  // namespace grok
