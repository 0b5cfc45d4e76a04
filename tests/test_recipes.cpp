// The follow-up recipes (training/internal/recipes.h) against direct transcriptions of their
// papers' formulas on a tiny model, resume bit for bit with each switched on, and the numerics
// (step_numerics.h) against brute-force loops.
#include <QtTest>

#include <ATen/ATen.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/internal/transformer.h"
#include "core/store/run_store.h"
#include "core/training/internal/cross_entropy.h"
#include "core/training/internal/recipes.h"
#include "core/training/internal/step_numerics.h"
#include "core/training/internal/train_step.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

namespace {

Config recipe_config(const std::vector<std::string>& changes) {
  Config c = test::tiny_config(/*p=*/13, /*epochs=*/40, /*checkpoint_interval=*/10, /*test_interval=*/5);
  for (const std::string& s : changes) set_config_value(c, s);
  return c;
}

// Gives every parameter a fresh random gradient; returns them as float64 copies.
std::vector<at::Tensor> random_grads(Weights& w) {
  std::vector<at::Tensor> out;
  for (auto& [name, t] : w.named()) {
    t->mutable_grad() = at::randn_like(*t);
    out.push_back(t->grad().to(at::kDouble));
  }
  return out;
}

// max |a - b| / (1 + max |b|) over a float tensor and its float64 expectation.
double rel_error(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kDouble) - b).abs().max().item<double>() / (1.0 + b.abs().max().item<double>());
}

double dot_loop(const at::Tensor& a, const at::Tensor& b) {
  const at::Tensor x = a.reshape(-1).to(at::kDouble), y = b.reshape(-1).to(at::kDouble);
  double s = 0;
  for (std::int64_t i = 0; i < x.numel(); i++) s += x[i].item<double>() * y[i].item<double>();
  return s;
}

// -mean log(s(x_c) / sum_j s(x_j)) in plain double loops: the StableMax loss as Prieto et al. define it.
double stablemax_loss_direct(const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor x = logits.to(at::kDouble).contiguous();
  double total = 0;
  for (std::int64_t i = 0; i < x.size(0); i++) {
    double sum = 0, mine = 0;
    for (std::int64_t j = 0; j < x.size(1); j++) {
      const double v = x[i][j].item<double>(), s = v >= 0 ? v + 1 : 1 / (1 - v);
      sum += s;
      if (j == labels[i].item<std::int64_t>()) mine = s;
    }
    total += -std::log(mine / sum);
  }
  return total / static_cast<double>(x.size(0));
}

std::vector<NamedArray> last_checkpoint(const std::string& path) {
  const RunStore s = RunStore::open(path);
  return s.load_checkpoint(s.checkpoint_epochs().back());
}

void train(Trainer t) {
  std::atomic<bool> stop{false};
  t.run(stop);
}

}  // namespace

class TestRecipes : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void init() { at::manual_seed(7); }

  // Grokfast EMA: mu starts at the first gradient, mu <- alpha mu + (1 - alpha) g, g <- g + lambda mu.
  void emaFilterFollowsTheFormula() {
    const Config c = recipe_config({"grad_filter=ema", "grokfast_alpha=0.9", "grokfast_lambda=2"});
    Weights w = init_weights(c);
    w.set_requires_grad(true);
    GradFilterState f(c, w);
    std::vector<at::Tensor> mu;
    for (int step = 0; step < 5; step++) {
      const std::vector<at::Tensor> g = random_grads(w);
      f.apply(w);
      if (mu.empty()) mu = g;
      const auto params = w.named();
      for (std::size_t i = 0; i < g.size(); i++) {
        mu[i] = 0.9 * mu[i] + (1 - 0.9) * g[i];
        QVERIFY2(rel_error(params[i].second->grad(), g[i] + 2 * mu[i]) < 1e-6, params[i].first.c_str());
      }
    }
  }

  // Grokfast MA: nothing until `window` gradients are held, then g <- g + lambda mean(last window).
  void maFilterWaitsForAFullWindow() {
    const Config c = recipe_config({"grad_filter=ma", "grokfast_window=3", "grokfast_lambda=5"});
    Weights w = init_weights(c);
    w.set_requires_grad(true);
    GradFilterState f(c, w);
    std::vector<std::vector<at::Tensor>> seen;
    for (int step = 0; step < 6; step++) {
      const std::vector<at::Tensor> g = random_grads(w);
      seen.push_back(g);
      f.apply(w);
      const auto params = w.named();
      for (std::size_t i = 0; i < g.size(); i++) {
        at::Tensor expected = g[i].clone();
        if (step >= 2) expected += 5 * (seen[step][i] + seen[step - 1][i] + seen[step - 2][i]) / 3;
        QVERIFY2(rel_error(params[i].second->grad(), expected) < 1e-6, params[i].first.c_str());
      }
    }
    QCOMPARE(f.state().size(), 3 * w.named().size());  // the window, for resume
  }

  // ⊥Grad: orthogonal to the weights, at the gradient's own norm, equal to the projection formula.
  void orthogonalGradientIsOrthogonalAtTheSameNorm() {
    Weights w = init_weights(recipe_config({}));
    w.set_requires_grad(true);
    const std::vector<at::Tensor> g = random_grads(w);
    orthogonalize_gradients(w);
    const auto params = w.named();
    for (std::size_t i = 0; i < g.size(); i++) {
      const at::Tensor& t = *params[i].second;
      const at::Tensor out = t.grad();
      const double ww = dot_loop(t, t), wg = dot_loop(t, g[i]), gg = dot_loop(g[i], g[i]);
      at::Tensor expected = g[i] - (ww > 0 ? wg / ww : 0.0) * t.detach().to(at::kDouble);
      expected = expected * std::sqrt(gg / dot_loop(expected, expected));
      QVERIFY2(rel_error(out, expected) < 1e-6, params[i].first.c_str());
      QVERIFY(std::abs(std::sqrt(dot_loop(out, out)) - std::sqrt(gg)) < 1e-5 * std::sqrt(gg));
      if (ww > 0) QVERIFY(std::abs(dot_loop(t, out)) < 1e-5 * std::sqrt(ww * gg));
    }
  }

  // StableMax's loss equals the formula, and its gradient central finite differences of it.
  void stablemaxLossAndGradient() {
    const at::Tensor logits = (at::randn({6, 14}) * 4).requires_grad_(true);
    const at::Tensor labels = at::randint(0, 14, {6}, at::kLong);
    const at::Tensor loss = run_loss(logits, labels, LossKind::StableMax, 14);
    QCOMPARE(loss.scalar_type(), at::kDouble);
    QVERIFY(std::abs(loss.item<double>() - stablemax_loss_direct(logits.detach(), labels)) < 1e-12);
    loss.backward();
    const at::Tensor x = logits.detach().to(at::kDouble);
    for (std::int64_t i = 0; i < 6; i++)
      for (std::int64_t j = 0; j < 14; j++) {
        const double h = 1e-6;
        at::Tensor up = x.clone(), down = x.clone();
        up[i][j] += h;
        down[i][j] -= h;
        const double fd = (stablemax_loss_direct(up, labels) - stablemax_loss_direct(down, labels)) / (2 * h);
        QVERIFY2(std::abs(logits.grad()[i][j].item<double>() - fd) < 1e-6, qPrintable(QString::number(fd)));
      }
  }

  // mse is nn.MSELoss against the one-hot label over the task's n outputs (Gromov 2023): the mean
  // of N x n squares, the transformer's '=' logit (the last column) left out.
  void mseLossIsTheMeanSquareOverTheOutputs() {
    const at::Tensor logits = at::randn({5, 12}), labels = at::randint(0, 11, {5}, at::kLong);
    double sum = 0;
    for (int i = 0; i < 5; i++)
      for (int j = 0; j < 11; j++) {
        const double d = logits[i][j].item<double>() - (labels[i].item<std::int64_t>() == j ? 1.0 : 0.0);
        sum += d * d;
      }
    const at::Tensor loss = run_loss(logits, labels, LossKind::Mse, 11);
    QCOMPARE(loss.scalar_type(), at::kDouble);
    QVERIFY(std::abs(loss.item<double>() - sum / 55) < 1e-12);
  }

  // Training's mse takes its gradient in one pass (recipes.cpp, OneHotMse): the value and the
  // logits' gradient bit for bit autograd's through the float64 difference, square and mean, with
  // the '=' column left out or not, for an incoming gradient of 1 and of 3.
  void mseGradientIsAutogradsBitForBit() {
    for (const std::int64_t V : {11, 12})
      for (const double scale : {1.0, 3.0}) {
        const at::Tensor base = at::randn({300, V}), labels = at::randint(0, 11, {300}, at::kLong);
        const at::Tensor x1 = base.clone().requires_grad_(true), x2 = base.clone().requires_grad_(true);
        const at::Tensor fused = run_loss(x1, labels, LossKind::Mse, 11);
        const at::Tensor plain =
            (x2.narrow(1, 0, 11).to(at::kDouble) - at::one_hot(labels, 11).to(at::kDouble)).pow(2).mean();
        QCOMPARE(fused.item<double>(), plain.item<double>());
        (fused * scale).backward();
        (plain * scale).backward();
        const at::Tensor g1 = x1.grad().contiguous(), g2 = x2.grad().contiguous();
        QVERIFY(std::memcmp(g1.data_ptr(), g2.data_ptr(), g1.nbytes()) == 0);
      }
  }

  // softmax32 is the float32 log-softmax (the loss that collapses); softmax64 is the float64
  // cross-entropy the paper's runs use, to ~1e-15 relative (the fused kernel's exp is ~1 ulp), and
  // bit for bit the training step's loss.
  void softmaxLossesInTheirPrecision() {
    const at::Tensor logits = at::randn({8, 14}) * 3, labels = at::randint(0, 14, {8}, at::kLong);
    const at::Tensor l32 = run_loss(logits, labels, LossKind::Softmax32, 14);
    QCOMPARE(l32.scalar_type(), at::kFloat);
    QVERIFY(std::abs(l32.item<double>() - cross_entropy_f64(logits, labels).item<double>()) < 1e-5);
    const double l64 = run_loss(logits, labels, LossKind::Softmax64, 14).item<double>();
    QCOMPARE(run_loss(logits, labels, LossKind::Softmax64, 14).scalar_type(), at::kDouble);
    QVERIFY(std::abs(l64 - cross_entropy_f64(logits, labels).item<double>()) < 1e-14 * (1 + std::abs(l64)));
    QCOMPARE(l64, cross_entropy64(logits, labels).first.item<double>());
  }

  // Omnigrok: the initial weights scaled by init_scale, their global norm held through training.
  void constantNormIsHeld() {
    const Config c = recipe_config({"init_scale=0.8", "norm_constraint=global", "weight_decay=0"});
    const Weights plain = init_weights(recipe_config({})), scaled = init_weights(c);
    for (std::size_t i = 0; i < plain.list().size(); i++) QVERIFY(at::equal(scaled.list()[i], plain.list()[i] * 0.8));
    TrainStep step(c, init_weights(c), make_batch(make_dataset(c).train));
    const double target = global_norm(scaled);
    QCOMPARE(step.norm_target(), target);
    for (int e = 0; e < 8; e++) {
      step.run(e);
      QVERIFY(std::abs(global_norm(step.weights()) - target) < 1e-6 * target);
    }
  }

  void resumeIsBitIdentical_data() {
    QTest::addColumn<QStringList>("changes");
    QTest::newRow("grokfast ema") << QStringList{"grad_filter=ema"};
    QTest::newRow("grokfast ma") << QStringList{"grad_filter=ma", "grokfast_window=4"};
    QTest::newRow("orthograd") << QStringList{"orthogonal_gradient=true", "weight_decay=0"};
    QTest::newRow("stablemax") << QStringList{"loss=stablemax", "weight_decay=0"};
    QTest::newRow("softmax32") << QStringList{"loss=softmax32", "weight_decay=0"};
    QTest::newRow("constant norm") << QStringList{"init_scale=0.8", "norm_constraint=global", "weight_decay=0"};
  }
  // 40 epochs straight, or 20 then resumed to 40: the same metrics, numerics and weights, bit for bit.
  void resumeIsBitIdentical() {
    QFETCH(QStringList, changes);
    std::vector<std::string> sets;
    for (const QString& s : changes) sets.push_back(s.toStdString());
    const Config c = recipe_config(sets);
    test::ScratchDir dir;
    const std::string straight = dir.file("straight.grok"), resumed = dir.file("resumed.grok");
    train(Trainer::start(c, straight, false, {1}));
    Config half = c;
    half.epochs = 20;
    train(Trainer::start(half, resumed, false, {1}));
    train(Trainer::resume(resumed, 40, {1}));
    const auto a = last_checkpoint(straight), b = last_checkpoint(resumed);
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); i++) QVERIFY2(a[i].bytes == b[i].bytes, a[i].name.c_str());
    const RunStore sa = RunStore::open(straight), sb = RunStore::open(resumed);
    QCOMPARE(sa.metrics().back().train_loss, sb.metrics().back().train_loss);
    QCOMPARE(sa.metrics().back().test_loss, sb.metrics().back().test_loss);
    const auto na = sa.numerics(), nb = sb.numerics();
    QCOMPARE(na.size(), nb.size());
    QCOMPARE(na.back().values.at("cos_wg"), nb.back().values.at("cos_wg"));
  }

  // Synthetic logits: collapsed rows (one logit 200 above the rest: the others' exp underflow in
  // float32) and ordinary ones, counted by a loop in float32.
  void collapseAndZeroLossCountedExactly() {
    at::Tensor logits = at::randn({10, 12});
    for (int i : {1, 4, 7}) logits[i][3] = 200.0;
    const at::Tensor labels = at::full({10}, 3, at::kLong);
    const at::Tensor picked = log_probs(logits, LossKind::Softmax32).gather(1, labels.unsqueeze(1));
    NumericsRecord r;
    add_forward_numerics(logits, picked, r);
    int collapsed = 0, zero = 0;
    for (int i = 0; i < 10; i++) {
      float mx = -INFINITY, sum = 0;
      for (int j = 0; j < 12; j++) mx = std::max(mx, logits[i][j].item<float>());
      for (int j = 0; j < 12; j++) sum += std::exp(logits[i][j].item<float>() - mx);
      collapsed += sum == 1.0f;
      zero += picked[i][0].item<float>() == 0.0f;
    }
    QCOMPARE(collapsed, 3);
    QCOMPARE(r.values.at("softmax_collapse"), collapsed / 10.0);
    QCOMPARE(r.values.at("zero_loss"), zero / 10.0);
  }

  // A trained run's stored numerics at a checkpoint: the norms of its weights and cos(w, g) of the
  // gradient recomputed from them, by loops in float64.
  void storedNumericsMatchTheCheckpoint() {
    const Config c = recipe_config({"loss=softmax32", "weight_decay=0"});
    test::ScratchDir dir;
    const std::string path = dir.file("run.grok");
    train(Trainer::start(c, path, false, {1}));
    const RunStore s = RunStore::open(path);
    const auto numerics = s.numerics();
    QCOMPARE(numerics.size(), std::size_t(8));  // epochs 0, 5, .. 35: the last epoch has no update
    const NumericsRecord& r = numerics[2];
    QCOMPARE(r.epoch, 10);
    Weights w = weights_from_checkpoint(c, s.load_checkpoint(10));
    w.set_requires_grad(true);
    const Batch train_batch = make_batch(make_dataset(c).train);
    run_loss(forward_fast(w, train_batch), train_batch.labels, c.loss, c.p).backward();
    double ww = 0, wg = 0, gg = 0;
    for (const auto& [name, t] : w.named()) {
      const double tw = dot_loop(*t, *t);
      QVERIFY(std::abs(r.values.at("norm:" + name) - std::sqrt(tw)) < 1e-9 * (1 + std::sqrt(tw)));
      ww += tw, wg += dot_loop(*t, t->grad()), gg += dot_loop(t->grad(), t->grad());
    }
    QVERIFY(std::abs(r.values.at("norm") - std::sqrt(ww)) < 1e-9 * std::sqrt(ww));
    QVERIFY(std::abs(r.values.at("cos_wg") - wg / std::sqrt(ww * gg)) < 1e-6);
    QVERIFY(std::isnan(r.values.at("cos_wg:blocks.0.mlp.b_out")) || r.epoch > 0);
    QCOMPARE(r.values.at("softmax_collapse"), 0.0);  // a model 10 epochs old is far from collapse
  }
};

GROK_TEST_APPLESS_MAIN(TestRecipes)
#include "test_recipes.moc"
