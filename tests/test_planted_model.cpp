// The analysis on whole models whose answer is known: a transformer built by hand to run the
// paper's Fourier multiplication algorithm at chosen frequencies (planted_model.h), random
// weights. Short real runs of every operation: test_operation_runs.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/analysis/checkpoint_analysis.h"
#include "core/analysis/snapshot.h"
#include "core/base/presets.h"
#include "core/training/trainer.h"
#include "planted_model.h"
#include "test_util.h"

using namespace grok;
using grok::test::at;
using grok::test::planted_checkpoint;
using grok::test::planted_config;

namespace {

double max_gini(int n) { return 1.0 - 1.0 / n; }

}  // namespace

class TestPlantedModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void plantedCircuitIsFoundAndMeasured() {
    const Config c = planted_config();
    const std::vector<int> key = {3, 7, 11};
    const FourierBasis F(c.p);
    const Snapshot s = compute_snapshot(c, 0, CheckpointWeights(c, planted_checkpoint(c, key, 4.0f)), make_dataset(c),
                                        std::nullopt, F);
    QCOMPARE(s.detected.freqs, key);
    const ProgressMeasures& m = s.measures;
    QCOMPARE(m.key_freqs, key);
    QCOMPARE(m.test_acc, 1.0);
    QVERIFY2(m.test_loss < 1e-3, qPrintable(QString::number(m.test_loss)));
    // The key components alone still solve the task...
    QCOMPARE(m.restricted_acc_test, 1.0);
    QVERIFY2(m.restricted_loss_test < 0.05, qPrintable(QString::number(m.restricted_loss_test)));
    // ... and without them the rest (harmonics of |cos(w(a-b)/2)|) points at wrong answers.
    QVERIFY2(m.excluded_loss_train > std::log(double(c.p)), qPrintable(QString::number(m.excluded_loss_train)));
    for (double e : m.excluded_loss_per_key) QVERIFY(e > 10 * m.train_loss);
    // Sparse spectra: all of W_E's and W_L's norm in 6 of 31 components.
    QVERIFY2(m.gini_wl > 0.8 * max_gini(c.p), qPrintable(QString::number(m.gini_wl)));
    QVERIFY2(m.gini_we > 0.8 * max_gini(c.p), qPrintable(QString::number(m.gini_we)));
    // Every neuron is a function of its own frequency (ReLU adds harmonics, so not all of it).
    int right = 0;
    for (int j = 0; j < c.d_mlp; j++) right += s.neurons.freq[j] == key[j / 40];
    QCOMPARE(right, c.d_mlp);
    const double mean_fve = std::accumulate(s.neurons.fve.begin(), s.neurons.fve.end(), 0.0) / c.d_mlp;
    QVERIFY2(mean_fve > 0.85, qPrintable(QString::number(mean_fve)));
    // Snapshot views: from '=', head 0 attends to token a, head 1 to b, the others evenly; the
    // activations are those ReLUs.
    QCOMPARE(s.attention.size(), std::size_t(c.n_heads) * c.p * c.p);
    for (int h = 0; h < c.n_heads; h++)
      for (int i = 0; i < c.p * c.p; i++) {
        const float want = h == 0 ? 1.0f : h == 1 ? 0.0f : 1.0f / 3;
        QVERIFY(std::abs(s.attention[h * c.p * c.p + i] - want) < 1e-6);
      }
    const int a = 5, b = 9, j = 40 + 3;  // key 7, phase 2 pi 3 / 40
    const double w = 2 * M_PI * 7 / c.p, f = 2 * M_PI * 3 / 40;
    const double want = std::max(0.0, std::cos(w * a + f) + std::cos(w * b + f));
    QVERIFY(std::abs(s.neuron_acts[(a * c.p + b) * c.d_mlp + j] - want) < 1e-5);

    // What the dashboard computes (SnapshotScope::views) is the same snapshot less the losses.
    const Snapshot v = compute_snapshot(c, 0, CheckpointWeights(c, planted_checkpoint(c, key, 4.0f)), make_dataset(c),
                                        std::nullopt, F, SnapshotScope::views);
    QCOMPARE(v.detected.freqs, s.detected.freqs);
    QCOMPARE(v.spectra.wl_norms, s.spectra.wl_norms);
    QCOMPARE(v.measures.key_freqs, key);
    QCOMPARE(v.measures.logits_2d_norms, s.measures.logits_2d_norms);
    QCOMPARE(v.measures.gini_wl, s.measures.gini_wl);
    QCOMPARE(v.logits, s.logits);
    QCOMPARE(v.direct_logits, s.direct_logits);
    QCOMPARE(v.neuron_acts, s.neuron_acts);
    QCOMPARE(v.attention, s.attention);
    QCOMPARE(v.neurons.freq, s.neurons.freq);
    QCOMPARE(v.neurons.fve, s.neurons.fve);
    QCOMPARE(v.measures.test_loss, 0.0);  // not computed
    // The check table from the snapshot's forward pass is the one from the analysis's forward.
    const AblationChecks from_snapshot =
        ablation_checks(c, CheckpointWeights(c, planted_checkpoint(c, key, 4.0f)), key, F, pair_forward(v));
    const AllPairForward forward = compute_pair_forward(CheckpointWeights(c, planted_checkpoint(c, key, 4.0f)));
    QCOMPARE(forward.logits, v.logits);
    const AblationChecks own =
        ablation_checks(c, CheckpointWeights(c, planted_checkpoint(c, key, 4.0f)), key, F, view(forward));
    QCOMPARE(from_snapshot.rows.size(), own.rows.size());
    for (std::size_t r = 0; r < own.rows.size(); r++) {
      QCOMPARE(from_snapshot.rows[r].check, own.rows[r].check);
      QCOMPARE(from_snapshot.rows[r].loss, own.rows[r].loss);
      QCOMPARE(from_snapshot.rows[r].accuracy, own.rows[r].accuracy);
    }
    QCOMPARE(from_snapshot.logit_fit_fve, own.logit_fit_fve);
  }

  void randomWeightsHaveNoCircuit() {
    // Random weights: a flat spectrum ("none yet"), low Gini, no neuron with a clear frequency.
    const Config rc = planted_config();
    const FourierBasis F(rc.p);
    std::vector<NamedArray> ck = planted_checkpoint(rc, {3}, 1.0f);  // for the names and shapes
    std::mt19937 rng(7);
    std::normal_distribution<float> n01;
    for (auto& t : ck)
      for (std::int64_t i = 0; i < t.numel(); i++) at(t, i) = 0.2f * n01(rng);
    const Snapshot s = compute_snapshot(rc, 0, CheckpointWeights(rc, ck), make_dataset(rc), std::nullopt, F);
    QVERIFY(s.detected.none_yet());
    QVERIFY2(s.measures.gini_wl < 0.3, qPrintable(QString::number(s.measures.gini_wl)));
    QVERIFY2(s.measures.gini_we < 0.3, qPrintable(QString::number(s.measures.gini_we)));
    QVERIFY(s.neurons.count_above(0.85) < rc.d_mlp / 10);
  }
};

GROK_TEST_MAIN(TestPlantedModel, QCoreApplication)
#include "test_planted_model.moc"
