// One training step: the trainer's epochs, a TrainStep loop and the benchmark's timed steps give
// the same weights bit for bit, with every regulariser and a non-default optimiser.
#include <QtTest>

#include <ATen/ATen.h>

#include <atomic>

#include "core/bench/bench.h"
#include "core/data/dataset.h"
#include "core/model/internal/transformer.h"
#include "core/runtime/compute_thread.h"
#include "core/store/run_store.h"
#include "core/training/internal/train_step.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

namespace {

// A small model with an optimiser unlike AdamWOptions' defaults, so that a step that ignored the
// config's betas, eps or warm-up would drift from the trainer's.
Config step_config(const QString& regularizer) {
  Config c = test::tiny_config(/*p=*/23, /*epochs=*/30, /*checkpoint_interval=*/10, /*test_interval=*/5);
  c.beta1 = 0.8;
  c.beta2 = 0.95;
  c.eps = 1e-6;
  c.warmup_steps = 4;
  set_config_value(c, "regularizer=" + regularizer.toStdString());
  if (regularizer == "dropout") c.dropout = 0.2;
  if (regularizer == "l1") c.l1 = 1e-3;
  return c;
}

// Trains `c` (c.epochs epochs) with the Trainer on this thread, one intra-op thread; the final weights.
std::vector<NamedArray> trainer_weights(const Config& c, const test::ScratchDir& dir) {
  const std::string path = dir.file("run.grok");
  Trainer t = Trainer::start(c, path, true, {1});
  std::atomic<bool> stop{false};
  t.run(stop);
  return RunStore::open(path).load_checkpoint(c.epochs);
}

void compare_weights(const std::vector<NamedArray>& got, const std::vector<NamedArray>& want) {
  QCOMPARE(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); i++) {
    QCOMPARE(got[i].name, want[i].name);
    QVERIFY2(got[i].bytes == want[i].bytes, got[i].name.c_str());
  }
}

void regularizer_rows() {
  QTest::addColumn<QString>("regularizer");
  QTest::newRow("weight decay") << "weight_decay";
  QTest::newRow("dropout") << "dropout";
  QTest::newRow("l1") << "l1";
}

}  // namespace

class TestTrainStep : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void init() { set_intra_op_threads(1); }

  void stepsEqualTrainerEpochs_data() { regularizer_rows(); }
  void stepsEqualTrainerEpochs() {
    QFETCH(QString, regularizer);
    const Config c = step_config(regularizer);
    test::ScratchDir dir;
    const std::vector<NamedArray> want = trainer_weights(c, dir);
    TrainStep step(c, init_weights(c), make_batch(make_dataset(c).train));
    for (int e = 0; e < c.epochs; e++) step.run(e);
    QCOMPARE(step.optimizer().steps_taken(), static_cast<long>(c.epochs));
    compare_weights(to_named_arrays(step.weights()), want);
  }

  void forwardGivesTheLoggedMetrics() {
    // The trainer logs the forward half's loss and accuracy of each epoch as they are.
    const Config c = step_config("weight_decay");
    test::ScratchDir dir;
    (void)trainer_weights(c, dir);
    const auto logged = RunStore::open(dir.file("run.grok")).metrics();
    TrainStep step(c, init_weights(c), make_batch(make_dataset(c).train));
    for (int e = 0; e <= c.epochs; e++) {
      const StepForward& f = step.forward(e);
      QVERIFY(f.loss_value == logged[e].train_loss);  // exactly: QCOMPARE of doubles is fuzzy
      QVERIFY(f.accuracy == logged[e].train_acc);
      if (e < c.epochs) step.update();
    }
  }

  void updateNeedsAForward() {
    const Config c = step_config("weight_decay");
    TrainStep step(c, init_weights(c), make_batch(make_dataset(c).train));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, step.update());
    step.run(0);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, step.update());  // that forward was consumed
  }

  void benchTrainsWhatTheTrainerTrains_data() { regularizer_rows(); }
  void benchTrainsWhatTheTrainerTrains() {
    // The benchmark's timed steps (warm-up included) are the trainer's epochs: same optimiser,
    // warm-up, regulariser and dropout masks, so the weights after them are the trainer's.
    QFETCH(QString, regularizer);
    Config c = step_config(regularizer);
    const BenchResult r = run_benchmark(c, /*threads=*/1, /*repeats=*/4, {}, "", /*throughput_only=*/true);
    QCOMPARE(r.threads, 1);
    QVERIFY(r.steps_trained >= 4);
    c.epochs = r.steps_trained;
    test::ScratchDir dir;
    compare_weights(r.trained_weights, trainer_weights(c, dir));
  }
};

GROK_TEST_APPLESS_MAIN(TestTrainStep)
#include "test_train_step.moc"
