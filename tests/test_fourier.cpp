// The Fourier basis and the weight spectra, checked against an explicit basis product, Parseval,
// and hand-built ("planted") weights whose answer is known.
#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/neuron_fve.h"
#include "core/analysis/phases.h"
#include "core/analysis/weight_spectra.h"
#include "core/base/task.h"
#include "test_util.h"

using namespace grok;

namespace {

NamedArray array(const std::string& name, std::vector<std::int64_t> shape, const std::vector<double>& v) {
  NamedArray a;
  a.name = name;
  a.dtype = DType::F32;
  a.shape = std::move(shape);
  a.bytes.resize(v.size() * 4);
  for (std::size_t i = 0; i < v.size(); i++) {
    const float f = static_cast<float>(v[i]);
    std::memcpy(a.bytes.data() + 4 * i, &f, 4);
  }
  return a;
}

}  // namespace

class TestFourier : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void basisIsOrthonormal() {
    for (int p : {3, 7, 59, 113}) {
      const FourierBasis F(p);
      const auto& B = F.matrix();
      for (int i = 0; i < p; i++)
        for (int j = 0; j < p; j++) {
          double d = 0;
          for (int x = 0; x < p; x++) d += B[i * p + x] * B[j * p + x];
          QVERIFY2(std::abs(d - (i == j ? 1.0 : 0.0)) < 1e-12,
                   qPrintable(QString("p=%1 <%2,%3>=%4").arg(p).arg(i).arg(j).arg(d)));
        }
    }
    QCOMPARE(FourierBasis::label(0), std::string("const"));
    QCOMPARE(FourierBasis::label(27), std::string("cos 14"));
    QCOMPARE(FourierBasis::label(28), std::string("sin 14"));
  }

  void fftwEqualsExplicitBasisAndKeepsNorms() {
    const int p = 113, rows = 37;
    const FourierBasis F(p);
    std::mt19937 rng(5);
    std::normal_distribution<double> n01;
    std::vector<double> x(static_cast<std::size_t>(rows) * p);
    for (auto& v : x) v = n01(rng);
    const std::vector<double> c = F.transform_rows(x, rows);
    const auto& B = F.matrix();
    for (int r = 0; r < rows; r++) {
      double nx = 0, nc = 0;
      for (int i = 0; i < p; i++) {
        double ref = 0;
        for (int t = 0; t < p; t++) ref += B[i * p + t] * x[r * p + t];
        QVERIFY(std::abs(c[r * p + i] - ref) < 1e-12);
        nc += c[r * p + i] * c[r * p + i];
        nx += x[r * p + i] * x[r * p + i];
      }
      QVERIFY(std::abs(nc - nx) < 1e-10 * nx);  // Parseval
    }
    // Along the other axis: transform_cols of the transpose equals transform_rows.
    std::vector<double> xt(x.size());
    for (int r = 0; r < rows; r++)
      for (int i = 0; i < p; i++) xt[i * rows + r] = x[r * p + i];
    const std::vector<double> ct = F.transform_cols(xt, rows);
    for (int r = 0; r < rows; r++)
      for (int i = 0; i < p; i++) QVERIFY(std::abs(ct[i * rows + r] - c[r * p + i]) < 1e-12);
  }

  void giniOnKnownVectors() {
    QVERIFY(std::abs(gini({1, 1, 1, 1})) < 1e-12);
    QVERIFY(std::abs(gini({0, 0, 0, 5}) - 0.75) < 1e-12);  // 1 - 1/N
    QVERIFY(std::abs(gini({0, 0, 0, 0})) < 1e-12);
    // Hurley & Rickard: scale invariant, and moving mass to the top raises it.
    QVERIFY(std::abs(gini({1, 2, 3, 4}) - gini({10, 20, 30, 40})) < 1e-12);
    QVERIFY(gini({1, 2, 3, 10}) > gini({1, 2, 3, 4}));
  }

  void plantedWeightsGiveTheirFrequencies() {
    // W_E and W_L built from cos/sin of chosen frequencies only, plus nothing else.
    const int p = 59, D = 16, M = 24;
    const std::vector<int> planted = {4, 11, 23};
    Config cfg;
    cfg.p = p;
    cfg.d_model = D;
    cfg.d_mlp = M;
    cfg.n_heads = 4;
    cfg.d_head = 4;
    std::mt19937 rng(9);
    std::normal_distribution<double> n01;
    std::vector<double> WE(D * (p + 1), 0.0), WU(D * (p + 1), 0.0), Wout(D * M, 0.0);
    for (int d = 0; d < D; d++) {
      const int k = planted[d % planted.size()];
      const double phase = n01(rng);
      for (int t = 0; t < p; t++) {
        WE[d * (p + 1) + t] = std::cos(2 * M_PI * k * t / p + phase);
        WU[d * (p + 1) + t] = std::sin(2 * M_PI * k * t / p + 2 * phase);
      }
    }
    for (auto& v : Wout) v = n01(rng);
    const std::vector<NamedArray> ck = {array("embed.W_E", {D, p + 1}, WE), array("unembed.W_U", {D, p + 1}, WU),
                                        array("blocks.0.mlp.W_out", {D, M}, Wout)};
    const FourierBasis F(p);
    const WeightSpectra s = weight_spectra(cfg, ck, F);
    const KeyFrequencies key = detect_key_frequencies(s.wl_norms);
    QCOMPARE(key.freqs, planted);
    double off = 0;
    for (int k = 1; k <= F.n_freqs(); k++)
      if (std::find(planted.begin(), planted.end(), k) == planted.end())
        off += s.we_norms[2 * k - 1] + s.we_norms[2 * k];
    QVERIFY(off < 1e-4);
    QVERIFY(s.gini_we > 0.9);  // 6 of 59 components carry everything
    QVERIFY(s.gini_wl > 0.9);
  }

  void plantedNeuronsHaveTheirFrequency() {
    // Neuron m: ReLU-free cos(w_k(a+b) + phase) for k = m % 5 + 1, plus a little noise on some.
    const int p = 29, M = 10;
    const FourierBasis F(p);
    std::mt19937 rng(4);
    std::normal_distribution<double> n01;
    std::vector<double> acts(static_cast<std::size_t>(p) * p * M);
    for (int a = 0; a < p; a++)
      for (int b = 0; b < p; b++)
        for (int m = 0; m < M; m++) {
          const int k = m % 5 + 1;
          const double noise = m >= 5 ? 0.5 * n01(rng) : 0.0;
          acts[(a * p + b) * M + m] = 3.0 + std::cos(2 * M_PI * k * (a + b) / p + 0.3 * m) + noise;
        }
    const NeuronFrequencies nf = neuron_frequencies_from_activations(acts, M, F);
    for (int m = 0; m < M; m++) {
      QCOMPARE(nf.freq[m], m % 5 + 1);
      if (m < 5)
        QVERIFY2(std::abs(nf.fve[m] - 1.0) < 1e-5, qPrintable(QString::number(nf.fve[m])));  // float32
      else
        QVERIFY2(nf.fve[m] > 0.5 && nf.fve[m] < 0.95, qPrintable(QString::number(nf.fve[m])));
    }
    QCOMPARE(nf.count_above(0.99), 5);
    QCOMPARE(nf.clusters(0.99), (std::map<int, int>{{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}}));
  }

  // The one-pass neuron FVE (sums by i, j, i o j, i - j) against the 2D transform it stands for:
  // Z_29 (odd), a * b mod 29 (Z_28, even: the sign character; pairs with a zero operand are
  // outside the group) and D12 and S5 (irreps), on ReLU'd random activations with planted frequencies
  // and dead neurons.
  void neuronFrequenciesOnePassMatchTheTransform_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<int>("p");
    QTest::newRow("a + b mod 29") << "add" << 29;
    QTest::newRow("a * b mod 29") << "multiply" << 29;
    QTest::newRow("D12") << "D12" << 0;
    QTest::newRow("S5") << "S5" << 0;
  }
  void neuronFrequenciesOnePassMatchTheTransform() {
    QFETCH(QString, task);
    QFETCH(int, p);
    Config cfg;
    cfg.task = task.toStdString();
    if (p) cfg.p = p;
    const OperationGroup g = Task(cfg).group();
    const FourierBasis F(g);
    const int M = 24, P = g.p, n = g.n;
    std::mt19937 rng(7);
    std::normal_distribution<float> n01;
    std::vector<float> acts(static_cast<std::size_t>(P) * P * M);
    for (int a = 0; a < P; a++)
      for (int b = 0; b < P; b++)
        for (int m = 0; m < M; m++) {
          const int i = g.a_element(a), j = g.b_element(b);
          const double k = m % 7 + 1, c = i < 0 || j < 0 ? 0 : g.G->compose(i, j);
          const double wave = m < 12 ? std::cos(2 * M_PI * k * c / n + m) + std::cos(2 * M_PI * k * i / n) : 0.0;
          const float x = static_cast<float>(wave + (m % 3 ? 0.4 * n01(rng) : 0.0));
          acts[(static_cast<std::size_t>(a) * P + b) * M + m] = m >= 21 ? 0.0f : std::max(0.0f, x);  // 3 dead
        }
    const NeuronFrequencies fast = neuron_frequencies_of(acts.data(), M, F);
    const NeuronFrequencies ref = neuron_frequencies_reference(acts.data(), M, F);
    for (int m = 0; m < M; m++) {
      QCOMPARE(fast.freq[m], ref.freq[m]);
      QVERIFY2(std::abs(fast.fve[m] - ref.fve[m]) < 1e-5,
               qPrintable(QString("neuron %1: %2 vs %3").arg(m).arg(fast.fve[m]).arg(ref.fve[m])));
    }
    QCOMPARE(fast.freq[22], 0);                           // dead
    if (F.cyclic()) QVERIFY(fast.count_above(0.5) >= 6);  // the planted waves are found at all
  }

  void representativeNeuronsCoverEveryCluster() {
    // 3 neurons at k = 4, 2 at k = 9, 1 at k = 2, 2 dead; FVEs chosen by hand.
    NeuronFrequencies nf;
    nf.freq = {4, 0, 9, 4, 2, 9, 0, 4};
    nf.fve = {0.90, 0.0, 0.80, 0.95, 0.70, 0.99, 0.0, 0.60};
    // One per cluster, most populous first (k = 4: neuron 3; k = 9: neuron 5; k = 2: neuron 4),
    // then the best of the rest; never a dead neuron.
    QCOMPARE(nf.representatives(4), (std::vector<int>{3, 5, 4, 0}));
    QCOMPARE(nf.representatives(2), (std::vector<int>{3, 5}));
    QCOMPARE(nf.representatives(10), (std::vector<int>{3, 5, 4, 0, 2, 7}));
    QCOMPARE(nf.representatives(6, 4), (std::vector<int>{3, 0, 7}));
    QCOMPARE(nf.representatives(6, 13), std::vector<int>{});
  }
  void phasesOnSyntheticCurves() {
    // Test loss: rises to 20 at epoch 1000, plateaus, halves by 6000, reaches 1e-5 by 9000.
    std::vector<EpochMetrics> m;
    for (int e = 0; e <= 12000; e += 10) {
      EpochMetrics r;
      r.epoch = e;
      r.train_loss = 1e-6;
      if (e <= 1000)
        r.test_loss = 4 + 16.0 * e / 1000;
      else if (e <= 5000)
        r.test_loss = 20 - 1e-4 * (e - 1000);
      else
        r.test_loss = 19.6 * std::exp(-(e - 5000) / 300.0);
      if (e % 20 == 10) r.test_loss = std::nan("");  // not every epoch is evaluated
      m.push_back(r);
    }
    // Sum of squared weights per checkpoint (every 100): a slow drift, then a logistic collapse
    // from 2000 to 1000 centred on 6000 (width 300), then flat.
    std::vector<std::pair<int, double>> ssw;
    for (int e = 0; e <= 12000; e += 100)
      ssw.emplace_back(e, 1000 + 1000 / (1 + std::exp((e - 6000) / 300.0)) + 0.01 * (12000 - e));
    const Phases ph = detect_phases(m, ssw);
    QCOMPARE(ph.memorisation_end, 1000);
    QCOMPARE(ph.peak_test_loss, 20.0);
    QCOMPARE(ph.circuit_formation_end, 5220);  // first evaluated epoch with loss <= 10
    // Window (5220 - 1000) / 16 = 263 epochs. The steepest windowed fall is near 6000; found by
    // brute force below (relative, so just past the centre), the first later checkpoint whose fall
    // is under a tenth of it.
    auto fall_at = [&](std::size_t i) {
      std::size_t j = 0;
      while (j + 1 < i && ssw[j + 1].first <= ssw[i].first - 263) j++;
      return (ssw[j].second - ssw[i].second) / ssw[j].second;
    };
    std::size_t steep = 3;
    for (std::size_t i = 3; i < ssw.size(); i++)
      if (ssw[i].first > 5220 && fall_at(i) > fall_at(steep)) steep = i;
    QVERIFY2(ssw[steep].first >= 6000 && ssw[steep].first <= 6500, qPrintable(QString::number(ssw[steep].first)));
    int want = -1;
    for (std::size_t i = steep + 1; i < ssw.size() && want < 0; i++)
      if (fall_at(i) < 0.1 * fall_at(steep)) want = ssw[i].first;
    QCOMPARE(ph.cleanup_end, want);
    QVERIFY(ph.cleanup_end > 6500 && ph.cleanup_end < 8000);
    // Without the weight norms there is no cleanup end; the losses still give the first two.
    QCOMPARE(detect_phases(m, {}).cleanup_end, -1);
    QCOMPARE(detect_phases(m, {}).circuit_formation_end, 5220);
    // Still rising at the end of the run: no boundary yet.
    m.resize(50);
    QCOMPARE(detect_phases(m, ssw).memorisation_end, -1);
  }

  void randomWeightsAreNoneYet() {
    const int p = 113, D = 128, M = 512;
    Config cfg;
    std::mt19937 rng(2);
    std::normal_distribution<double> n01;
    std::vector<double> WE(D * (p + 1)), WU(D * (p + 1)), Wout(D * M);
    for (auto* v : {&WE, &WU, &Wout})
      for (auto& x : *v) x = n01(rng);
    const std::vector<NamedArray> ck = {array("embed.W_E", {D, p + 1}, WE), array("unembed.W_U", {D, p + 1}, WU),
                                        array("blocks.0.mlp.W_out", {D, M}, Wout)};
    const FourierBasis F(p);
    const WeightSpectra s = weight_spectra(cfg, ck, F);
    QVERIFY(detect_key_frequencies(s.wl_norms).none_yet());
    QVERIFY2(s.gini_we < 0.2 && s.gini_wl < 0.2, qPrintable(QString("%1 %2").arg(s.gini_we).arg(s.gini_wl)));
  }
};

GROK_TEST_APPLESS_MAIN(TestFourier)
#include "test_fourier.moc"
