// MainWindow's snapshot views: what a computed checkpoint snapshot puts on the spectra, heatmaps
// and the check table (the rest of the window is in main_window.cpp). A checkpoint arrives twice:
// its snapshot first, then with the check table, which takes longer to compute.
#include <QComboBox>
#include <QLabel>
#include <QStatusBar>
#include <QTableWidget>
#include <algorithm>

#include "core/analysis/progress_measures.h"
#include "ui/epoch_scrubber.h"
#include "ui/heatmap_view.h"
#include "ui/main_window.h"
#include "ui/spectrum_view.h"

namespace grok {

void MainWindow::onSnapshot(int epoch, ViewSnapshotPtr v, double compute_ms) {
  if (compute_ms > 0) lastSnapshotMs_ = compute_ms, sinceSnapshot_.start();
  if (epoch != scrubber_->epoch()) return;  // the user has moved on; a newer one is coming
  // The service sends a checkpoint twice (snapshot, then with the check table): the second time
  // only the table changes.
  const bool viewsCurrent = shown_ && shownEpoch_ == epoch && shown_->snapshot == v->snapshot;
  shown_ = v;
  shownEpoch_ = epoch;
  const double ms = scrubTimer_.isValid() ? scrubTimer_.nsecsElapsed() / 1e6 : 0;
  if (!viewsCurrent) {
    showSnapshotViews();
    statusBar()->showMessage(tr("Views at epoch %1 (%2 ms)").arg(epoch).arg(ms, 0, 'f', 0), 3000);
    emit snapshotShown(epoch);
  }
  showChecks();
  if (v->checks) {
    if (!training()) prefetchNeighbours();
    if (viewsCurrent) statusBar()->showMessage(tr("Check table at epoch %1 (%2 ms)").arg(epoch).arg(ms, 0, 'f', 0), 3000);
    shownChecksEpoch_ = epoch;
    emit checksShown(epoch);
  }
}

// The next two checkpoints in the direction the user last stepped, and the one behind: while the
// user looks at this one, they are computed, so the arrow keys and play find them ready. Not while
// training, which the cores are busy with.
void MainWindow::prefetchNeighbours() {
  const std::vector<int>& e = scrubber_->checkpoints();
  const auto it = std::lower_bound(e.begin(), e.end(), shownEpoch_);
  if (it == e.end() || *it != shownEpoch_) return;
  const int i = static_cast<int>(it - e.begin());
  std::vector<int> next;
  for (int d : {scrubDir_, 2 * scrubDir_, -scrubDir_})
    if (i + d >= 0 && i + d < static_cast<int>(e.size())) next.push_back(e[i + d]);
  snapshots_->prefetch(next);
}

void MainWindow::showSnapshotViews() {
  const Snapshot& s = *shown_->snapshot;
  const int p = s.p;
  weView_->setSpectrum(s.spectra.we_norms, s.detected.freqs);
  wlView_->setSpectrum(s.spectra.wl_norms, s.detected.freqs);
  // Attention from '=' to a, per head, over (a, b).
  std::vector<std::vector<float>> heads;
  QStringList caps;
  for (int h = 0; h < s.n_heads; h++) {
    heads.emplace_back(s.attention.begin() + static_cast<std::ptrdiff_t>(h) * p * p,
                       s.attention.begin() + static_cast<std::ptrdiff_t>(h + 1) * p * p);
    caps << tr("head %1").arg(h);
  }
  attentionView_->setMaps(heads, p, p, caps, tr("attention weight"));
  std::vector<float> ln(s.measures.logits_2d_norms.begin(), s.measures.logits_2d_norms.end());
  logitsView_->setMaps({ln}, p, p, {tr("L2 norm over the outputs c")}, tr("norm"));
  // Neuron clusters by frequency, biggest first.
  const QString prev = neuronCluster_->currentData().toString();
  {
    const QSignalBlocker block(neuronCluster_);
    neuronCluster_->clear();
    neuronCluster_->addItem(tr("best neuron of each frequency"), "all");
    std::vector<std::pair<int, int>> clusters;
    for (auto [k, n] : s.neurons.clusters(0.85)) clusters.emplace_back(n, k);
    std::sort(clusters.rbegin(), clusters.rend());
    for (auto [n, k] : clusters)
      neuronCluster_->addItem(tr("frequency %1: %2 neurons with FVE >= 85%").arg(k).arg(n), k);
    const int i = neuronCluster_->findData(prev);
    neuronCluster_->setCurrentIndex(std::max(0, i));
  }
  showNeurons();
}

void MainWindow::showChecks() {
  const AblationChecks* c = shown_->checks.get();
  if (!c) {
    // Keeps the rows' size while the new table is computed, so the dock does not jump.
    for (int r = 0; r < checks_->rowCount(); r++)
      for (int col = 1; col < checks_->columnCount(); col++)
        if (QTableWidgetItem* item = checks_->item(r, col)) item->setText(QString::fromUtf8("\u2026"));
    checksNote_->setText(tr("Epoch %1: computing the checks\u2026").arg(shownEpoch_));
    return;
  }
  checks_->setRowCount(static_cast<int>(c->rows.size()));
  for (int r = 0; r < checks_->rowCount(); r++) {
    const CheckRow& row = c->rows[r];
    checks_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(row.check)));
    checks_->setItem(r, 1, new QTableWidgetItem(QString::number(row.loss, 'g', 3)));
    checks_->setItem(r, 2, new QTableWidgetItem(QString::number(row.accuracy, 'f', 4)));
  }
  checksNote_->setText(
      tr("Epoch %1, key frequencies %2. Logit FVE by the cos(w(a+b-c)) fit: %3 %; W_L norm outside "
         "the key directions: %4 %.")
          .arg(shownEpoch_)
          .arg(c->key_freqs.empty() ? tr("none yet") : QString::fromStdString(join_freqs(c->key_freqs)))
          .arg(100 * c->logit_fit_fve, 0, 'f', 1)
          .arg(100 * c->wl_norm_outside_key, 0, 'f', 1));
}

void MainWindow::showNeurons() {
  if (!shown_) return;
  const Snapshot& s = *shown_->snapshot;
  const int p = s.p, M = s.d_mlp;
  const QVariant sel = neuronCluster_->currentData();
  const std::vector<int> order =
      s.neurons.representatives(6, sel.toString() == "all" ? std::nullopt : std::optional<int>(sel.toInt()));
  std::vector<std::vector<float>> maps;
  QStringList caps;
  for (int m : order) {
    std::vector<float> map(static_cast<std::size_t>(p) * p);
    for (int i = 0; i < p * p; i++) map[i] = s.neuron_acts[static_cast<std::size_t>(i) * M + m];
    maps.push_back(std::move(map));
    caps << tr("#%1 k%2 %3%").arg(m).arg(s.neurons.freq[m]).arg(100 * s.neurons.fve[m], 0, 'f', 0);
  }
  neuronView_->setMaps(maps, p, p, caps, tr("activation"));
}

}  // namespace grok
