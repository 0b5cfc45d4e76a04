// Label noise (Doshi et al. 2024): which training pairs are corrupted and how, and the accuracies a
// noisy run records on its given labels, its true labels and its corrupted pairs, stored in the run
// file (format 4's label_metrics) and written by export-csv.
#include <QtTest>

#include <ATen/ATen.h>

#include <cmath>
#include <sstream>

#include "core/data/dataset.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/weights.h"
#include "core/store/metrics_csv.h"
#include "core/store/run_store.h"
#include "test_util.h"

using namespace grok;

class TestLabelNoise : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void theFirstTrainingPairsGetRandomLabels() {
    Config c = test::tiny_config(31);
    c.train_fraction = 0.5;
    const Dataset clean = make_dataset(c);
    c.label_noise = 0.35;
    const Dataset noisy = make_dataset(c), again = make_dataset(c);
    const int n_train = clean.train.size();
    QCOMPARE(noisy.train.corrupted, static_cast<int>(0.35 * n_train));
    QCOMPARE(noisy.train.a, clean.train.a);  // the same split
    QCOMPARE(noisy.train.b, clean.train.b);
    QCOMPARE(noisy.train.c_true, clean.train.c);
    QCOMPARE(noisy.test.c, clean.test.c);  // test labels stay true
    QVERIFY(noisy.test.c_true.empty());
    QCOMPARE(noisy.train.c, again.train.c);  // seeded
    int changed = 0;
    for (int i = 0; i < n_train; i++) {
      QVERIFY(noisy.train.c[i] >= 0 && noisy.train.c[i] < 31);
      if (i >= noisy.train.corrupted) QCOMPARE(noisy.train.c[i], clean.train.c[i]);
      changed += noisy.train.c[i] != clean.train.c[i];
    }
    // Uniform over 31 labels: about 1/31 of the corrupted pairs keep their true label by chance.
    QVERIFY2(changed > 0.85 * noisy.train.corrupted && changed < noisy.train.corrupted,
             qPrintable(QString("%1 of %2").arg(changed).arg(noisy.train.corrupted)));
  }

  void aNoisyRunRecordsBothAccuracies() {
    QTemporaryDir dir;
    Config c = test::tiny_config(23, 40, 20, 5);
    c.train_fraction = 0.6;
    c.label_noise = 0.3;
    const std::string path = (dir.path() + "/noisy.grok").toStdString();
    test::train_run(c, path);
    const RunStore s = RunStore::open(path);
    QCOMPARE(s.schema_version(), kRunSchemaVersion);  // format 4 made the label_metrics table
    const std::vector<EpochMetrics> m = s.metrics();
    QCOMPARE(m.size(), std::size_t(41));
    // Epoch 20's accuracies from its checkpoint's weights (the training forward runs on W_20).
    const Dataset d = make_dataset(c);
    const Batch x = make_batch(d.train);
    const at::Tensor logits = model_forward(c, weights_from_checkpoint(c, s.load_checkpoint(20)), x);
    const at::Tensor guess = logits.narrow(1, 0, 23).argmax(1);
    const int k = d.train.corrupted;
    auto share = [](const at::Tensor& hit) { return hit.to(at::kDouble).mean().item<double>(); };
    QCOMPARE(m[20].train_acc, share(guess.eq(x.labels)));
    QCOMPARE(m[20].train_acc_true, share(guess.eq(x.true_labels)));
    QCOMPARE(m[20].corrupted_acc, share(guess.narrow(0, 0, k).eq(x.labels.narrow(0, 0, k))));
    QCOMPARE(m[20].corrupted_acc_true, share(guess.narrow(0, 0, k).eq(x.true_labels.narrow(0, 0, k))));
    for (const EpochMetrics& e : m) QVERIFY(!std::isnan(e.train_acc_true) && !std::isnan(e.corrupted_acc_true));
    std::ostringstream csv;
    write_metrics_csv(s, csv, 20, 20);
    const QStringList rows = QString::fromStdString(csv.str()).trimmed().split('\n');
    QCOMPARE(rows.size(), 2);
    QCOMPARE(rows[1].split(',').size(), 9);
    QVERIFY(std::abs(rows[1].split(",")[6].toDouble() - m[20].train_acc_true) < 1e-6);  // %.6g

    // Without noise there is nothing to record: train_acc_true is train_acc.
    c.label_noise = 0;
    const std::string clean = (dir.path() + "/clean.grok").toStdString();
    test::train_run(c, clean);
    const std::vector<EpochMetrics> cm = RunStore::open(clean).metrics();
    QVERIFY(std::isnan(cm[20].train_acc_true));
    QCOMPARE(cm[20].accuracy_on_true_labels(), cm[20].train_acc);
  }
};

GROK_TEST_APPLESS_MAIN(TestLabelNoise)
#include "test_label_noise.moc"
