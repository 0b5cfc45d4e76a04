// The hand-written kernels' portable fallbacks (what an arm64 build runs) against the AVX2+FMA
// kernels (the x86 fast path), on this machine: set_portable_kernels switches between them
// (core/runtime/simd_kernels.h). Tolerances, stated per check: the fallbacks compute the same sums
// in plain C++, without FMA, with exp in float64 instead of a float polynomial, and (dot) in
// another order, so they agree to float rounding, ~1e-6 relative to the values' scale. Where the
// CPU has no AVX2, both sides are the fallback and the checks hold trivially.
#include <QtTest>

#include <ATen/ATen.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

#include "core/analysis/internal/row_losses.h"
#include "core/analysis/predictions.h"
#include "core/analysis/progress_measures.h"
#include "core/model/internal/row_kernels.h"
#include "core/model/internal/table_mix.h"
#include "core/model/internal/transformer.h"
#include "core/model/internal/weights.h"
#include "core/runtime/simd_kernels.h"
#include "core/training/internal/cross_entropy.h"
#include "test_util.h"

using namespace grok;

namespace {

// Runs f with the fallbacks forced (portable = true) or not, restoring the switch.
template <class F>
auto with_kernels(bool portable, F&& f) {
  const bool before = portable_kernels_forced();
  set_portable_kernels(portable);
  auto r = f();
  set_portable_kernels(before);
  return r;
}

double max_abs(const at::Tensor& t) { return t.abs().max().item<double>(); }

// |a - b| <= rel * max|b| elementwise, reported on failure.
bool close(const at::Tensor& a, const at::Tensor& b, double rel, const char* what) {
  const double err = max_abs(a.to(at::kDouble) - b.to(at::kDouble)), scale = max_abs(b);
  if (err <= rel * scale) return true;
  qWarning("%s: max error %g, scale %g", what, err, scale);
  return false;
}

struct MixCase {
  at::Tensor alpha, base, base_idx;
  std::vector<at::Tensor> tables, idx;
};

// N pairs mixing two per-token tables and a shared one ('='), K columns (not a multiple of 8 or
// 32, so the kernels' tails run too).
// shared_base: one base row for every pair (the '=' position attending), summed in the backward's
// first pass.
MixCase mix_case(at::ScalarType dtype, bool shared_base = false) {
  const std::int64_t N = 301, H = 4, K = 203, V = 37;
  at::manual_seed(11);
  MixCase c;
  c.alpha = at::softmax(at::randn({N, 3, H}), 1).to(dtype).requires_grad_();
  for (std::int64_t rows : {V, V, std::int64_t(1)}) {
    c.tables.push_back(at::randn({H, rows, K}).to(dtype).requires_grad_());
    c.idx.push_back(at::randint(rows, {N}, at::kLong));
  }
  c.base = at::randn({shared_base ? 1 : V, K}).to(dtype).requires_grad_();
  c.base_idx = shared_base ? at::zeros({N}, at::kLong) : at::randint(V, {N}, at::kLong);
  return c;
}

// Forward and every gradient, under a fixed upstream gradient.
std::vector<at::Tensor> mix_all(MixCase& c, std::int64_t relu_cols, bool composed = false) {
  for (auto* t : {&c.alpha, &c.base, &c.tables[0], &c.tables[1], &c.tables[2]}) t->mutable_grad() = at::Tensor();
  at::Tensor out = table_mix(c.alpha, c.tables, c.idx, c.base, c.base_idx, composed ? 0 : relu_cols);
  if (composed)  // ReLU as a separate operation on the first relu_cols columns
    out = at::cat({at::relu(out.narrow(1, 0, relu_cols)), out.narrow(1, relu_cols, out.size(1) - relu_cols)}, 1);
  at::manual_seed(12);
  out.backward(at::randn(out.sizes()).to(out.scalar_type()));
  return {out.detach(), c.alpha.grad(), c.base.grad(), c.tables[0].grad(), c.tables[1].grad(), c.tables[2].grad()};
}

// The fused last layer against its composition: the mix without ReLU, ReLU on its first M columns,
// then m[:, M:] + ReLU(m[:, :M]) W; the forward and every gradient.
std::vector<at::Tensor> logits_all(MixCase& c, const at::Tensor& W, bool fused) {
  for (auto* t : {&c.alpha, &c.base, &c.tables[0], &c.tables[1], &c.tables[2]}) t->mutable_grad() = at::Tensor();
  at::Tensor Wg = W.detach().clone().requires_grad_();
  const std::int64_t M = W.size(0), V = W.size(1);
  at::Tensor logits;
  if (fused) {
    logits = table_mix_logits(c.alpha, c.tables, c.idx, c.base, c.base_idx, Wg).first;
  } else {
    const at::Tensor m = table_mix(c.alpha, c.tables, c.idx, c.base, c.base_idx);
    logits = m.narrow(1, M, V) + at::mm(at::relu(m.narrow(1, 0, M)), Wg);
  }
  at::manual_seed(13);
  logits.backward(at::randn(logits.sizes()).to(logits.scalar_type()));
  return {logits.detach(),    c.alpha.grad(),     c.base.grad(), c.tables[0].grad(),
          c.tables[1].grad(), c.tables[2].grad(), Wg.grad()};
}

}  // namespace

class TestKernels : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void environmentChoosesTheKernels() {
    // Read once, at the first call: this runs before anything sets the switch. ctest runs this
    // executable with and without GROK_PORTABLE_KERNELS=1 (tests/CMakeLists.txt).
    const char* env = std::getenv("GROK_PORTABLE_KERNELS");
    const bool want = env && std::strcmp(env, "1") == 0;
    QCOMPARE(portable_kernels_forced(), want);
    QCOMPARE(use_avx2_kernels(), cpu_has_avx2_fma() && !want);
    set_portable_kernels(true);
    QVERIFY(!use_avx2_kernels());
    set_portable_kernels(want);
    qInfo("CPU has AVX2+FMA: %s", cpu_has_avx2_fma() ? "yes" : "no (both sides are the fallback)");
  }

  void tableMixFallbackMatchesTheFastKernel() {
    // ReLU on no column, on the first 120 of 203 (neurons, then the rest), on all.
    for (std::int64_t relu : {0, 120, 203})
      for (bool shared_base : {false, true}) {
        MixCase c = mix_case(at::kFloat, shared_base);
        const auto fast = with_kernels(false, [&] { return mix_all(c, relu); });
        const auto portable = with_kernels(true, [&] { return mix_all(c, relu); });
        MixCase d = mix_case(at::kDouble, shared_base);  // the same values in float64: the reference
        const auto ref = mix_all(d, relu);
        const char* names[] = {"out", "d_alpha", "d_base", "d_table0", "d_table1", "d_table_shared"};
        for (std::size_t i = 0; i < fast.size(); i++) {
          // Sums of up to ~N * 12 float products: rounding ~1e-6 of the scale.
          QVERIFY(close(portable[i], fast[i], 1e-5, names[i]));
          QVERIFY(close(fast[i], ref[i], 1e-5, names[i]));
          QVERIFY(close(portable[i], ref[i], 1e-5, names[i]));
        }
        MixCase e = mix_case(at::kDouble, shared_base);
        const auto composed = mix_all(e, relu, true);
        for (std::size_t i = 0; i < ref.size(); i++) QVERIFY(close(ref[i], composed[i], 1e-12, names[i]));
      }
  }

  void spreadSumIsItsSpreadsBitForBit() {
    // The table mix's backward sums each table row's pairs with spread_sum (outputs in registers)
    // where it called spread once a pair: the training bits rest on the two agreeing exactly, for
    // every output count (the register versions and the fallback beyond 6), width and tail.
    std::mt19937 rng(21);
    std::normal_distribution<float> nd;
    for (std::int64_t c = 1; c <= 8; c++)
      for (std::int64_t K : {5, 8, 16, 23, 626})
        for (std::int64_t n : {0, 1, 7}) {
          std::vector<float> x(static_cast<std::size_t>(n * K)), w(static_cast<std::size_t>(n * c));
          for (float& v : x) v = nd(rng);
          for (float& v : w) v = nd(rng);
          std::vector<const float*> xs;
          for (std::int64_t q = 0; q < n; q++) xs.push_back(x.data() + q * K);
          for (bool portable : {false, true}) {
            std::vector<float> a(static_cast<std::size_t>(c * K), 7.f), b(a.size(), 0.f);
            std::vector<float*> oa, ob;
            for (std::int64_t i = 0; i < c; i++) oa.push_back(a.data() + i * K), ob.push_back(b.data() + i * K);
            const bool x86 = with_kernels(portable, [] { return use_avx2_kernels(); });
            row_kernels::spread_sum<float>(x86, oa.data(), w.data(), c, xs.data(), n, K);
            for (std::int64_t q = 0; q < n; q++)
              row_kernels::spread<float>(x86, ob.data(), w.data() + q * c, c, xs[q], K);
            QVERIFY2(std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0,
                     qPrintable(QString("c %1, K %2, n %3, portable %4").arg(c).arg(K).arg(n).arg(portable)));
          }
        }
  }

  void tableMixLogitsIsTheMixThenTheProduct() {
    // mix_case's K = 203 columns as M = 160 neurons and V = 43 logits.
    const std::int64_t M = 160, V = 203 - M;
    at::manual_seed(14);
    const at::Tensor W = at::randn({M, V}) / 8;
    const char* names[] = {"logits", "d_alpha", "d_base", "d_table0", "d_table1", "d_table_shared", "d_W"};
    MixCase d = mix_case(at::kDouble);
    const auto ref = logits_all(d, W.to(at::kDouble), false);
    const auto fused64 = logits_all(d, W.to(at::kDouble), true);
    for (std::size_t i = 0; i < ref.size(); i++) QVERIFY(close(fused64[i], ref[i], 1e-12, names[i]));
    for (bool portable : {false, true}) {
      MixCase c = mix_case(at::kFloat);
      const auto fused = with_kernels(portable, [&] { return logits_all(c, W, true); });
      for (std::size_t i = 0; i < ref.size(); i++) QVERIFY(close(fused[i], ref[i], 1e-5, names[i]));
    }
  }

  void crossEntropy64IsAutogradsLossAndGradient() {
    const std::int64_t N = 333, V = 114;
    at::manual_seed(15);
    at::Tensor x = at::randn({N, V}) * 6;
    x.narrow(0, 0, 10).mul_(150);  // rows whose exps span past float64's normal range (< -708)
    x[10].fill_(2.5);              // a row of ties
    const at::Tensor y = at::randint(V, {N}, at::kLong);
    at::Tensor xr = x.to(at::kDouble).requires_grad_();
    const at::Tensor picked_ref = at::log_softmax(xr, -1).gather(1, y.unsqueeze(1));
    const at::Tensor loss_ref = -picked_ref.mean();
    loss_ref.backward();
    for (bool portable : {false, true}) {
      at::Tensor xf = x.clone().requires_grad_();
      const auto [loss, picked] = with_kernels(portable, [&] { return cross_entropy64(xf, y); });
      QCOMPARE(loss.scalar_type(), at::kDouble);
      QVERIFY(!picked.requires_grad());
      with_kernels(portable, [&] { return (loss.backward(), 0); });
      // float64 throughout: the polynomial exp is ~1 ulp, each row's sum of 114 terms adds ~1e-16.
      QVERIFY2(std::abs(loss.item<double>() - loss_ref.item<double>()) <= 1e-14 * loss_ref.item<double>(),
               qPrintable(
                   QString("%1 vs %2").arg(loss.item<double>(), 0, 'g', 17).arg(loss_ref.item<double>(), 0, 'g', 17)));
      QVERIFY(close(picked, picked_ref.detach(), 1e-14, "picked"));
      QCOMPARE(xf.grad().scalar_type(), at::kFloat);
      // The gradient is rounded to float: 1e-7 relative to its scale (1 / N).
      QVERIFY(close(xf.grad(), xr.grad(), 1e-6, "d_logits"));
      // An incoming gradient other than 1: the backward forms it from the softmax (the forward's
      // precomputed rows are for 1 alone).
      at::Tensor x3 = x.clone().requires_grad_();
      with_kernels(portable, [&] { return ((cross_entropy64(x3, y).first * 3).backward(), 0); });
      QVERIFY(close(x3.grad(), xr.grad() * 3, 1e-6, "d_logits, incoming 3"));
    }
  }

  void accuracysArgmaxIsAtens() {
    // Every row's argmax as ATen's: ties (the first wins), -0 against +0, infinities, NaNs (the
    // first NaN wins), over n entries that are and are not a multiple of 8, of wider rows.
    at::manual_seed(16);
    at::Tensor x = at::randint(0, 4, {400, 120}).to(at::kFloat);  // many ties
    x.narrow(0, 0, 200).copy_(at::randn({200, 120}));
    const float nan = std::nanf(""), inf = INFINITY;
    x[1][5] = nan, x[2][0] = nan, x[2][9] = nan, x[3][113] = nan, x[4][7] = inf, x[4][100] = inf;
    x[5].fill_(-inf), x[6].fill_(0.f), x[6][3] = -0.f, x[7].fill_(-0.f), x[7][50] = 0.f, x[8][119] = nan;
    for (std::int64_t n : {113, 120, 5, 8, 17}) {
      const at::Tensor want = x.narrow(1, 0, n).argmax(1);
      for (bool portable : {false, true}) {
        const std::int64_t hits = with_kernels(portable, [&] { return count_correct(x, want, n); });
        QVERIFY2(hits == x.size(0),
                 qPrintable(QString("n %1, portable %2: %3 rows differ").arg(n).arg(portable).arg(x.size(0) - hits)));
      }
    }
  }

  void predictionsAreThePlainLoops() {
    // The prediction grid's answers and margins, the largest logits found 8 at a time, against the
    // plain loop: the same answers (the first largest; ties, infinities, a NaN anywhere in a row)
    // and the same margins (a zero's sign aside: -0 - +0 against -0 - -0).
    const Config c = test::tiny_config(23);
    const Task task(c);
    const Dataset d = make_dataset(c);
    at::manual_seed(17);
    at::Tensor z = at::randint(0, 3, {c.p * c.p, c.p}).to(at::kFloat);  // many ties, the label's among them
    z.narrow(0, 0, 200).copy_(at::randn({200, c.p}));
    const float nan = std::nanf(""), inf = INFINITY;
    z[3][0] = nan, z[4][22] = nan, z[5].fill_(-inf), z[6][7] = inf, z[7].fill_(0.f), z[7][3] = -0.f, z[8].fill_(-0.f);
    z[9][task.label(0, 9)] = 5.f;  // the label alone on top: the margin is over the rest
    const float* zp = z.data_ptr<float>();
    const PairPredictions fast = with_kernels(false, [&] { return pair_predictions(task, d, zp); });
    const PairPredictions plain = with_kernels(true, [&] { return pair_predictions(task, d, zp); });
    QCOMPARE(fast.answer, plain.answer);
    for (std::size_t i = 0; i < fast.margin.size(); i++)
      QVERIFY2(fast.margin[i] == plain.margin[i] || (std::isnan(fast.margin[i]) && std::isnan(plain.margin[i])),
               qPrintable(QString("row %1: %2 vs %3").arg(i).arg(fast.margin[i]).arg(plain.margin[i])));
    QCOMPARE(fast.test_right, plain.test_right);
    QCOMPARE(fast.train_right, plain.train_right);
  }

  void rowLossesFallbackMatchesTheFastKernel() {
    const int p = 113, n = 700, R = 6, terms = 5;
    std::mt19937 rng(3);
    std::normal_distribution<float> n01;
    std::vector<float> L(static_cast<std::size_t>(n) * p), W(static_cast<std::size_t>(n) * R), A(R * p);
    std::vector<float> u(static_cast<std::size_t>(terms) * n), v(u.size()), TA(terms * p), TB(terms * p);
    for (auto* x : {&L, &W, &A, &u, &v, &TA, &TB})
      for (float& e : *x) e = 4 * n01(rng);
    // Some rows with tied maxima (the argmax is the first, the ties add exp(0) each).
    for (int r = 0; r < 20; r++)
      for (int c = 0; c < p; c++) L[r * p + c] = static_cast<float>((c * 7 + r) % 5);
    std::vector<std::int64_t> rows(n), labels(n);
    for (int r = 0; r < n; r++) rows[r] = (r * 37) % n, labels[r] = (r * 13) % p;
    auto all = [&] {
      std::vector<LossSum> out = {
          row_cross_entropy(L.data(), p, rows.data(), n, labels.data()),
          row_cross_entropy(L.data(), p, rows.data(), n, labels.data(), u.data(), v.data(), TA.data(), TB.data()),
          lowrank_cross_entropy(L.data(), p, p, rows.data(), n, labels.data(), W.data(), R, A.data(), -1.f),
          lowrank_cross_entropy(A.data(), 0, p, rows.data(), n, labels.data(), W.data(), R, A.data(), 1.f)};
      for (const LossSum& s : rank2_cross_entropies(L.data(), p, rows.data(), n, labels.data(), terms, u.data(),
                                                    v.data(), TA.data(), TB.data(), n))
        out.push_back(s);
      return out;
    };
    const auto fast = with_kernels(false, all), portable = with_kernels(true, all);
    QCOMPARE(fast.size(), portable.size());
    for (std::size_t i = 0; i < fast.size(); i++) {
      // Float exp (~2e-7 per term) against float64 exp, summed: 1e-6 relative.
      QVERIFY2(
          std::abs(fast[i].loss - portable[i].loss) <= 1e-6 * std::abs(portable[i].loss),
          qPrintable(
              QString("case %1: %2 vs %3").arg(i).arg(fast[i].loss, 0, 'g', 17).arg(portable[i].loss, 0, 'g', 17)));
      QCOMPARE(fast[i].correct, portable[i].correct);  // the same argmax: no near-ties in these rows
      QCOMPARE(fast[i].n, portable[i].n);
    }
  }

  // The key set's detection scores every prefix of its candidates in one pass: bit for bit
  // lowrank_cross_entropy with that many terms, for either kernel, rows taken in any order.
  void prefixLowRankLossesAreEachPrefixsLoss() {
    const int p = 113, n = 500, R = 9;
    std::mt19937 rng(5);
    std::normal_distribution<float> n01;
    std::vector<float> L(static_cast<std::size_t>(n) * p), W(static_cast<std::size_t>(n) * R), A(R * p);
    for (auto* x : {&L, &W, &A})
      for (float& e : *x) e = 3 * n01(rng);
    std::vector<std::int64_t> rows(n), labels(n);
    for (int r = 0; r < n; r++) rows[r] = (r * 41) % n, labels[r] = (r * 17) % p;
    const std::vector<int> ends = {0, 2, 3, 7, 9};
    for (bool portable : {false, true})
      for (std::int64_t stride : {std::int64_t(p), std::int64_t(0)}) {
        // {the prefixes in one pass, each prefix on its own}
        const auto [all, each] = with_kernels(portable, [&] {
          std::vector<LossSum> each;
          for (int e : ends) {
            std::vector<float> We(static_cast<std::size_t>(n) * std::max(1, e));  // the prefix's [n, e]
            for (int r = 0; r < n; r++)
              for (int t = 0; t < e; t++) We[static_cast<std::size_t>(r) * e + t] = W[r * R + t];
            each.push_back(lowrank_cross_entropy(L.data(), stride, p, rows.data(), n, labels.data(), We.data(), e,
                                                 A.data(), -1.f));
          }
          return std::make_pair(prefix_lowrank_cross_entropies(L.data(), stride, p, rows.data(), n, labels.data(),
                                                               W.data(), R, A.data(), ends, -1.f),
                                each);
        });
        QCOMPARE(all.size(), ends.size());
        for (std::size_t e = 0; e < ends.size(); e++) {
          QCOMPARE(all[e].loss, each[e].loss);  // exactly
          QCOMPARE(all[e].correct, each[e].correct);
          QCOMPARE(all[e].n, each[e].n);
        }
      }
  }

  // The check table's thin product h Q: both kernels are the product, for widths around the AVX2
  // kernel's 8 outputs and a row length that is not a multiple of 8.
  void thinProductIsTheProduct() {
    const std::int64_t n = 300;
    const int M = 517;
    const at::Tensor X = at::randn({n, M}, at::kFloat);
    for (int R : {1, 8, 10, 17}) {
      const at::Tensor Q = at::randn({M, R}, at::kFloat);
      const at::Tensor want = at::matmul(X.to(at::kDouble), Q.to(at::kDouble));
      for (bool portable : {false, true}) {
        at::Tensor got = at::empty({n, R}, at::kFloat);
        with_kernels(portable, [&] {
          thin_product(X.data_ptr<float>(), n, M, Q.data_ptr<float>(), R, got.data_ptr<float>());
          return 0;
        });
        const double err = max_abs(got.to(at::kDouble) - want) / max_abs(want);
        QVERIFY2(err < 1e-5, qPrintable(QString("R %1, portable %2: %3").arg(R).arg(portable).arg(err)));
      }
    }
  }

  // The AVX2 kernel takes a row's last outputs several rows at a time: each output is the same
  // bits whether its row comes with others or alone, for every width of that last group.
  void thinProductRowsTogetherOrAlone() {
    const std::int64_t n = 203;  // blocks of 8 rows and 64-row chunks, with tails
    const int M = 517;
    const at::Tensor X = at::randn({n, M}, at::kFloat);
    for (int R : {1, 2, 3, 4, 5, 7, 8, 10, 17, 19}) {
      const at::Tensor Q = at::randn({M, R}, at::kFloat);
      at::Tensor together = at::empty({n, R}, at::kFloat), alone = at::empty({n, R}, at::kFloat);
      thin_product(X.data_ptr<float>(), n, M, Q.data_ptr<float>(), R, together.data_ptr<float>());
      for (std::int64_t i = 0; i < n; i++)
        thin_product(X.data_ptr<float>() + i * M, 1, M, Q.data_ptr<float>(), R, alone.data_ptr<float>() + i * R);
      QVERIFY2(at::equal(together, alone), qPrintable(QString("R %1").arg(R)));
    }
  }

  void modelAndMeasuresAgreeOnBothKernels() {
    // End to end: the fast forward (table mix) and the progress measures (row losses).
    Config c = test::tiny_config(23);
    c.d_mlp = 40;  // not a multiple of 32
    const std::vector<NamedArray> ck = to_named_arrays(init_weights(c));
    const Dataset d = make_dataset(c);
    const FourierBasis F(c.p);
    auto logits = [&] {
      at::NoGradGuard g;
      return forward_fast(weights_from_checkpoint(c, ck), all_pairs(c.p));
    };
    QVERIFY(close(with_kernels(true, logits), with_kernels(false, logits), 1e-6, "logits"));
    auto measures = [&] {
      return to_record(0, KeySelection::Given,
                       compute_progress_measures(c, CheckpointWeights(c, ck), d, std::vector<int>{2, 5}, F));
    };
    const MeasureRecord fast = with_kernels(false, measures), portable = with_kernels(true, measures);
    for (const auto& [name, value] : fast.values)
      QVERIFY2(std::abs(value - portable.values.at(name)) <= 1e-5 * std::abs(value) + 1e-7,
               qPrintable(QString("%1: %2 vs %3").arg(name.c_str()).arg(value).arg(portable.values.at(name))));
  }
};

GROK_TEST_APPLESS_MAIN(TestKernels)
#include "test_kernels.moc"
