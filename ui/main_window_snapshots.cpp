// MainWindow's snapshot views: what a computed checkpoint snapshot puts on the spectra, heatmaps
// and the check table (the rest of the window is in main_window.cpp).
#include <QComboBox>
#include <QLabel>
#include <QStatusBar>
#include <QTableWidget>
#include <algorithm>

#include "core/progress_measures.h"
#include "ui/epoch_scrubber.h"
#include "ui/heatmap_view.h"
#include "ui/main_window.h"
#include "ui/spectrum_view.h"

namespace grok {

void MainWindow::onSnapshot(int epoch, ViewSnapshotPtr v, double compute_ms) {
  if (compute_ms > 0) lastSnapshotMs_ = compute_ms, sinceSnapshot_.start();
  if (epoch != scrubber_->epoch()) return;  // the user has moved on; a newer one is coming
  shown_ = v;
  shownEpoch_ = epoch;
  const Snapshot& s = v->snapshot;
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
    neuronCluster_->addItem(tr("all neurons, by frequency"), "all");
    std::vector<std::pair<int, int>> clusters;
    for (auto [k, n] : s.neurons.clusters(0.85)) clusters.emplace_back(n, k);
    std::sort(clusters.rbegin(), clusters.rend());
    for (auto [n, k] : clusters)
      neuronCluster_->addItem(tr("frequency %1: %2 neurons with FVE >= 85%").arg(k).arg(n), k);
    const int i = neuronCluster_->findData(prev);
    neuronCluster_->setCurrentIndex(std::max(0, i));
  }
  showNeurons();
  checks_->setRowCount(static_cast<int>(v->checks.rows.size()));
  for (int r = 0; r < checks_->rowCount(); r++) {
    const CheckRow& row = v->checks.rows[r];
    checks_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(row.check)));
    checks_->setItem(r, 1, new QTableWidgetItem(QString::number(row.loss, 'g', 3)));
    checks_->setItem(r, 2, new QTableWidgetItem(QString::number(row.accuracy, 'f', 4)));
  }
  checksNote_->setText(
      tr("Epoch %1, key frequencies %2. Logit FVE by the cos(w(a+b-c)) fit: %3 %; W_L norm outside "
         "the key directions: %4 %.")
          .arg(epoch)
          .arg(v->checks.key_freqs.empty() ? tr("none yet") : QString::fromStdString(join_freqs(v->checks.key_freqs)))
          .arg(100 * v->checks.logit_fit_fve, 0, 'f', 1)
          .arg(100 * v->checks.wl_norm_outside_key, 0, 'f', 1));
  const double ms = scrubTimer_.isValid() ? scrubTimer_.nsecsElapsed() / 1e6 : 0;
  statusBar()->showMessage(tr("Views at epoch %1 (%2 ms)").arg(epoch).arg(ms, 0, 'f', 0), 3000);
  emit snapshotShown(epoch);
}

void MainWindow::showNeurons() {
  if (!shown_) return;
  const Snapshot& s = shown_->snapshot;
  const int p = s.p, M = s.d_mlp;
  const QVariant sel = neuronCluster_->currentData();
  std::vector<int> order;
  for (int m = 0; m < M; m++)
    if (sel.toString() == "all" || s.neurons.freq[m] == sel.toInt()) order.push_back(m);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (s.neurons.freq[a] != s.neurons.freq[b]) return s.neurons.freq[a] < s.neurons.freq[b];
    return s.neurons.fve[a] > s.neurons.fve[b];
  });
  if (order.size() > 6) order.resize(6);
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
