// A deeper model analysed layer by layer: the all-pairs forward and the snapshot carry every
// layer's neurons and attention (the last layer's in the fields the one-layer views read), each
// layer's neuron frequencies, and the check table's mean-ablation row per layer, which is checked
// against its definition over the dataset's pairs.
#include <QtTest>

#include <ATen/ATen.h>

#include <cmath>

#include "core/analysis/layer_checks.h"
#include "core/analysis/pair_forward.h"
#include "core/analysis/snapshot.h"
#include "core/model/internal/transformer.h"
#include "core/model/internal/weights.h"
#include "test_util.h"

using namespace grok;

namespace {

// Away from initialisation, so that every layer's MLP matters to the logits.
std::vector<NamedArray> perturbed_checkpoint(const Config& c) {
  Weights w = init_weights(c);
  at::manual_seed(99);
  for (int l = 0; l < c.n_layers; l++) {
    auto at_ = [&](const char* name) -> at::Tensor& { return w.get("blocks." + std::to_string(l) + "." + name); };
    at_("mlp.b_in") = at::randn_like(at_("mlp.b_in")) * 0.5;
    at_("mlp.W_in") = at_("mlp.W_in") * 3.0;
    at_("mlp.W_out") = at_("mlp.W_out") * 3.0;
    at_("attn.W_Q") = at_("attn.W_Q") * 3.0;
  }
  return to_named_arrays(w);
}

at::Tensor floats(c10::ArrayRef<float> v, at::IntArrayRef shape) {
  return at::from_blob(const_cast<float*>(v.data()), shape, at::kFloat).clone();
}

// Mean cross-entropy and accuracy of logits [N, p] against labels [N], float64 as the table.
std::pair<double, double> loss_acc(const at::Tensor& logits, const at::Tensor& labels) {
  const at::Tensor L = logits.to(at::kDouble);
  const double loss = -at::log_softmax(L, -1).gather(1, labels.unsqueeze(1)).mean().item<double>();
  return {loss, L.argmax(1).eq(labels).to(at::kDouble).mean().item<double>()};
}

void expect_row(const CheckRow& r, const std::pair<double, double>& want) {
  QVERIFY2(std::abs(r.loss - want.first) <= 1e-5 * want.first,
           qPrintable(QString("%1: loss %2, want %3").arg(r.check.c_str()).arg(r.loss).arg(want.first)));
  QVERIFY2(std::abs(r.accuracy - want.second) < 1e-12,
           qPrintable(QString("%1: accuracy %2, want %3").arg(r.check.c_str()).arg(r.accuracy).arg(want.second)));
}

}  // namespace

class TestLayers : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void forwardAndSnapshotCarryEveryLayer() {
    Config c = test::tiny_config(13);
    c.n_layers = 2;
    const std::vector<NamedArray> ck = perturbed_checkpoint(c);
    const FourierBasis F(c.p);
    const std::int64_t pairs = c.p * c.p;
    ForwardCache cache;
    {
      at::NoGradGuard no_grad;
      (void)forward_fast(weights_from_checkpoint(c, ck), all_pairs(c.p), {}, &cache);
    }
    const AllPairForward f = compute_pair_forward(CheckpointWeights(c, ck));
    QCOMPARE(f.earlier_layers.size(), std::size_t(1));
    const FloatArray* acts[] = {&f.earlier_layers[0].neuron_acts, &f.neuron_acts};
    const FloatArray* attn[] = {&f.earlier_layers[0].attention, &f.attention};
    for (int l = 0; l < 2; l++) {
      QVERIFY(at::allclose(floats(*acts[l], {pairs, c.d_mlp}), cache.mlp_post[l], 1e-5, 1e-6));
      // [H, p*p]: '=' attending to position 0, pairs in token order a*p + b.
      QVERIFY(at::allclose(floats(*attn[l], {c.n_heads, pairs}), cache.attn[l].select(2, 0).t(), 1e-5, 1e-6));
    }
    const Snapshot s =
        compute_snapshot(c, 0, CheckpointWeights(c, ck), make_dataset(c), std::nullopt, F, SnapshotScope::views);
    QCOMPARE(s.n_layers(), 2);
    QCOMPARE(s.layer(1).neuron_acts, s.neuron_acts);  // the last layer is the fields the views always read
    QCOMPARE(s.layer(0).neuron_acts, f.earlier_layers[0].neuron_acts);
    QCOMPARE(s.layer(0).attention, f.earlier_layers[0].attention);
    const NeuronFrequencies first = neuron_frequencies_of(f.earlier_layers[0].neuron_acts.data(), c.d_mlp, F);
    QCOMPARE(s.layer(0).neurons.freq, first.freq);
    QCOMPARE(s.layer(0).neurons.fve, first.fve);
    QVERIFY(s.layer(0).neuron_acts != s.layer(1).neuron_acts);
  }

  void layerRowsMatchTheirDefinition_data() {
    QTest::addColumn<int>("layers");
    QTest::newRow("1 layer") << 1;
    QTest::newRow("2 layers") << 2;
  }
  void layerRowsMatchTheirDefinition() {
    // Each row against the plain forward with that layer's MLP held at its mean over the pairs
    // given: every pair, and the train split alone (the rows read the dataset's pairs, not p*p).
    QFETCH(int, layers);
    Config c = test::tiny_config(13);
    c.n_layers = layers;
    const std::vector<NamedArray> ck = perturbed_checkpoint(c);
    const Dataset d = make_dataset(c);
    const Snapshot s =
        compute_snapshot(c, 0, CheckpointWeights(c, ck), d, std::nullopt, FourierBasis(c.p), SnapshotScope::views);
    Dataset train_only = d;
    train_only.test = {};
    at::NoGradGuard no_grad;
    const Weights w = weights_from_checkpoint(c, ck);
    for (const Dataset* pairs : std::initializer_list<const Dataset*>{&d, &train_only}) {
      const std::vector<CheckRow> rows = layer_checks(c, CheckpointWeights(c, ck), *pairs, s);
      QCOMPARE(rows.size(), std::size_t(layers));
      const Batch train = make_batch(pairs->train), test = make_batch(pairs->test);
      const Batch x{
          at::cat({train.a, test.a}), at::cat({train.b, test.b}), at::cat({train.labels, test.labels}), {}, 0};
      ForwardCache cache;
      const auto full = loss_acc(forward_plain(w, x, {}, &cache).narrow(1, 0, c.p), x.labels);
      for (int l = 0; l < layers; l++) {
        QCOMPARE(rows[l].check, "layer " + std::to_string(l) + " MLP mean-ablated");
        ForwardOptions o;
        o.final_mlp = FinalMlpOverride{l, cache.mlp_post[l].mean(0)};
        expect_row(rows[l], loss_acc(forward_plain(w, x, o).narrow(1, 0, c.p), x.labels));
        QVERIFY2(std::abs(rows[l].loss - full.first) > 1e-3, "the ablation changes nothing");
      }
    }
  }
};

GROK_TEST_APPLESS_MAIN(TestLayers)
#include "test_layers.moc"
