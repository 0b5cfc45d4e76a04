// The run file's metrics: the `metrics` table (one row per epoch), and format 4's `label_metrics`
// (the accuracies of a run with label noise; a row only where the run has them).
#include <cmath>

#include "core/store/internal/sqlite_errors.h"
#include "core/store/run_store.h"

namespace grok {

void RunStore::write_label_metrics(const std::vector<EpochMetrics>& metrics) {
  Stmt noisy = db().prepare(
      "INSERT OR REPLACE INTO label_metrics(epoch, train_acc_true, corrupted_acc, corrupted_acc_true) "
      "VALUES(?,?,?,?)");
  for (const auto& r : metrics)
    if (!std::isnan(r.train_acc_true))
      noisy.bind(1, r.epoch).bind(2, r.train_acc_true).bind(3, r.corrupted_acc).bind(4, r.corrupted_acc_true).run();
}

std::vector<EpochMetrics> RunStore::metrics(int from_epoch, int to_epoch) const {
  return guarded(path_, [&] {
    std::vector<EpochMetrics> out;
    // A format-3 file opened read-only has no label_metrics: its runs had no label noise.
    const bool noisy = db().scalar_int("SELECT count(*) FROM sqlite_master WHERE name = 'label_metrics'") > 0;
    Stmt s = db().prepare(
        !noisy ? "SELECT epoch, train_loss, train_acc, test_loss, test_acc, lr FROM metrics "
                 "WHERE epoch >= ? AND epoch <= ? ORDER BY epoch"
               : "SELECT m.epoch, train_loss, train_acc, test_loss, test_acc, lr, train_acc_true, corrupted_acc, "
                 "corrupted_acc_true FROM metrics m LEFT JOIN label_metrics n ON n.epoch = m.epoch "
                 "WHERE m.epoch >= ? AND m.epoch <= ? ORDER BY m.epoch");
    s.bind(1, from_epoch).bind(2, to_epoch);
    while (s.step()) {
      EpochMetrics m;
      m.epoch = static_cast<int>(s.int64(0));
      m.train_loss = s.real(1);
      m.train_acc = s.real(2);
      if (!s.is_null(3)) m.test_loss = s.real(3), m.test_acc = s.real(4);
      m.lr = s.real(5);
      if (noisy && !s.is_null(6))
        m.train_acc_true = s.real(6), m.corrupted_acc = s.real(7), m.corrupted_acc_true = s.real(8);
      out.push_back(m);
    }
    return out;
  });
}

std::optional<EpochMetrics> RunStore::last_metrics() const {
  const int last = guarded(path_, [&] {
    Stmt s = db().prepare("SELECT MAX(epoch) FROM metrics");
    return s.step() && !s.is_null(0) ? static_cast<int>(s.int64(0)) : -1;
  });
  if (last < 0) return std::nullopt;
  auto m = metrics(last, last);
  return m.empty() ? std::nullopt : std::optional<EpochMetrics>(m.front());
}

}  // namespace grok
