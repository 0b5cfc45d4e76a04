// MainWindow's progress-measure curves: the measures of each checkpoint, the phases detected from
// them, and the key-frequency set they are computed with (the rest of the window is in
// main_window.cpp).
#include <QComboBox>
#include <QInputDialog>
#include <QStatusBar>
#include <algorithm>

#include "core/analysis/checkpoint_analysis.h"
#include "core/analysis/fourier_basis.h"
#include "core/runtime/compute_thread.h"
#include "core/analysis/phases.h"
#include "core/analysis/progress_measures.h"
#include "core/analysis/weight_spectra.h"
#include "ui/main_window.h"
#include "ui/series_view.h"
#include "ui/training_worker.h"

namespace grok {

void MainWindow::addMeasures(const MeasureRecord& m) {
  measures_[m.epoch] = m;
  auto put = [&](SeriesView* v, int i, const char* name) {
    const auto it = m.values.find(name);
    if (it != m.values.end()) v->appendData(i, {double(m.epoch)}, {it->second});
  };
  for (int i = 0; i < 4; i++) put(measuresView_, i, kLossSeries[i].first);
  put(giniView_, 0, "gini_we");
  put(giniView_, 1, "gini_wl");
  put(normView_, 0, "sum_sq_weights");
  dirty_ = true;
}

void MainWindow::updatePhases() {
  std::vector<std::pair<int, double>> ssw;
  for (const auto& [e, r] : measures_) {
    const auto it = r.values.find("sum_sq_weights");
    if (it != r.values.end()) ssw.emplace_back(e, it->second);
  }
  phases_ = detect_phases(metrics_, ssw);
  for (SeriesView* v : seriesViews_) v->setPhases(phases_, training());
}

void MainWindow::setKeySelection(int index) {
  if (path_.isEmpty()) return;
  if (training()) {
    keySelection_->setCurrentIndex(fixedKeys_ ? 2 : 0);
    return error(tr("Key frequencies"), tr("The key set can be changed once training has stopped."));
  }
  std::optional<std::vector<int>> keys;
  try {
    if (index == 1) {
      const RunStore store = RunStore::open(path_.toStdString());
      const FourierBasis F(cfg_.p);
      const auto ck = store.checkpoint_epochs();
      if (!ck.empty())
        keys = detect_key_frequencies(weight_spectra(cfg_, store.load_checkpoint(ck.back()), F).wl_norms).freqs;
    } else if (index == 2) {
      bool ok = false;
      const QString text = QInputDialog::getText(this, tr("Key frequencies"),
                                                 tr("Frequencies 1..%1, comma-separated:").arg((cfg_.p - 1) / 2),
                                                 QLineEdit::Normal, "14,35,41,42,52", &ok);
      if (!ok) return;
      keys = KeySelection::parse(text.toStdString(), cfg_.p).freqs;
    }
  } catch (const std::exception& e) {
    keySelection_->setCurrentIndex(fixedKeys_ ? 2 : 0);
    return error(tr("Key frequencies"), QString::fromStdString(e.what()));
  }
  fixedKeys_ = keys;
  openRun(path_, false);  // shows what the run file has for this set, and fills in the rest
}

// Computes, off the GUI thread, the measures the run file lacks for `sel` at its checkpoints (a
// checkpoint a second or so on mainline), then shows the run again. The run file keeps them,
// tagged with the set, for next time.
void MainWindow::fillMeasures(const KeySelection& sel) {
  if (keyThread_.joinable()) keyThread_.join();  // the previous fill, finished: the picker was disabled
  statusBar()->showMessage(tr("Computing the progress measures (key frequencies: %1)...")
                               .arg(QString::fromStdString(sel.describe())));
  keySelection_->setEnabled(false);
  filling_ = true;
  const std::string path = path_.toStdString();
  keyThread_ = std::thread([this, path, sel] {
    QString err;
    try {
      run_on_fresh_thread(kIntraOpThreads, [&] {
        RunStore store = RunStore::open(path, RunStore::Mode::ReadWrite);
        fill_missing_measures(store, sel);
      });
    } catch (const std::exception& e) {
      err = QString::fromStdString(e.what());
    }
    QMetaObject::invokeMethod(this, [this, err, path] {
      keySelection_->setEnabled(true);
      filling_ = false;
      if (!err.isEmpty()) return error(tr("Progress measures"), err);
      if (path_.toStdString() == path) openRun(path_, false);
    });
  });
}

}  // namespace grok
