// The analysis in a group's irreps (fourier_basis.h, generic layout) against the FFTW path for every
// cyclic task: with the key set given, every measure agrees within 1e-6 (the 2-d real irreps of
// Z_n span today's cos/sin pairs); group tasks and tasks without a group train and analyse, the
// latter with every group measure null and a reason.
#include <QtTest>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/checkpoint_analysis.h"
#include "core/analysis/fourier_basis.h"
#include "core/analysis/pair_forward.h"
#include "core/analysis/progress_measures.h"
#include "core/analysis/weight_spectra.h"
#include "core/store/run_store.h"
#include "planted_model.h"
#include "test_util.h"

using namespace grok;

namespace {

// The planted circuit at frequencies 3 and 7, with every weight perturbed (seeded), so that no
// measure sits at an exact zero both paths could share by construction.
std::vector<NamedArray> noisy_planted(const Config& c) {
  std::vector<NamedArray> ck = test::planted_checkpoint(c, {3, 7}, 4.0f);
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.f, 0.05f);
  for (NamedArray& a : ck)
    for (std::int64_t i = 0; i < a.numel(); i++) test::at(a, i) += noise(rng);
  return ck;
}

bool close(double a, double b, double rel = 1e-6) { return std::abs(a - b) <= rel * std::max(1.0, std::abs(b)); }

void compareVectors(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  QCOMPARE(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); i++)
    QVERIFY2(close(a[i], b[i]), qPrintable(QString("%1[%2]: %3 vs %4").arg(what).arg(i).arg(a[i]).arg(b[i])));
}

}  // namespace

class TestGroupAnalysis : public QObject {
  Q_OBJECT

 private slots:
  void cyclicIrrepsGiveTheFourierNumbers_data() {
    QTest::addColumn<std::string>("op");
    for (const char* op : {"add", "subtract", "multiply", "divide"}) QTest::newRow(op) << std::string(op);
  }
  void cyclicIrrepsGiveTheFourierNumbers() {
    QFETCH(std::string, op);
    const Config c = test::planted_config(op);
    const OperationGroup g = Task(c).group();
    const FourierBasis fft(g), generic(g, /*generic=*/true);
    QVERIFY(fft.cyclic() && !generic.cyclic());
    QCOMPARE(generic.n_freqs(), fft.n_freqs());
    const CheckpointWeights w(c, noisy_planted(c));
    const Dataset data = make_dataset(c);
    const std::vector<int> keys{3, 7, 11};

    const WeightSpectra sf = weight_spectra(c, w.arrays(), fft), sg = weight_spectra(c, w.arrays(), generic);
    compareVectors(sg.wl_freq_norms, sf.wl_freq_norms, "wl_freq_norms");
    QVERIFY(close(sg.gini_we, sf.gini_we, 1e-3));  // per row: the basis inside a span differs

    const ProgressMeasures mf = compute_progress_measures(c, w, data, keys, fft);
    const ProgressMeasures mg = compute_progress_measures(c, w, data, keys, generic);
    for (auto [a, b, name] : {std::tuple{mg.train_loss, mf.train_loss, "train_loss"},
                              {mg.test_loss, mf.test_loss, "test_loss"},
                              {mg.restricted_loss_test, mf.restricted_loss_test, "restricted_loss_test"},
                              {mg.restricted_loss_all, mf.restricted_loss_all, "restricted_loss_all"},
                              {mg.excluded_loss_train, mf.excluded_loss_train, "excluded_loss_train"},
                              {mg.max_excluded_loss, mf.max_excluded_loss, "max_excluded_loss"},
                              {mg.logits_explained, mf.logits_explained, "logits_explained"},
                              {mg.outside_loss, mf.outside_loss, "outside_loss"}})
      QVERIFY2(close(a, b), qPrintable(QString("%1: %2 vs %3").arg(name).arg(a).arg(b)));
    QCOMPARE(mg.max_excluded_freq, mf.max_excluded_freq);
    compareVectors(mg.excluded_loss_per_key, mf.excluded_loss_per_key, "excluded_loss_per_key");
    compareVectors(mg.cos_abc_coefficients, mf.cos_abc_coefficients, "cos_abc_coefficients");
    compareVectors(mg.logit_similarity, mf.logit_similarity, "logit_similarity");
    QVERIFY(mf.logits_explained > 0.5);  // the planted frequencies carry the logits

    const AllPairForward forward = compute_pair_forward(w);
    const AblationChecks cf = ablation_checks(c, w, keys, fft, view(forward));
    const AblationChecks cg = ablation_checks(c, w, keys, generic, view(forward));
    QCOMPARE(cg.rows.size(), cf.rows.size());
    for (std::size_t i = 0; i < cf.rows.size(); i++)
      QVERIFY2(close(cg.rows[i].loss, cf.rows[i].loss) && close(cg.rows[i].accuracy, cf.rows[i].accuracy),
               cf.rows[i].check.c_str());
    QVERIFY(close(cg.logit_fit_fve, cf.logit_fit_fve));
    QVERIFY(close(cg.wl_norm_outside_key, cf.wl_norm_outside_key));
  }

  void groupTasksTrainAndAnalyse() {
    QTemporaryDir dir;
    Config c = test::tiny_config(11, 60, 30, 10);
    c.task = "S3";
    c.train_fraction = 0.6;
    const std::string path = (dir.path() + "/s3.grok").toStdString();
    test::train_run(c, path);
    const RunStore s = RunStore::open(path);
    const nlohmann::json j = to_json(analyze_checkpoint(s, 60, KeySelection::live()));
    QCOMPARE(j["basis"]["group"].get<std::string>(), std::string("S3"));
    QCOMPARE(j["basis"]["layout"].get<std::string>(), std::string("irreps"));
    QCOMPARE(j["irrep_spectra"].size(), std::size_t(3));  // trivial, sign, standard
    QCOMPARE(j["irrep_spectra"][2]["name"].get<std::string>(), std::string("standard"));
    QCOMPARE(j["irrep_spectra"][2]["span_dim"].get<int>(), 4);
    double we = 0;
    for (const auto& r : j["irrep_spectra"]) we += r["we_share"].get<double>();
    QVERIFY(std::abs(we - 1) < 1e-9);  // the spans cover W_E
    QVERIFY(j["logits_explained"].is_number() && j["key_irreps"].is_array());
    QCOMPARE(j["checks"][0]["check"].get<std::string>(), std::string("full model"));
  }

  void tasksWithoutAGroupSayWhy() {
    QTemporaryDir dir;
    for (const char* task : {"S3-conj", "x2+y2"}) {
      Config c = test::tiny_config(11, 40, 20, 10);
      c.task = task;
      c.train_fraction = 0.5;
      const std::string path = (dir.path() + "/" + task + ".grok").toStdString();
      test::train_run(c, path);
      const RunStore s = RunStore::open(path);
      const nlohmann::json j = to_json(analyze_checkpoint(s, 40, KeySelection::live()));
      QVERIFY(j["test_loss"].is_number() && j["train_acc"].is_number());
      for (const char* f : {"key_irreps", "logits_explained", "restricted_loss_test", "irrep_spectra", "checks"}) {
        QVERIFY2(j[f].is_null(), f);
        QVERIFY2(
            j[std::string(f) + "_reason"].get<std::string>().find("is not a group's composition") != std::string::npos,
            f);
      }
      // The measures stored while training are the losses alone.
      const auto measures = s.load_measures(KeySelection::Live);
      QVERIFY(!measures.empty());
      QVERIFY(measures.back().values.count("test_loss") && !measures.back().values.count("restricted_loss_test"));
    }
  }
};

GROK_TEST_APPLESS_MAIN(TestGroupAnalysis)
#include "test_group_analysis.moc"
