// The MLP families (core/model/mlp_families.cpp): each forward against an explicit loop over its
// weights, each family's gathered first layer against the product it replaces (logits and every
// gradient), the analysis on a planted Gromov solution (every neuron one frequency: IPR 1, the
// embeddings on circles, accuracy 1), and a short run of each family analysed end to end.
#include <QtTest>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <cstring>
#include <random>

#include "core/analysis/checkpoint_analyzer.h"
#include "core/analysis/measure_registry.h"
#include "core/analysis/mechanism.h"
#include "core/model/anatomy_maps.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/pair_sum_activation.h"
#include "core/model/internal/weights.h"
#include "test_util.h"

using namespace grok;

namespace {

Config mlp_config(const std::string& model, Activation act) {
  Config c;
  c.model = model;
  c.p = 7;
  c.d_model = 5;
  c.d_mlp = 6;
  c.activation = act;
  c.seed = 3;
  return c;
}

double act_of(Activation a, double x) {
  if (a == Activation::Quadratic) return x * x;
  if (a == Activation::Gelu) return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  return std::max(0.0, x);
}

// The logits of (a, b) computed entry by entry from the stored weights.
std::vector<double> loop_logits(const Config& c, const Weights& w, int a, int b) {
  const int n = c.p, D = c.d_model, M = c.d_mlp;
  std::vector<double> h(M), out(n, 0.0);
  if (c.model == "mlp") {  // act(cat(W_x[a], W_y[b]) W) W_U
    const at::Tensor Wx = w.get("W_x"), Wy = w.get("W_y"), W = w.get("W"), WU = w.get("W_U");
    for (int m = 0; m < M; m++) {
      double s = 0;
      for (int d = 0; d < D; d++)
        s += Wx[a][d].item<double>() * W[d][m].item<double>() + Wy[b][d].item<double>() * W[D + d][m].item<double>();
      h[m] = act_of(c.activation, s);
    }
    for (int k = 0; k < n; k++)
      for (int m = 0; m < M; m++) out[k] += h[m] * WU[m][k].item<double>();
  } else {  // fc2(act(fc1 [onehot(a), onehot(b)]))
    const at::Tensor f1 = w.get("fc1.weight"), f2 = w.get("fc2.weight");
    for (int m = 0; m < M; m++) h[m] = act_of(c.activation, f1[m][a].item<double>() + f1[m][n + b].item<double>());
    for (int k = 0; k < n; k++)
      for (int m = 0; m < M; m++) out[k] += f2[k][m].item<double>() * h[m];
  }
  return out;
}

// Gromov's analytic solution (Gromov 2023, eq. 7) on (a + b) mod p: neuron m of frequency s_m with
// phases phi, psi has U = cos(w a + phi), V = cos(w b + psi), W_out[q] = cos(w q + phi + psi)
// (w = 2 pi s / p); x^2 makes (U + V)^2 carry cos(w (a + b) + phi + psi), which W_out reads at
// q = a + b. The J = 8 neurons of a frequency take phi = 2 pi j / J, psi = 2 phi: every other
// product's phase is m phi with 0 < m < 8, which sums to zero over j, so the logits are exactly
// 4 sum_s cos(w (a + b - q)). Frequency s gets amplitude 1 + s / 4 (cancelled in W_out) so that
// the embeddings' principal components are frequencies one by one. Neurons past the first
// `periodic` have small random inputs and no output: the kind pruning by IPR drops.
std::vector<NamedArray> planted_gromov(const Config& c, int periodic) {
  const int p = c.p, M = c.d_mlp, K = (p - 1) / 2;
  at::Tensor f1 = at::zeros({M, 2 * p}), f2 = at::zeros({p, M});
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> junk(-0.01f, 0.01f);
  for (int m = periodic; m < M; m++)
    for (int x = 0; x < 2 * p; x++) f1[m][x] = junk(rng);
  for (int m = 0; m < periodic; m++) {
    const int s = 1 + m % K;
    const double w = 2 * M_PI * s / p, amp = 1 + s / 4.0, phi = 2 * M_PI * (m / K) / 8, psi = 2 * phi;
    for (int x = 0; x < p; x++) {
      f1[m][x] = amp * std::cos(w * x + phi);
      f1[m][p + x] = amp * std::cos(w * x + psi);
      f2[x][m] = std::cos(w * x + phi + psi) / (amp * amp);
    }
  }
  return {to_named_array("fc1.weight", f1), to_named_array("fc2.weight", f2)};
}

}  // namespace

class TestMlpFamilies : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void forwardMatchesAnExplicitLoop_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("activation");
    for (const char* m : {"mlp", "quadratic-mlp"})
      for (auto [name, a] : {std::pair{"relu", Activation::Relu}, std::pair{"gelu", Activation::Gelu},
                             std::pair{"quadratic", Activation::Quadratic}})
        QTest::newRow(qPrintable(QString("%1, %2").arg(m, name))) << QString(m) << static_cast<int>(a);
  }
  void forwardMatchesAnExplicitLoop() {
    QFETCH(QString, model);
    QFETCH(int, activation);
    const Config c = mlp_config(model.toStdString(), static_cast<Activation>(activation));
    const ModelFamilyImpl& f = model_impl(c);
    const Weights w = f.init(c);
    const Batch x = all_pairs(c.p);
    ForwardCache cache;
    const at::Tensor fast = f.forward(c, w, x, {}, &cache), plain = f.forward_reference(c, w, x, {}, nullptr);
    QCOMPARE(fast.size(1), std::int64_t(c.p));  // the task's n outputs: no '=' token
    QCOMPARE(cache.mlp_post.size(), std::size_t(1));
    QCOMPARE(cache.mlp_post[0].size(1), std::int64_t(c.d_mlp));
    for (int a = 0; a < c.p; a++)
      for (int b = 0; b < c.p; b++) {
        const std::vector<double> want = loop_logits(c, w, a, b);
        for (int k = 0; k < c.p; k++) {
          QVERIFY(std::abs(fast[a * c.p + b][k].item<double>() - want[k]) < 1e-5);
          QVERIFY(std::abs(plain[a * c.p + b][k].item<double>() - want[k]) < 1e-5);
        }
      }
  }

  // Training differentiates forward(); its gathered first layer must give the plain product's
  // gradients (forward_reference: [onehot(a), onehot(b)] fc1^T for Gromov's, the concatenated
  // embeddings times W for Chughtai's), for the cross-entropy and the MSE, with each activation.
  void gatheredLayerHasTheProductsGradients() {
    for (const char* model : {"quadratic-mlp", "mlp"})
      for (Activation act : {Activation::Quadratic, Activation::Relu, Activation::Gelu})
        for (LossKind loss : {LossKind::Softmax64, LossKind::Mse}) {
          Config c = mlp_config(model, act);
          c.loss = loss;
          const ModelFamilyImpl& f = model_impl(c);
          Batch x = all_pairs(c.p);
          x.labels = (x.a + x.b).remainder(c.p);
          std::vector<at::Tensor> grads[2];
          for (int plain = 0; plain < 2; plain++) {
            Weights w = f.init(c);
            for (auto& [name, t] : w.named()) t->requires_grad_(true);
            const at::Tensor logits =
                plain ? f.forward_reference(c, w, x, {}, nullptr) : f.forward(c, w, x, {}, nullptr);
            const at::Tensor l =
                loss == LossKind::Mse
                    ? (logits.to(at::kDouble) - at::one_hot(x.labels, c.p).to(at::kDouble)).pow(2).mean()
                    : cross_entropy_f64(logits, x.labels);
            l.backward();
            for (auto& [name, t] : w.named()) grads[plain].push_back(t->grad().clone());
          }
          for (std::size_t i = 0; i < grads[0].size(); i++) QVERIFY(at::allclose(grads[0][i], grads[1][i], 1e-5, 1e-6));
        }
  }

  // The fused hidden layer on two tokens' rows (pair_sum_activation.h) is ATen's index_select, add
  // and square or ReLU bit for bit, forward and backward, in float32 and float64, on one thread and
  // two, with rows that both operands share, rows many pairs read, and exact zeros, negative zeros
  // and NaNs for the ReLU's edges.
  void fusedHiddenLayerIsAtensBitForBit() {
    auto same_bits = [](const at::Tensor& a, const at::Tensor& b) {
      const at::Tensor x = a.contiguous(), y = b.contiguous();
      return x.sizes() == y.sizes() && std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0;
    };
    const int before = at::get_num_threads();
    for (const Activation act : {Activation::Quadratic, Activation::Relu})
      for (const auto dtype : {at::kFloat, at::kDouble})
        for (int threads : {1, 2}) {
          at::set_num_threads(threads);
          const std::int64_t R = 23, M = 77, N = 300;
          const at::Tensor T0 = at::randn({R, M}, at::TensorOptions().dtype(dtype));
          T0[0].zero_(), T0[1].fill_(-0.0), T0[2][5] = NAN;  // 0 + 0, -0 + -0, NaN
          at::Tensor ia = at::randint(0, R, {N}, at::kLong), ib = at::randint(0, R, {N}, at::kLong);
          ia[0] = 0, ib[0] = 0, ia[1] = 1, ib[1] = 1, ia[2] = 2;
          const at::Tensor dh = at::randn({N, M}, at::TensorOptions().dtype(dtype));
          auto run = [&](bool fused) {
            const at::Tensor T = T0.clone().requires_grad_(true);
            at::Tensor h;
            if (fused) {
              h = pair_sum_activation(T, ia, ib, act);
            } else {
              const at::Tensor pre = T.index_select(0, ia) + T.index_select(0, ib);
              h = act == Activation::Quadratic ? pre * pre : at::relu(pre);
            }
            h.backward(dh);
            return std::make_pair(h.detach(), T.grad());
          };
          const auto [h_fused, g_fused] = run(true);
          const auto [h_aten, g_aten] = run(false);
          QVERIFY(same_bits(h_fused, h_aten));
          QVERIFY(same_bits(g_fused, g_aten));
          QVERIFY_THROWS_EXCEPTION(c10::Error, pair_sum_activation(T0, ia, ib + R, act));  // rows outside T: refused
        }
    QVERIFY_THROWS_EXCEPTION(c10::Error, pair_sum_activation(at::zeros({2, 3}), at::zeros({1}, at::kLong),
                                                             at::zeros({1}, at::kLong), Activation::Gelu));
    at::set_num_threads(before);
  }

  // Chughtai's constructor draws W_x, W_y, W, W_U with randn / sqrt(fan-in) from torch.manual_seed
  // in that order; Gromov's fcn normal(0, 0.5 / (2 M)^(1/3)).
  void initialisationIsTheAuthors() {
    const Config c = mlp_config("mlp", Activation::Relu);
    const Weights w = model_impl(c).init(c);
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(c.seed);
    const at::Tensor Wx = at::randn({c.p, c.d_model}, gen) / std::sqrt(double(c.d_model));
    const at::Tensor Wy = at::randn({c.p, c.d_model}, gen) / std::sqrt(double(c.d_model));
    const at::Tensor W = at::randn({2 * c.d_model, c.d_mlp}, gen) / std::sqrt(2.0 * c.d_model);
    QVERIFY(at::equal(w.get("W_x"), Wx) && at::equal(w.get("W_y"), Wy) && at::equal(w.get("W"), W));
    Config g = mlp_config("quadratic-mlp", Activation::Quadratic);
    g.d_mlp = 500;
    const double sd = model_impl(g).init(g).get("fc1.weight").std().item<double>();
    QVERIFY(std::abs(sd - 0.5 / std::cbrt(1000.0)) < 0.002);
  }

  // The anatomy's maps (anatomy_maps.h) read each family's tensors as the analysis needs them.
  void anatomyMapsReadTheFamiliesTensors() {
    const Config c = mlp_config("mlp", Activation::Relu);
    const Weights w = model_impl(c).init(c);
    const std::vector<NamedArray> ck = to_named_arrays(w);
    const std::vector<int> tokens = {3, 0, 6};
    const Matrix64 eb = operand_embedding(c, ck, 1, tokens);  // W_y's rows
    QCOMPARE(eb.rows, std::int64_t(3));
    QCOMPARE(eb.cols, std::int64_t(c.d_model));
    QCOMPARE(eb(0, 2), w.get("W_y")[3][2].item<double>());
    const Matrix64 in_b = neuron_inputs(c, ck, 1, tokens);  // W_y[t] W[D:, :]
    const at::Tensor want =
        at::matmul(w.get("W_y")[6].to(at::kDouble), w.get("W").narrow(0, c.d_model, c.d_model).to(at::kDouble));
    for (int m = 0; m < c.d_mlp; m++) QVERIFY(std::abs(in_b(2, m) - want[m].item<double>()) < 1e-12);
    const Matrix64 wl = logit_map(c, ck, tokens);  // W_U^T's rows
    QCOMPARE(wl.cols, std::int64_t(c.d_mlp));
    QCOMPARE(wl(1, 4), w.get("W_U")[4][0].item<double>());
    const Config g = mlp_config("quadratic-mlp", Activation::Quadratic);
    const std::vector<NamedArray> gk = to_named_arrays(model_impl(g).init(g));
    const Weights gw = model_impl(g).init(g);
    QCOMPARE(neuron_inputs(g, gk, 1, tokens)(0, 5), gw.get("fc1.weight")[5][g.p + 3].item<double>());
    QCOMPARE(logit_map(g, gk, tokens)(2, 1), gw.get("fc2.weight")[6][1].item<double>());
  }

  void plantedGromovSolution() {
    Config c = mlp_config("quadratic-mlp", Activation::Quadratic);
    c.p = 13;
    c.d_mlp = 2 * 6 * 8;  // J = 8 neurons per frequency, and as many without an output
    c.train_fraction = 0.5;
    c.label_noise = 0.3;
    const std::vector<NamedArray> ck = planted_gromov(c, c.d_mlp / 2);
    const CheckpointWeights weights(c, ck);
    const FourierBasis F(Task(c).group());
    const std::vector<double> ipr = neuron_iprs(weights, F);
    for (int m = 0; m < c.d_mlp; m++)
      QVERIFY2(m < c.d_mlp / 2 ? std::abs(ipr[m] - 1) < 1e-9 : ipr[m] < 0.7, qPrintable(QString::number(ipr[m])));
    const double circ = circularity(c, weights);
    QVERIFY2(circ > 0.999, qPrintable(QString::number(circ)));
    const CheckpointAnalyzer analyzer(c);
    const CheckpointAnalysis a = analyzer.analyze(0, analyzer.weights(ck), std::nullopt, "live");
    QCOMPARE(a.measures.test_acc, 1.0);
    // Pruning by IPR keeps the periodic half, which computes the task: the true labels of the
    // corrupted pairs, not the ones they were given (pruning_checks.h).
    std::map<std::string, double> acc;
    for (const CheckRow& r : a.checks.rows)
      if (r.check.rfind("keep the periodic half", 0) == 0) acc[r.check.substr(r.check.find(": ") + 2)] = r.accuracy;
    QCOMPARE(acc.size(), std::size_t(4));
    QCOMPARE(acc["test pairs"], 1.0);
    QCOMPARE(acc["clean training pairs"], 1.0);
    QCOMPARE(acc["corrupted pairs, true labels"], 1.0);
    QVERIFY(acc["corrupted pairs, given labels"] < 0.2);
    // An embedding per operand: the spectra are per operand, about equal here, the joint one theirs.
    QCOMPARE(a.spectra.we_norms_a.size(), std::size_t(c.p));
    for (int r = 0; r < c.p; r++) {
      const double na = a.spectra.we_norms_a[r], nb = a.spectra.we_norms_b[r];  // up to the small junk
      QVERIFY(r == 0 || std::abs(na - nb) <= 2e-2 * na);  // (the constant component is the junk's alone)
      QVERIFY(std::abs(a.spectra.we_norms[r] - std::hypot(na, nb)) < 1e-12 * (1 + na));
    }
    // Gradient symmetricity compares gradients in one embedding space: undefined, with the reason.
    const auto undefined = undefined_measures(c);
    QVERIFY(undefined.count("gradient_symmetricity") == 1);
    QVERIFY(undefined.count("mean_ipr") == 0);
  }

  // A few epochs of each family through the Trainer, analysed as the window and `analyze` do.
  void shortRunsAnalyse() {
    for (const char* model : {"mlp", "quadratic-mlp"}) {
      Config c = mlp_config(model, std::string(model) == "mlp" ? Activation::Relu : Activation::Quadratic);
      c.p = 11;
      c.d_model = 16;
      c.d_mlp = 32;
      c.epochs = 40;
      c.checkpoint_interval = 20;
      c.test_interval = 5;
      c.warmup_steps = 0;
      test::ScratchDir dir;
      const std::string path = dir.file("run.grok");
      test::train_run(c, path);
      const Snapshot s = test::snapshot_of(path, 40);
      QCOMPARE(s.n_heads, 0);
      QCOMPARE(s.d_mlp, c.d_mlp);
      QCOMPARE(s.neuron_acts.size(), std::size_t(c.p * c.p * c.d_mlp));
      QCOMPARE(s.neuron_ipr.size(), std::size_t(c.d_mlp));
      QVERIFY(!s.spectra.we_norms_b.empty());
    }
  }
};

GROK_TEST_APPLESS_MAIN(TestMlpFamilies)
#include "test_mlp_families.moc"
