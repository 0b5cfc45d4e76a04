// Loss spikes (core/analysis/loss_spikes.h) against a brute-force reading of the rule, on synthetic
// loss curves: a falling curve with noise and planted spikes of one and several epochs, heavy-tailed
// noise under several factors and windows, NaN and infinite losses, a run fed in batches and with
// epochs re-reported after a resume.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "core/analysis/loss_spikes.h"
#include "test_util.h"

using namespace grok;

namespace {

// The rule as written, with nothing kept between epochs: for each logged (non-NaN) epoch, sort the
// losses of up to `window` non-NaN epochs before it, take the median, compare; merge spikes that
// follow each other.
std::vector<LossSpike> bruteForce(const std::vector<EpochMetrics>& metrics, const LossSpikeParams& p) {
  std::vector<EpochMetrics> kept;
  for (const EpochMetrics& m : metrics)
    if (!std::isnan(m.train_loss) && (kept.empty() || m.epoch > kept.back().epoch)) kept.push_back(m);
  std::vector<LossSpike> out;
  bool previous = false;
  for (size_t i = 0; i < kept.size(); i++) {
    const size_t from = i > size_t(p.window) ? i - p.window : 0;
    std::vector<double> prior;
    for (size_t j = from; j < i; j++) prior.push_back(kept[j].train_loss);
    bool spike = false;
    if (!prior.empty() && static_cast<int>(prior.size()) >= p.min_prior) {
      std::sort(prior.begin(), prior.end());
      const size_t n = prior.size();
      const double med = n % 2 ? prior[n / 2] : (prior[n / 2 - 1] + prior[n / 2]) / 2;
      spike = kept[i].train_loss > p.factor * med;
    }
    const EpochMetrics& m = kept[i];
    if (spike && previous) {
      out.back().last_epoch = m.epoch;
      if (m.train_loss > out.back().peak_loss) out.back().peak_epoch = m.epoch, out.back().peak_loss = m.train_loss;
    } else if (spike) {
      out.push_back({m.epoch, m.epoch, m.epoch, m.train_loss});
    }
    previous = spike;
  }
  return out;
}

std::vector<EpochMetrics> curve(const std::vector<double>& losses, int first_epoch = 0) {
  std::vector<EpochMetrics> out;
  for (size_t i = 0; i < losses.size(); i++) {
    EpochMetrics m;
    m.epoch = first_epoch + static_cast<int>(i);
    m.train_loss = losses[i];
    out.push_back(m);
  }
  return out;
}

// A loss falling from ~4 to ~1e-6 with multiplicative noise, as a memorising run's does.
std::vector<double> falling(int n, std::mt19937& rng, double noise = 0.3) {
  std::normal_distribution<double> z(0, noise);
  std::vector<double> v;
  for (int i = 0; i < n; i++) v.push_back(4 * std::exp(-i / 150.0) * std::exp(z(rng)) + 1e-6);
  return v;
}

QString describe(const std::vector<LossSpike>& s) {
  QStringList parts;
  for (const LossSpike& x : s)
    parts << QString("%1-%2@%3:%4").arg(x.first_epoch).arg(x.last_epoch).arg(x.peak_epoch).arg(x.peak_loss);
  return parts.join(' ');
}

}  // namespace

class TestLossSpikes : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void plantedSpikesAreFoundAsSpans() {
    std::mt19937 rng(1);
    std::vector<double> v = falling(3000, rng, 0.05);
    v[5] *= 1000;  // too early: fewer than 10 epochs before it
    v[800] *= 500;
    const double four[] = {100, 300, 200, 1000};  // four epochs, the peak the last
    for (int e = 1500; e < 1504; e++) v[e] *= four[e - 1500];
    v[2500] *= 40, v[2501] *= 60;  // two adjacent epochs: one span
    v[2600] *= 30;
    const std::vector<LossSpike> got = find_loss_spikes(curve(v));
    const std::vector<LossSpike> want = {
        {800, 800, 800, v[800]}, {1500, 1503, 1503, v[1503]}, {2500, 2501, 2501, v[2501]}, {2600, 2600, 2600, v[2600]}};
    QVERIFY2(got == want, qPrintable(describe(got) + " vs " + describe(want)));
    QVERIFY(got == bruteForce(curve(v), {}));
  }

  void matchesBruteForceOnHeavyTailedNoise() {
    // Log-normal noise wide enough that some epochs cross 10x (and 3x, 30x) their median by chance.
    for (unsigned seed : {2u, 3u, 4u})
      for (const LossSpikeParams p : {LossSpikeParams{}, LossSpikeParams{3, 20, 5}, LossSpikeParams{30, 7, 1},
                                      LossSpikeParams{10, 1, 1}, LossSpikeParams{2, 100, 50}}) {
        std::mt19937 rng(seed);
        const std::vector<EpochMetrics> m = curve(falling(2000, rng, 1.2), 7);
        const std::vector<LossSpike> want = bruteForce(m, p);
        const std::vector<LossSpike> got = find_loss_spikes(m, p);
        QVERIFY2(got == want, qPrintable(QString("seed %1 factor %2 window %3: %4 vs %5")
                                             .arg(seed)
                                             .arg(p.factor)
                                             .arg(p.window)
                                             .arg(describe(got), describe(want))));
        QVERIFY2(!want.empty(), "the noise is meant to cross the threshold somewhere");
      }
  }

  void nanIsLeftOutAndInfinityIsASpike() {
    std::vector<double> v(300, 1e-3);
    v[100] = std::numeric_limits<double>::quiet_NaN();
    v[150] = std::numeric_limits<double>::infinity();
    v[151] = std::numeric_limits<double>::quiet_NaN();  // does not end the span
    v[152] = 1.0;
    v[200] = 0.5;
    const std::vector<LossSpike> got = find_loss_spikes(curve(v));
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got[0].first_epoch, 150);
    QCOMPARE(got[0].last_epoch, 152);
    QCOMPARE(got[0].peak_epoch, 150);
    QVERIFY(std::isinf(got[0].peak_loss));
    QCOMPARE(got[1].peak_epoch, 200);
    QVERIFY(got == bruteForce(curve(v), {}));
  }

  void flatAndZeroLossesHaveNoSpikes() {
    QVERIFY(find_loss_spikes(curve(std::vector<double>(500, 0.0))).empty());
    QVERIFY(find_loss_spikes(curve(std::vector<double>(500, 2.5))).empty());
    QVERIFY(find_loss_spikes({}).empty());
  }

  void batchesAndRepeatedEpochsGiveTheSameSpans() {
    std::mt19937 rng(5);
    const std::vector<EpochMetrics> m = curve(falling(1500, rng, 1.0));
    const std::vector<LossSpike> whole = find_loss_spikes(m);
    LossSpikeDetector d;
    bool changed = false;
    size_t i = 0;
    for (size_t batch : {1, 13, 200, 7, 600}) {
      for (size_t k = 0; k < batch && i < m.size(); k++, i++) changed |= d.add(m[i].epoch, m[i].train_loss);
      // A resumed run reports the epochs after its newest checkpoint again: ignored.
      for (size_t k = i > 20 ? i - 20 : 0; k < i; k++) QVERIFY(!d.add(m[k].epoch, 1e9));
    }
    for (; i < m.size(); i++) changed |= d.add(m[i].epoch, m[i].train_loss);
    QVERIFY(changed);
    QVERIFY2(d.spikes() == whole, qPrintable(describe(d.spikes()) + " vs " + describe(whole)));
    d.clear();
    QVERIFY(d.spikes().empty());
    for (const EpochMetrics& x : m) d.add(x.epoch, x.train_loss);
    QVERIFY(d.spikes() == whole);
  }
};

GROK_TEST_APPLESS_MAIN(TestLossSpikes)
#include "test_loss_spikes.moc"
