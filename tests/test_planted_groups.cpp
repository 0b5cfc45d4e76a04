// A transformer built by hand to compose elements of a finite group through chosen irreps (Chughtai
// et al. 2023's algorithm), one per group family: products of cyclic groups, dihedral, symmetric,
// alternating, and a user's table (Q8, quaternionic). The cyclic family is test_planted_model's.
// The analysis must find exactly the planted irreps, with a small restricted loss, a large excluded
// loss, and every neuron explained by its own irrep.
//
// The circuit, for key irreps rho_i of dimension d_i (residual blocks A_i, B_i, C_i of d_i^2 dims):
//  - W_E puts the entries of rho_i(t) in A_i; head 0 copies a's A into A, head 1 copies b's A into B.
//  - Each neuron of irrep i is ReLU(<U, rho_i(a)> + <V, rho_i(b)>) for seeded Gaussian U, V: a
//    function of rho_i(a) and rho_i(b) alone.
//  - W_out is the least-squares read-out of rho_i(a b) from those neurons, into C_i; W_U reads C_i
//    with scale * rho_i(c), so the logit of c is ~ scale * sum_i chi_i(a b c^-1), largest at c = a b
//    when the irreps together are faithful.
#include <QtTest>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include "core/analysis/irreps.h"
#include "core/analysis/snapshot.h"
#include "core/base/finite_group.h"
#include "planted_model.h"
#include "test_util.h"

using namespace grok;
using grok::test::at;
using grok::test::zeros;

namespace {

// Solves (A^T A + ridge I) x = A^T y for each of y's columns: A [rows, m], y [rows, k] -> [m, k].
std::vector<double> least_squares(const std::vector<double>& A, const std::vector<double>& y, int rows, int m, int k) {
  std::vector<double> N(static_cast<std::size_t>(m) * m), r(static_cast<std::size_t>(m) * k);
  for (int i = 0; i < rows; i++)
    for (int u = 0; u < m; u++) {
      const double au = A[i * m + u];
      if (au == 0) continue;
      for (int v = 0; v < m; v++) N[u * m + v] += au * A[i * m + v];
      for (int c = 0; c < k; c++) r[u * k + c] += au * y[i * k + c];
    }
  for (int u = 0; u < m; u++) N[u * m + u] += 1e-6;
  for (int col = 0; col < m; col++) {  // Cholesky: N = L L^T, in place (lower)
    for (int q = 0; q < col; q++) N[col * m + col] -= N[col * m + q] * N[col * m + q];
    N[col * m + col] = std::sqrt(N[col * m + col]);
    for (int row = col + 1; row < m; row++) {
      for (int q = 0; q < col; q++) N[row * m + col] -= N[row * m + q] * N[col * m + q];
      N[row * m + col] /= N[col * m + col];
    }
  }
  for (int c = 0; c < k; c++) {
    for (int u = 0; u < m; u++) {  // L z = r
      for (int q = 0; q < u; q++) r[u * k + c] -= N[u * m + q] * r[q * k + c];
      r[u * k + c] /= N[u * m + u];
    }
    for (int u = m - 1; u >= 0; u--) {  // L^T x = z
      for (int q = u + 1; q < m; q++) r[u * k + c] -= N[q * m + u] * r[q * k + c];
      r[u * k + c] /= N[u * m + u];
    }
  }
  return r;
}

Config group_config(const std::string& task, int neurons) {
  Config c;
  c.task = task;
  c.d_model = 64;
  c.n_heads = 2;
  c.d_head = 32;
  c.d_mlp = neurons;
  return c;
}

// `key`: indices into group_irreps(G).irreps (the basis's components); d_mlp / key.size() neurons each.
std::vector<NamedArray> planted_group_checkpoint(const Config& c, const std::vector<int>& key, float scale) {
  const OperationGroup g = Task(c).group();
  const std::vector<Irrep>& irreps = group_irreps(*g.G).irreps;
  const int n = g.n, V = n + 1, D = c.d_model, H = c.n_heads, Dh = c.d_head, M = c.d_mlp;
  const int K = static_cast<int>(key.size()), per = M / K;
  std::vector<int> offset;  // A_i at offset[i], B_i at + d^2, C_i at + 2 d^2; head dims at hd[i]
  std::vector<int> hd;
  int used = 0, head_used = 0;
  for (int k : key) {
    const int d2 = irreps[k].dim * irreps[k].dim;
    offset.push_back(used);
    hd.push_back(head_used);
    used += 3 * d2;
    head_used += d2;
  }
  const int P0 = used;
  if (P0 + 3 > D || head_used > Dh) throw std::logic_error("planted_group_checkpoint: widen the model");
  test::PlantedTransformer t = test::planted_routing(c, V, P0);  // heads 0, 1 attend to a, b
  NamedArray &WE = t.WE, &WV = t.WV, &WO = t.WO, &Win = t.Win, &bin = t.bin, &Wout = t.Wout, &WU = t.WU;
  std::mt19937 rng(11);
  std::normal_distribution<double> n01;
  for (int i = 0; i < K; i++) {
    const Irrep& rho = irreps[key[i]];
    const int d2 = rho.dim * rho.dim, A = offset[i], B = A + d2, C = B + d2;
    auto entry = [&](int element, int e) { return rho.matrices[static_cast<std::size_t>(element) * d2 + e]; };
    for (int t = 0; t < n; t++)
      for (int e = 0; e < d2; e++) {
        at(WE, (A + e) * V + g.token[t]) = static_cast<float>(entry(t, e));
        at(WU, (C + e) * V + g.token[t]) = scale * static_cast<float>(entry(t, e));
      }
    for (int h = 0; h < 2; h++)
      for (int e = 0; e < d2; e++) {
        at(WV, (h * Dh + hd[i] + e) * D + A + e) = 1;
        at(WO, ((h == 0 ? A : B) + e) * H * Dh + h * Dh + hd[i] + e) = 1;
      }
    // The neurons, and their activations over every pair (a, b) of elements.
    std::vector<double> acts(static_cast<std::size_t>(n) * n * per), target(static_cast<std::size_t>(n) * n * d2);
    for (int u = 0; u < per; u++) {
      const int j = i * per + u;
      std::vector<double> w(2 * d2);
      for (double& x : w) x = n01(rng) / std::sqrt(2.0 * d2);
      // Sums of rho over the group vanish, so <U, rho(a)> + <V, rho(b)> has mean 0 and a bias >= 0
      // keeps every neuron alive; its sd is 1 / sqrt(d).
      const double beta = 0.3 * std::abs(n01(rng)) / std::sqrt(double(rho.dim));
      at(bin, j) = static_cast<float>(beta);
      for (int e = 0; e < d2; e++) {
        at(Win, j * D + A + e) = static_cast<float>(w[e]);
        at(Win, j * D + B + e) = static_cast<float>(w[d2 + e]);
      }
      for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++) {
          double pre = beta;
          for (int e = 0; e < d2; e++) pre += w[e] * entry(a, e) + w[d2 + e] * entry(b, e);
          acts[(static_cast<std::size_t>(a) * n + b) * per + u] = std::max(0.0, pre);
        }
    }
    for (int a = 0; a < n; a++)
      for (int b = 0; b < n; b++)
        for (int e = 0; e < d2; e++) target[(static_cast<std::size_t>(a) * n + b) * d2 + e] = entry(g.compose(a, b), e);
    std::vector<double> R = least_squares(acts, target, n * n, per, d2);
    // Scale this irrep's neurons by mu (ReLU is homogeneous; R by 1 / mu keeps the logits) so that
    // W_L's energy per span dimension is the same for every key irrep, as the key rule weighs it.
    double energy = 0;
    for (int t = 0; t < n; t++)
      for (int u = 0; u < per; u++) {
        double wl = 0;
        for (int e = 0; e < d2; e++) wl += entry(t, e) * R[u * d2 + e];
        energy += wl * wl;
      }
    const double mu = std::sqrt(energy / rho.span_dim());
    for (double& x : R) x /= mu;
    for (int u = 0; u < per; u++) {
      at(bin, i * per + u) *= static_cast<float>(mu);
      for (int e = 0; e < 2 * d2; e++) at(Win, (i * per + u) * D + A + e) *= static_cast<float>(mu);
    }
    for (int u = 0; u < per; u++)
      for (int e = 0; e < d2; e++) at(Wout, (C + e) * M + i * per + u) = static_cast<float>(R[u * d2 + e]);
  }
  return t.arrays();
}

int irrep_index(const FiniteGroup& G, const std::string& name) {
  const std::vector<Irrep>& irreps = group_irreps(G).irreps;
  for (std::size_t k = 0; k < irreps.size(); k++)
    if (irreps[k].name == name) return static_cast<int>(k);
  throw std::logic_error("no irrep " + name);
}

const char* kQ8 =
    ",1,-1,i,-i,j,-j,k,-k\n1,1,-1,i,-i,j,-j,k,-k\n-1,-1,1,-i,i,-j,j,-k,k\ni,i,-i,-1,1,k,-k,-j,j\n"
    "-i,-i,i,1,-1,-k,k,j,-j\nj,j,-j,-k,k,-1,1,i,-i\n-j,-j,j,k,-k,1,-1,-i,i\nk,k,-k,j,-j,-i,i,-1,1\n"
    "-k,-k,k,-j,j,i,-i,1,-1\n";

}  // namespace

class TestPlantedGroups : public QObject {
  Q_OBJECT

 private slots:
  void plantedIrrepsAreFound_data() {
    QTest::addColumn<QString>("task");
    QTest::addColumn<QStringList>("irreps");  // together faithful, so that they solve the task
    QTest::newRow("product") << "Z2xZ2xZ3" << QStringList{"k=(1,0,0)", "k=(0,1,0)", "k=(0,0,1)"};
    QTest::newRow("dihedral") << "D7" << QStringList{"rotation 2"};
    QTest::newRow("symmetric") << "S4" << QStringList{"standard"};
    QTest::newRow("alternating") << "A4" << QStringList{"3"};
    QTest::newRow("table") << "table:Q8" << QStringList{"4 (quaternionic)"};
  }
  void plantedIrrepsAreFound() {
    QFETCH(QString, task);
    QFETCH(QStringList, irreps);
    QTemporaryDir dir;
    if (task == "table:Q8") {
      task = "table:" + dir.path() + "/q8.csv";
      std::ofstream(task.mid(6).toStdString()) << kQ8;
    }
    Config c = group_config(task.toStdString(), 1);
    const OperationGroup g = Task(c).group();
    c.d_mlp = g.n * g.n * static_cast<int>(irreps.size());  // enough neurons to read rho(a b) out exactly
    std::vector<int> key;
    for (const QString& name : irreps) key.push_back(irrep_index(*g.G, name.toStdString()));
    const FourierBasis F(g);
    QVERIFY(!F.cyclic());
    const CheckpointWeights w(c, planted_group_checkpoint(c, key, 8.0f));
    const Snapshot s = compute_snapshot(c, 0, w, make_dataset(c), std::nullopt, F);
    std::vector<int> sorted = key;
    std::sort(sorted.begin(), sorted.end());
    QCOMPARE(s.detected.freqs, sorted);
    const ProgressMeasures& m = s.measures;
    QCOMPARE(m.key_freqs, sorted);
    QCOMPARE(m.test_acc, 1.0);
    QCOMPARE(m.restricted_acc_test, 1.0);
    QVERIFY2(m.restricted_loss_test < 0.05, qPrintable(QString::number(m.restricted_loss_test)));
    // Without the key irreps the logits are flat: chance.
    QVERIFY2(m.excluded_loss_train > 0.99 * std::log(double(g.n)), qPrintable(QString::number(m.excluded_loss_train)));
    for (double e : m.excluded_loss_per_key) QVERIFY2(e > 10 * m.train_loss, qPrintable(QString::number(e)));
    QVERIFY2(m.logits_explained > 0.99, qPrintable(QString::number(m.logits_explained)));
    // Every neuron is explained by its own irrep (mean FVE 0.85-0.98 here; the ReLU adds the rest)'s entries of rho(a),
    // rho(b), rho(a b).
    const int per = c.d_mlp / static_cast<int>(key.size());
    double fve = 0;
    for (int j = 0; j < c.d_mlp; j++) {
      QVERIFY2(s.neurons.freq[j] == key[j / per], qPrintable(QString("neuron %1: %2").arg(j).arg(s.neurons.freq[j])));
      fve += s.neurons.fve[j] / c.d_mlp;
    }
    QVERIFY2(fve > 0.8, qPrintable(QString::number(fve)));
  }
};

GROK_TEST_APPLESS_MAIN(TestPlantedGroups)
#include "test_planted_groups.moc"
