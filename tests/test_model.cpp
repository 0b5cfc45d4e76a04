// The model against the reference: initial weights match PyTorch's for the same seed, the fast
// path matches the plain all-positions forward (logits and every gradient), AdamW matches
// torch::optim::AdamW.
#include <QtTest>

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include <thread>
#include <vector>

#include "core/data/dataset.h"
#include "core/model/internal/attention_pattern.h"
#include "core/model/internal/one_layer_operands.h"
#include "core/model/internal/table_mix.h"
#include "core/model/internal/transformer.h"
#include "core/runtime/compute_thread.h"
#include "core/runtime/simd_kernels.h"
#include "core/training/internal/adamw.h"
#include "test_util.h"

using namespace grok;

namespace {

// max |a - b| / max |b|: the tolerance unit of these tests.
double rel_diff(const at::Tensor& a, const at::Tensor& b) {
  const double scale = b.abs().max().item<double>();
  return (a - b).abs().max().item<double>() / (scale > 0 ? scale : 1.0);
}

// Weights away from initialisation: non-zero biases and a sharper attention pattern, so that every
// term of the model contributes to the comparison.
Weights perturbed_weights(const Config& c, at::ScalarType dtype) {
  Weights w = init_weights(c);
  at::manual_seed(1234);
  for (int l = 0; l < c.n_layers; l++) {
    auto at_ = [&](const char* name) -> at::Tensor& { return w.get("blocks." + std::to_string(l) + "." + name); };
    at_("mlp.b_in") = at::randn_like(at_("mlp.b_in")) * 0.3;
    at_("mlp.b_out") = at::randn_like(at_("mlp.b_out")) * 0.3;
    at_("attn.W_Q") = at_("attn.W_Q") * 3.0;
  }
  return w.to(dtype);
}

void compare_paths(const Config& c, at::ScalarType dtype, double tol) {
  const Dataset d = make_dataset(c);
  const Batch x = make_batch(d.train);
  Weights wf = perturbed_weights(c, dtype), wp = wf.clone();
  wf.set_requires_grad(true);
  wp.set_requires_grad(true);
  const at::Tensor lf = forward_fast(wf, x, {}, nullptr, c.attention_rate);
  const at::Tensor lp = forward_plain(wp, x, {}, nullptr, c.attention_rate);
  QCOMPARE(lf.sizes(), lp.sizes());
  const double dl = rel_diff(lf, lp);
  QVERIFY2(dl <= tol, qPrintable(QString("logits differ by %1 (tolerance %2)").arg(dl).arg(tol)));
  cross_entropy_f64(lf, x.labels).backward();
  cross_entropy_f64(lp, x.labels).backward();
  auto nf = wf.named();
  auto np = wp.named();
  for (std::size_t i = 0; i < nf.size(); i++) {
    const at::Tensor gf = nf[i].second->grad(), gp = np[i].second->grad();
    QVERIFY2(gf.defined() && gp.defined(), nf[i].first.c_str());
    const double dg = rel_diff(gf, gp);
    QVERIFY2(dg <= tol, qPrintable(QString("%1: gradient differs by %2 (tolerance %3)")
                                       .arg(QString::fromStdString(nf[i].first))
                                       .arg(dg)
                                       .arg(tol)));
  }
}

}  // namespace

class TestModel : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initialWeightsMatchPyTorch() {
    // REFERENCE.md s.2: after manual_seed(0), randn({128, 114}) sums to -130.38499412103556.
    at::manual_seed(0);
    const double sum = at::randn({128, 114}).to(at::kDouble).sum().item<double>();
    QVERIFY(std::abs(sum - -130.38499412103556) < 1e-9);
    const Weights w = init_weights(Config{});
    const float expect[4] = {-0.0995111f, -0.1018552f, -0.0221482f, -0.0383498f};
    for (int i = 0; i < 4; i++) QVERIFY(std::abs(w.get("embed.W_E")[0][i].item<float>() - expect[i]) < 1e-6);
    QCOMPARE(w.get("unembed.W_U").sizes(), (at::IntArrayRef{128, 114}));
    QCOMPARE(w.get("blocks.0.attn.W_K").sizes(), (at::IntArrayRef{4, 32, 128}));
  }

  // Runs of a sweep initialise on several threads at once: each must get its seed's weights, as
  // alone (the global generator they once shared mixed their draws).
  void initialWeightsAreThreadSafe() {
    std::vector<Config> configs;
    std::vector<Weights> alone;
    for (int seed = 0; seed < 4; seed++) {
      Config c;  // the mainline's size: long enough draws that the threads overlap
      c.seed = static_cast<std::uint64_t>(seed);
      configs.push_back(c);
      alone.push_back(init_weights(c));
    }
    for (int round = 0; round < 5; round++) {
      std::vector<Weights> together(configs.size());
      std::vector<std::thread> threads;
      for (std::size_t i = 0; i < configs.size(); i++)
        threads.emplace_back([&, i] { together[i] = init_weights(configs[i]); });
      for (auto& t : threads) t.join();
      for (std::size_t i = 0; i < configs.size(); i++)
        for (std::size_t k = 0; k < alone[i].list().size(); k++)
          QVERIFY(at::equal(together[i].list()[k], alone[i].list()[k]));
    }
  }

  void fastPathMatchesPlain_data() {
    QTest::addColumn<int>("p");
    QTest::addColumn<int>("layers");
    QTest::addColumn<bool>("f64");
    QTest::addColumn<double>("alpha");  // the attention rate (Zhong et al. 2023)
    QTest::newRow("mainline p=113, 1 layer, float32") << 113 << 1 << false << 1.0;
    QTest::newRow("p=23, 1 layer, float32") << 23 << 1 << false << 1.0;
    QTest::newRow("p=23, 2 layers, float32") << 23 << 2 << false << 1.0;
    QTest::newRow("p=23, 1 layer, float64") << 23 << 1 << true << 1.0;
    QTest::newRow("p=23, 2 layers, float64") << 23 << 2 << true << 1.0;
    QTest::newRow("p=23, 1 layer, float64, constant attention") << 23 << 1 << true << 0.0;
    QTest::newRow("p=23, 2 layers, float64, attention rate 0.5") << 23 << 2 << true << 0.5;
    QTest::newRow("p=23, 2 layers, float32, attention rate 0.3") << 23 << 2 << false << 0.3;
    QTest::newRow("p=23, 3 layers, float64") << 23 << 3 << true << 1.0;  // a middle layer's per-pair queries
  }
  void fastPathMatchesPlain() {
    QFETCH(int, p);
    QFETCH(int, layers);
    QFETCH(bool, f64);
    QFETCH(double, alpha);
    Config c;
    c.p = p;
    c.n_layers = layers;
    c.attention_rate = alpha;
    compare_paths(c, f64 ? at::kDouble : at::kFloat, f64 ? 1e-11 : 1e-5);
  }

  void constantAttentionWeighsEveryPositionOne() {
    // alpha = 0: the final position's pattern is 1 on a, b and '=' whatever the scores; alpha = 0.5
    // is half the softmax plus a half. Both paths record the pattern they used.
    Config c;
    c.p = 23;
    const Weights w = perturbed_weights(c, at::kDouble);
    const Batch x = make_batch(make_dataset(c).train);
    ForwardCache soft, none, half, plain;
    (void)forward_fast(w, x, {}, &soft);
    (void)forward_fast(w, x, {}, &none, 0.0);
    (void)forward_fast(w, x, {}, &half, 0.5);
    (void)forward_plain(w, x, {}, &plain, 0.5);
    QCOMPARE(none.attn[0].sizes(), soft.attn[0].sizes());
    QVERIFY(none.attn[0].eq(1.0).all().item<bool>());
    QVERIFY(rel_diff(half.attn[0], soft.attn[0] * 0.5 + 0.5) < 1e-14);
    QVERIFY(rel_diff(plain.attn[0], half.attn[0]) < 1e-12);
  }

  void cachesAgreePerLayer() {
    // Each layer's final-position neurons and attention, and a mean ablation of each layer's MLP
    // there, the same by both forms of a two-layer model.
    Config c;
    c.p = 23;
    c.n_layers = 2;
    at::NoGradGuard no_grad;
    const Weights w = perturbed_weights(c, at::kDouble);
    const Batch x = all_pairs(c.p);
    ForwardCache fast, plain;
    const at::Tensor logits = forward_fast(w, x, {}, &fast);
    (void)forward_plain(w, x, {}, &plain);
    QCOMPARE(fast.mlp_post.size(), std::size_t(2));
    QCOMPARE(plain.attn.size(), std::size_t(2));
    for (int l = 0; l < 2; l++) {
      QCOMPARE(fast.mlp_post[l].sizes(), (at::IntArrayRef{c.p * c.p, c.d_mlp}));
      QCOMPARE(fast.attn[l].sizes(), (at::IntArrayRef{c.p * c.p, c.n_heads, 3}));
      QVERIFY2(rel_diff(fast.mlp_post[l], plain.mlp_post[l]) < 1e-11, qPrintable(QString("neurons, layer %1").arg(l)));
      QVERIFY2(rel_diff(fast.attn[l], plain.attn[l]) < 1e-11, qPrintable(QString("attention, layer %1").arg(l)));
    }
    QVERIFY(rel_diff(fast.mlp_post[0], fast.mlp_post[1]) > 1e-2);  // two layers, not one twice
    for (int l = 0; l < 2; l++) {
      const at::Tensor mean = fast.mlp_post[l].mean(0);
      ForwardOptions o;
      o.final_mlp = FinalMlpOverride{l, mean};
      ForwardCache held;
      const at::Tensor lf = forward_fast(w, x, o, &held), lp = forward_plain(w, x, o);
      QVERIFY2(rel_diff(lf, lp) < 1e-11, qPrintable(QString("ablated layer %1").arg(l)));
      QVERIFY(rel_diff(held.mlp_post[l], mean.expand({c.p * c.p, -1})) < 1e-15);
      QVERIFY(rel_diff(lf, logits) > 1e-3);  // the ablation changes the logits
    }
  }

  void neuronsWrittenIntoTheCallersArrayAreTheSameBits() {
    // The analysis has the last layer's neurons written straight into its own array
    // (ForwardCache::mlp_post_into, table_mix_logits_into): the same neurons, direct logits and
    // logits, bit for bit, as the fused mix the trainer runs, float32 (the views') and float64.
    for (at::ScalarType dtype : {at::kFloat, at::kDouble}) {
      Config c;
      c.p = 23;
      at::NoGradGuard no_grad;
      const Weights w = perturbed_weights(c, dtype);
      const Batch x = all_pairs(c.p);
      ForwardCache fused, into;
      const at::Tensor a = forward_fast(w, x, {}, &fused);
      into.mlp_post_into = at::full({c.p * c.p, c.d_mlp}, 7.0, at::TensorOptions().dtype(dtype));
      const at::Tensor b = forward_fast(w, x, {}, &into);
      QCOMPARE(into.mlp_post.back().data_ptr(), into.mlp_post_into.data_ptr());  // written there
      QVERIFY(at::equal(a, b));
      QVERIFY(at::equal(fused.mlp_post.back(), into.mlp_post.back()));
      QVERIFY(at::equal(fused.direct, into.direct));
    }
  }

  void tableMixIsThreadCountIndependent_data() {
    QTest::addColumn<bool>("shared_base");
    QTest::newRow("a base row per token") << false;
    QTest::newRow("one base row ('=' attending: summed in the first pass)") << true;
  }
  void tableMixIsThreadCountIndependent() {
    // Sums run in a fixed order: 1 and 2 threads give the same bits, forward and backward.
    QFETCH(bool, shared_base);
    const std::int64_t N = 700, H = 4, K = 64, R = 17;  // N: several blocks of table_mix_logits
    auto run = [&](int threads) {
      set_intra_op_threads(threads);
      at::manual_seed(3);
      const at::Tensor alpha = at::rand({N, 3, H}).requires_grad_();
      const at::Tensor t0 = at::randn({H, R, K}).requires_grad_(), t1 = at::randn({H, R, K}).requires_grad_();
      const at::Tensor t2 = at::randn({H, 1, K}).requires_grad_();
      const at::Tensor base = at::randn({shared_base ? 1 : R, K}).requires_grad_();
      const at::Tensor i0 = at::randint(0, R, {N}, at::kLong), i1 = at::randint(0, R, {N}, at::kLong);
      const std::vector<at::Tensor> idx = {i0, i1, at::zeros({N}, at::kLong)};
      const at::Tensor base_idx = shared_base ? idx[2] : i1;
      const at::Tensor out = table_mix(alpha, {t0, t1, t2}, idx, base, base_idx);
      (out * out).sum().backward();
      std::vector<at::Tensor> r = {out.detach(), alpha.grad(), t0.grad(), t1.grad(), t2.grad(), base.grad()};
      // The fused last layer's backward (its neurons' gradient and dW summed in fixed slices of
      // pairs), under a fixed upstream gradient: K - 10 neurons, 10 logits. Its forward's product
      // is BLAS's, whose bits are only fixed per thread count, like any product's.
      for (const at::Tensor* t : {&alpha, &t0, &t1, &t2, &base}) t->mutable_grad() = at::Tensor();
      const at::Tensor W = at::randn({K - 10, 10}).requires_grad_();
      const auto [logits, m] = table_mix_logits(alpha, {t0, t1, t2}, idx, base, base_idx, W);
      logits.backward(at::randn({N, 10}));
      for (const at::Tensor& t : {m, alpha.grad(), t0.grad(), t1.grad(), t2.grad(), base.grad(), W.grad()})
        r.push_back(t);
      return r;
    };
    const auto one = run(1), two = run(2);
    set_intra_op_threads(kIntraOpThreads);
    for (std::size_t i = 0; i < one.size(); i++) QVERIFY2(at::equal(one[i], two[i]), qPrintable(QString::number(i)));
  }

  void patternAndTablesAreThreadCountIndependent() {
    // The attention pattern's backward sums each score row's pairs in order; the tables' products
    // each run on one thread, A's gradient summing the streams in order.
    const std::int64_t N = 900, H = 4, Dh = 8, K = 40, R = 17;
    auto run = [&](int threads) {
      set_intra_op_threads(threads);
      at::manual_seed(5);
      const at::Tensor s0 = at::randn({R, H}).requires_grad_(), s1 = at::randn({N, H}).requires_grad_();
      const at::Tensor s2 = at::randn({1, H}).requires_grad_();
      const std::vector<at::Tensor> idx = {at::randint(0, R, {N}, at::kLong), at::arange(N, at::kLong),
                                           at::zeros({N}, at::kLong)};
      const at::Tensor alpha = attention_pattern({s0, s1, s2}, idx, 0.3, 0.7);
      const at::Tensor v0 = at::randn({R, H, Dh}).requires_grad_(), v1 = at::randn({1, H, Dh}).requires_grad_();
      const at::Tensor A = at::randn({K, H * Dh}).requires_grad_();
      const std::vector<at::Tensor> t = table_mix_tables({v0, v1}, A);
      ((alpha * at::randn(alpha.sizes())).sum() + (t[0] * t[0]).sum() + t[1].sum()).backward();
      return std::vector<at::Tensor>{alpha.detach(), t[0].detach(), t[1].detach(), s0.grad(), s1.grad(),
                                     s2.grad(),      v0.grad(),     v1.grad(),     A.grad()};
    };
    const auto one = run(1), two = run(2);
    set_intra_op_threads(kIntraOpThreads);
    for (std::size_t i = 0; i < one.size(); i++) QVERIFY2(at::equal(one[i], two[i]), qPrintable(QString::number(i)));
  }

  void oneLayerOperandsAreThreadCountIndependent() {
    // Its products run one per thread by BLAS on that thread, whatever runs beside them, and its
    // glue loops sum in a fixed order: the operands and every weight's gradient are the same bits
    // at 1 and 2 threads (ATen's split products are not).
    Config c;  // the mainline's shapes
    auto run = [&](int threads) {
      set_intra_op_threads(threads);
      Weights w = perturbed_weights(c, at::kFloat);
      w.set_requires_grad(true);
      const OneLayerOperands o = one_layer_operands(TransformerWeights(w), 1.7);
      at::manual_seed(9);
      at::Tensor loss = (o.base * at::randn(o.base.sizes())).sum() + (o.W2 * at::randn(o.W2.sizes())).sum();
      for (const auto* list : {&o.scores, &o.tables})
        for (const at::Tensor& t : *list) loss = loss + (t * at::randn(t.sizes())).sum();
      loss.backward();
      std::vector<at::Tensor> r = {o.base.detach(), o.W2.detach()};
      for (const auto* list : {&o.scores, &o.tables})
        for (const at::Tensor& t : *list) r.push_back(t.detach());
      for (const auto& [name, t] : w.named()) r.push_back(t->grad());
      return r;
    };
    QVERIFY(one_layer_operands_available());
    const auto one = run(1), two = run(2);
    set_intra_op_threads(kIntraOpThreads);
    for (std::size_t i = 0; i < one.size(); i++) QVERIFY2(at::equal(one[i], two[i]), qPrintable(QString::number(i)));
  }

  void adamwMatchesLibTorch_data() {
    QTest::addColumn<bool>("portable");
    QTest::addColumn<int>("d_model");
    QTest::newRow("fused update (AVX2), d_model 128") << false << 128;
    QTest::newRow("fused update, d_model 36: parameters of 36 x n floats, tails of 4") << false << 36;
    QTest::newRow("ATen's operations (portable kernels)") << true << 36;
  }
  void adamwMatchesLibTorch() {
    QFETCH(bool, portable);
    QFETCH(int, d_model);
    const bool before = portable_kernels_forced();
    set_portable_kernels(portable);
    Config c;
    c.p = 23;
    c.d_model = d_model;
    c.d_head = d_model / c.n_heads;
    c.d_mlp = 4 * d_model;
    const Dataset d = make_dataset(c);
    const Batch x = make_batch(d.train);
    Weights ours = init_weights(c), theirs = ours.clone();
    ours.set_requires_grad(true);
    theirs.set_requires_grad(true);
    AdamWOptions o;  // lr 1e-3, wd 1.0, betas (0.9, 0.98), warm-up 10
    AdamW opt(ours, o);
    torch::optim::AdamW ref(
        theirs.list(),
        torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).eps(o.eps).weight_decay(o.weight_decay));
    for (int step = 0; step < 15; step++) {
      // The reference's LambdaLR: the step-th update uses lr * min(step / 10, 1).
      static_cast<torch::optim::AdamWOptions&>(ref.param_groups()[0].options()).lr(opt.lr_at(step));
      ours.zero_grad();
      ref.zero_grad();
      cross_entropy_f64(forward_fast(ours, x), x.labels).backward();
      cross_entropy_f64(forward_fast(theirs, x), x.labels).backward();
      opt.step(ours);
      ref.step();
    }
    QCOMPARE(opt.steps_taken(), 15L);
    auto a = ours.named();
    auto b = theirs.named();
    set_portable_kernels(before);
    for (std::size_t i = 0; i < a.size(); i++) QVERIFY2(at::equal(*a[i].second, *b[i].second), a[i].first.c_str());
  }

  void warmupScheduleIsTheReferences() {
    Weights w = init_weights(Config{});
    AdamW opt(w, AdamWOptions{});
    QCOMPARE(opt.lr_at(0), 0.0);
    QCOMPARE(opt.lr_at(1), 1e-4);
    QCOMPARE(opt.lr_at(10), 1e-3);
    QCOMPARE(opt.lr_at(5000), 1e-3);
  }
};

GROK_TEST_APPLESS_MAIN(TestModel)
#include "test_model.moc"
