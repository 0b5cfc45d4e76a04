// The mechanism measures (core/analysis/mechanism.h) against direct computations and constructed
// models: the planted Fourier transformer (planted_model.h) adds cos(w a) + cos(w b) before its
// ReLUs, so its logits depend on a - b through |cos(w (a - b) / 2)| and its two operands' gradients
// are the same: a constructed pizza (gradient symmetricity 1, low distance irrelevance, every
// neuron of one frequency). Logits that depend on a + b alone are the clock's extreme (distance
// irrelevance 1); an embedding on a circle is circular; random weights are none of these.
#include <QtTest>

#include <ATen/ATen.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "core/analysis/checkpoint_analysis.h"
#include "core/analysis/mechanism.h"
#include "core/analysis/progress_measures.h"
#include "core/data/python_random.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/weights.h"
#include "core/store/run_store.h"
#include "planted_model.h"
#include "test_util.h"

using namespace grok;

namespace {

// Random weights of the planted model's shapes.
std::vector<NamedArray> random_checkpoint(const Config& c, float sd) {
  std::vector<NamedArray> ck = test::planted_checkpoint(c, {3}, 1.0f);
  std::mt19937 rng(7);
  std::normal_distribution<float> n01;
  for (NamedArray& t : ck)
    for (std::int64_t i = 0; i < t.numel(); i++) test::at(t, i) = sd * n01(rng);
  return ck;
}

}  // namespace

class TestMechanism : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void distanceIrrelevanceSeparatesSumFromDifference() {
    const Config c = test::planted_config();
    const int p = c.p;
    std::vector<float> sum(static_cast<std::size_t>(p) * p * p), diff(sum.size()), both(sum.size());
    for (int a = 0; a < p; a++)
      for (int b = 0; b < p; b++)
        for (int k = 0; k < p; k++) {
          const std::size_t i = (static_cast<std::size_t>(a) * p + b) * p + k;
          sum[i] = static_cast<float>(std::sin(0.7 * ((a + b) % p)));            // the clock's extreme
          diff[i] = static_cast<float>(std::cos(M_PI * ((a - b + p) % p) / p));  // the pizza's
          both[i] = sum[i] + diff[i];
        }
    QVERIFY(std::abs(distance_irrelevance(c, sum) - 1.0) < 1e-6);
    QVERIFY(std::abs(distance_irrelevance(c, diff)) < 1e-6);
    const double mixed = distance_irrelevance(c, both);
    QVERIFY2(mixed > 0.2 && mixed < 0.9, qPrintable(QString::number(mixed)));
  }

  void thePlantedPizza() {
    const Config c = test::planted_config();
    const CheckpointWeights w(c, test::planted_checkpoint(c, {3, 7, 11}, 4.0f));
    QVERIFY(std::abs(gradient_symmetricity(c, w) - 1.0) < 1e-6);  // a and b reach the model alike
    const double di = distance_irrelevance(c, compute_pair_forward(w).logits);
    QVERIFY2(di < 0.45, qPrintable(QString::number(di)));
    QVERIFY(std::abs(distance_irrelevance(c, w) - di) < 1e-12);  // block by block: the same
    const FourierBasis F(c.p);
    // The trainer's measures hand their own forward to the registered ones: the same bits as the
    // measure's own forward.
    const ProgressMeasures m = compute_progress_measures(c, w, make_dataset(c), std::vector<int>{3, 7, 11}, F);
    QVERIFY(m.registered.at("distance_irrelevance") == distance_irrelevance(c, w));  // exactly
    const std::vector<double> ipr = neuron_iprs(w, F);
    QCOMPARE(static_cast<int>(ipr.size()), c.d_mlp);
    for (double x : ipr) QVERIFY2(x > 0.99, qPrintable(QString::number(x)));  // one frequency each
  }

  void randomWeightsAreNeitherCircularNorSparse() {
    const Config c = test::planted_config();
    const CheckpointWeights w(c, random_checkpoint(c, 0.3f));
    const FourierBasis F(c.p);
    double mean = 0;
    for (double x : neuron_iprs(w, F)) mean += x / c.d_mlp;
    QVERIFY2(mean < 0.25, qPrintable(QString::number(mean)));
    const double circ = circularity(c, w);
    QVERIFY2(circ < 0.6, qPrintable(QString::number(circ)));
  }

  void anEmbeddingOnCirclesIsCircular() {
    // W_E's tokens on two circles (frequencies 3 and 7, radii 2 and 1.5): its top four principal
    // components are those cosines and sines.
    const Config c = test::planted_config();
    std::vector<NamedArray> ck = random_checkpoint(c, 0.0f);
    NamedArray& WE = ck[8];
    QCOMPARE(WE.name, std::string("embed.W_E"));
    const int V = c.p + 1;
    for (int t = 0; t < c.p; t++) {
      const double u = 2 * M_PI * t / c.p;
      test::at(WE, 0 * V + t) = static_cast<float>(2 * std::cos(3 * u));
      test::at(WE, 1 * V + t) = static_cast<float>(2 * std::sin(3 * u));
      test::at(WE, 2 * V + t) = static_cast<float>(1.5 * std::cos(7 * u));
      test::at(WE, 3 * V + t) = static_cast<float>(1.5 * std::sin(7 * u));
    }
    QVERIFY(std::abs(circularity(c, CheckpointWeights(c, ck)) - 1.0) < 1e-5);
  }

  void gradientSymmetricityIsTheCosineOfFiniteDifferences() {
    // Random weights, the authors' 100 triples: each gradient by central differences of the
    // reference forward with the operands' vectors given, then the mean cosine.
    Config c = test::planted_config();
    c.d_mlp = 40;
    const CheckpointWeights w(c, random_checkpoint(c, 0.4f));
    const double gs = gradient_symmetricity(c, w);
    const int n = c.p;
    std::vector<std::int64_t> all(static_cast<std::size_t>(n) * n * n);
    for (std::size_t i = 0; i < all.size(); i++) all[i] = static_cast<std::int64_t>(i);
    PythonRandom rng(42);
    rng.shuffle(all);
    const ModelFamilyImpl& f = model_impl(c);
    const Weights& tw = weights_from_checkpoint(c, w.arrays()).to(at::kDouble);
    double sum = 0;
    for (int t = 0; t < 100; t++) {
      const std::int64_t a = all[t] / (n * n), b = all[t] / n % n, k = all[t] % n;
      Batch x{at::tensor({a}), at::tensor({b}), {}, {}, 0};
      auto [ea, eb] = f.input_vectors(c, tw, x);
      auto logit = [&](const at::Tensor& va, const at::Tensor& vb) {
        ForwardOptions o;
        o.input_a = va, o.input_b = vb;
        return f.forward_reference(c, tw, x, o, nullptr)[0][k].item<double>();
      };
      const int D = c.d_model;
      at::Tensor ga = at::zeros({D}, at::kDouble), gb = at::zeros({D}, at::kDouble);
      const double h = 1e-5;
      for (int d = 0; d < D; d++) {
        at::Tensor up = ea.clone(), down = ea.clone();
        up[0][d] += h, down[0][d] -= h;
        ga[d] = (logit(up, eb) - logit(down, eb)) / (2 * h);
        up = eb.clone(), down = eb.clone();
        up[0][d] += h, down[0][d] -= h;
        gb[d] = (logit(ea, up) - logit(ea, down)) / (2 * h);
      }
      sum += (ga * gb).sum().item<double>() / (ga.norm() * gb.norm()).item<double>();
    }
    QVERIFY2(std::abs(gs - sum / 100) < 1e-4, qPrintable(QString("%1 vs %2").arg(gs).arg(sum / 100)));
    QVERIFY(gs < 0.95);  // random weights: not the symmetric extreme
  }

  void largeTasksSampleTheirTriplesWithoutTheWholeList() {
    // n = 1021: their whole-list shuffle would hold 1.06e9 triples (4.3 GB); 100 drawn instead.
    Config c = test::tiny_config(1021);
    const CheckpointWeights w(c, to_named_arrays(init_weights(c)));
    const double gs = gradient_symmetricity(c, w);
    QVERIFY2(gs >= -1 && gs <= 1, qPrintable(QString::number(gs)));
  }

  void undefinedMeasuresAreNullWithAReason() {
    QTemporaryDir dir;
    Config c = test::tiny_config(11, 20, 20, 5);
    c.task = "subtract";
    const std::string path = (dir.path() + "/sub.grok").toStdString();
    test::train_run(c, path);
    const nlohmann::json j = to_json(analyze_checkpoint(RunStore::open(path), 20, KeySelection::live()));
    QVERIFY(j["gradient_symmetricity"].is_number() && j["mean_ipr"].is_number());
    for (const char* f : {"distance_irrelevance", "circularity"}) {
      QVERIFY2(j[f].is_null(), f);
      QVERIFY2(j[std::string(f) + "_reason"].get<std::string>().find("defined for the task add") != std::string::npos,
               f);
    }
    // Stored by training for every checkpoint, as the paper's measures are.
    const auto stored = RunStore::open(path).load_measures(KeySelection::Live);
    QVERIFY(stored.back().values.count("gradient_symmetricity") && !stored.back().values.count("circularity"));
  }
};

GROK_TEST_APPLESS_MAIN(TestMechanism)
#include "test_mechanism.moc"
