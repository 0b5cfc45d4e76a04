// Training end to end through the public Trainer API: the reference trajectory, determinism, and
// resume giving exactly what an uninterrupted run gives.
#include <QtTest>

#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "core/analysis/fourier_basis.h"
#include "core/analysis/progress_measures.h"
#include "core/data/dataset.h"
#include "core/runtime/analysis_turns.h"
#include "core/runtime/compute_thread.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

namespace {

Config small_config() {
  Config c;
  c.p = 23;
  c.train_fraction = 0.5;
  c.d_model = 32;
  c.n_heads = 4;
  c.d_head = 8;
  c.d_mlp = 64;
  c.epochs = 300;
  c.checkpoint_interval = 50;
  c.test_interval = 5;
  return c;
}

// Small models train on one thread: their tensors are too small for intra-op parallelism to pay.
TrainOptions threads_for(const Config& c) { return {c.p < 100 ? 1 : 2}; }

void train(const Config& c, const std::string& path, int stop_after = -1) {
  Trainer t = Trainer::start(c, path, true, threads_for(c));
  std::atomic<bool> stop{false};
  t.run(stop, {[&](const TrainProgress& p) {
          if (p.epoch == stop_after) stop = true;
        }});
}

// Every metric row and every stored tensor of the final checkpoint, bit for bit.
void compare_runs(const std::string& a, const std::string& b) {
  const RunStore sa = RunStore::open(a), sb = RunStore::open(b);
  const auto ma = sa.metrics(), mb = sb.metrics();
  QCOMPARE(ma.size(), mb.size());
  for (std::size_t i = 0; i < ma.size(); i++) {
    QCOMPARE(ma[i].epoch, mb[i].epoch);
    QCOMPARE(ma[i].train_loss, mb[i].train_loss);
    QCOMPARE(ma[i].train_acc, mb[i].train_acc);
    QCOMPARE(std::isnan(ma[i].test_loss), std::isnan(mb[i].test_loss));
    if (!std::isnan(ma[i].test_loss)) QCOMPARE(ma[i].test_loss, mb[i].test_loss);
  }
  const int last = sa.checkpoint_epochs().back();
  QCOMPARE(sb.checkpoint_epochs().back(), last);
  const auto wa = sa.load_checkpoint(last), wb = sb.load_checkpoint(last);
  QCOMPARE(wa.size(), wb.size());
  for (std::size_t i = 0; i < wa.size(); i++) {
    QCOMPARE(wa[i].name, wb[i].name);
    QVERIFY2(wa[i].bytes == wb[i].bytes, wa[i].name.c_str());
  }
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void computeThreadIsKeptOrEndedAsAsked() {
    // How many jobs the running thread has served (thread ids are recycled; this count is not).
    static thread_local int served = 0;
    ComputeThread ct(2);
    int n = 0, threads = 0;
    ct.run([&] { n = ++served, threads = at::get_num_threads(); });
    QCOMPARE(n, 1);
    QCOMPARE(threads, 2);
    ct.run([&] { n = ++served; });
    QCOMPARE(n, 2);            // kept between jobs
    QCOMPARE(served, 0);       // and not this thread
    ct.set_keep_alive(false);  // ends the idle thread; each job then gets a thread of its own
    ct.run([&] { n = ++served; });
    QCOMPARE(n, 1);
    ct.run([&] { n = ++served; });
    QCOMPARE(n, 1);
    // A job's exception reaches the caller, and the thread still serves the next job.
    bool threw = false;
    try {
      ct.run([] { throw std::runtime_error("job failed"); });
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()) == "job failed";
    }
    QVERIFY(threw);
    ct.set_keep_alive(true);
    int ran = 0;
    ct.run([&] { ran++; });
    QCOMPARE(ran, 1);
  }

  void analysisTakesTurnsWithTraining() {
    AnalysisTurns turns;
    { AnalysisTurns::Turn alone(turns); }  // no trainer: at once
    std::atomic<bool> quit{false}, in_turn{false}, overlapped{false};
    std::atomic<int> epochs{0};
    std::thread trainer([&] {
      AnalysisTurns::Training present(turns);
      while (!quit.load()) {
        turns.between_epochs();
        if (in_turn.load()) overlapped = true;  // an epoch ran during an analysis' turn
        epochs++;
      }
    });
    QTRY_VERIFY(epochs.load() > 0);
    for (int round = 0; round < 20; round++) {
      AnalysisTurns::Turn turn(turns);  // granted only with the trainer between epochs
      in_turn = true;
      const int at = epochs.load();
      for (int i = 0; i < 1000; i++) std::this_thread::yield();  // the trainer gets every chance to run
      QCOMPARE(epochs.load(), at);
      in_turn = false;
    }
    const int after = epochs.load();
    QTRY_VERIFY(epochs.load() > after);  // and resumes once the turn is over
    quit = true;
    trainer.join();
    QVERIFY(!overlapped.load());
    // A trainer parked (paused by the user) lets an analysis run, and leaves only after it.
    std::atomic<bool> leave{false}, left{false};
    std::thread paused([&] {
      AnalysisTurns::Training present(turns);
      {
        AnalysisTurns::Parked parked(turns);
        while (!leave.load()) std::this_thread::yield();
      }
      left = true;
    });
    {
      AnalysisTurns::Turn turn(turns);
      leave = true;
      for (int i = 0; i < 1000; i++) std::this_thread::yield();
      QVERIFY(!left.load());
    }
    paused.join();
    QVERIFY(left.load());
  }

  void followsTheReferenceTrajectory() {
    // REFERENCE.md s.3, mainline seed 0 from the authors' code on a CPU.
    test::ScratchDir dir;
    Config c;
    c.epochs = 100;
    train(c, dir.file("ref.grok"));
    const RunStore s = RunStore::open(dir.file("ref.grok"));
    const auto m = s.metrics();
    QCOMPARE(m.size(), std::size_t(101));
    // Epoch 0 is the initial model: same weights and split, so agreement to float rounding.
    QVERIFY(std::abs(m[0].train_loss - 4.76405) < 2e-5);
    QVERIFY(std::abs(m[0].test_loss - 4.76835) < 2e-5);
    // After 100 AdamW steps float rounding has compounded: within 1 %.
    QVERIFY2(std::abs(m[100].train_loss / 2.2712 - 1) < 0.01, qPrintable(QString::number(m[100].train_loss)));
    QVERIFY2(std::abs(m[100].test_loss / 7.740 - 1) < 0.01, qPrintable(QString::number(m[100].test_loss)));
    QVERIFY2(std::abs(m[100].train_acc - 0.477) < 0.01, qPrintable(QString::number(m[100].train_acc)));
    QCOMPARE(m[0].lr, 0.0);
    QCOMPARE(m[1].lr, 1e-4);
    QCOMPARE(s.checkpoint_epochs(), (std::vector<int>{0, 100}));
  }

  void sameSeedSameBits() {
    test::ScratchDir dir;
    train(small_config(), dir.file("a.grok"));
    train(small_config(), dir.file("b.grok"));
    compare_runs(dir.file("a.grok"), dir.file("b.grok"));
  }

  void sameSeedSameBitsOnTwoThreads() {
    // Mainline widths (BLAS and LibTorch both split work across threads) on a small p.
    test::ScratchDir dir;
    Config c;
    c.p = 31;
    c.epochs = 40;
    c.checkpoint_interval = 20;
    for (const char* name : {"a.grok", "b.grok"}) {
      Trainer t = Trainer::start(c, dir.file(name), true, {2});
      std::atomic<bool> stop{false};
      t.run(stop);
    }
    compare_runs(dir.file("a.grok"), dir.file("b.grok"));
  }

  void resumeEqualsUninterrupted_data() {
    QTest::addColumn<int>("stopAt");
    QTest::addColumn<QString>("regularizer");
    QTest::addColumn<QString>("model");
    QTest::newRow("on a checkpoint, weight decay") << 100 << "weight_decay"
                                                   << "transformer";
    QTest::newRow("between checkpoints, weight decay") << 137 << "weight_decay"
                                                       << "transformer";
    QTest::newRow("between checkpoints, dropout") << 137 << "dropout"
                                                  << "transformer";
    QTest::newRow("between checkpoints, l1") << 61 << "l1"
                                             << "transformer";
    QTest::newRow("Chughtai's MLP") << 137 << "weight_decay"
                                    << "mlp";
    QTest::newRow("Gromov's MLP: x^2, mse, label noise, dropout") << 137 << "dropout"
                                                                  << "quadratic-mlp";
  }
  void resumeEqualsUninterrupted() {
    QFETCH(int, stopAt);
    QFETCH(QString, regularizer);
    QFETCH(QString, model);
    Config c = small_config();
    set_config_value(c, "model=" + model.toStdString());
    if (model == "quadratic-mlp") c.activation = Activation::Quadratic, c.loss = LossKind::Mse, c.label_noise = 0.2;
    set_config_value(c, "regularizer=" + regularizer.toStdString());
    if (regularizer == "dropout") c.dropout = 0.2;
    if (regularizer == "l1") c.l1 = 1e-4;
    test::ScratchDir dir;
    train(c, dir.file("full.grok"));
    train(c, dir.file("part.grok"), stopAt);
    {
      const RunStore s = RunStore::open(dir.file("part.grok"));
      QCOMPARE(s.checkpoint_epochs().back(), stopAt + 1);  // stop commits the epoch reached
    }
    Trainer t = Trainer::resume(dir.file("part.grok"), std::nullopt, threads_for(c));
    QCOMPARE(t.epoch(), stopAt + 1);
    std::atomic<bool> stop{false};
    t.run(stop);
    QVERIFY(t.finished());
    compare_runs(dir.file("full.grok"), dir.file("part.grok"));
  }

  void resumeExtendsTheTarget() {
    test::ScratchDir dir;
    Config c = small_config();
    train(c, dir.file("long.grok"));
    c.epochs = 200;
    train(c, dir.file("short.grok"));
    {  // a trainer holds the run until it is destroyed
      Trainer t = Trainer::resume(dir.file("short.grok"), 300, threads_for(c));
      std::atomic<bool> stop{false};
      t.run(stop);
    }
    compare_runs(dir.file("long.grok"), dir.file("short.grok"));
    QCOMPARE(RunStore::open(dir.file("short.grok")).config().epochs, 300);
    QVERIFY_THROWS_EXCEPTION(ConfigError, Trainer::resume(dir.file("short.grok"), 100));
  }

  void liveMeasuresEqualARecomputation() {
    // At a checkpoint the trainer puts every pair's logits together from the epoch's training and
    // test passes; the measures from a forward pass of their own over the stored checkpoint agree.
    test::ScratchDir dir;
    const Config c = small_config();
    train(c, dir.file("run.grok"));
    const RunStore s = RunStore::open(dir.file("run.grok"));
    const Dataset d = make_dataset(c);
    const FourierBasis F(c.p);
    const std::vector<MeasureRecord> live = s.load_measures(KeySelection::Live);
    QCOMPARE(live.size(), s.checkpoint_epochs().size());
    for (const MeasureRecord& r : live) {
      const MeasureRecord again =
          to_record(r.epoch, KeySelection::Live,
                    compute_progress_measures(c, CheckpointWeights(c, s.load_checkpoint(r.epoch)), d, std::nullopt, F));
      QVERIFY(again.keys == r.keys);
      QCOMPARE(again.values.size(), r.values.size());
      for (const auto& [name, v] : r.values) {
        const double w = again.values.at(name);
        QVERIFY2(std::abs(v - w) <= 1e-5 * std::abs(w) + 1e-7,
                 qPrintable(QString("epoch %1 %2: %3 vs %4").arg(r.epoch).arg(name.c_str()).arg(v).arg(w)));
      }
    }
  }

  void smallModelLearnsTheTask() {
    // Not grokking (that takes longer), but the training split is fitted.
    test::ScratchDir dir;
    Config c = small_config();
    c.epochs = 600;
    train(c, dir.file("fit.grok"));
    const auto last = RunStore::open(dir.file("fit.grok")).last_metrics();
    QVERIFY(last.has_value());
    QCOMPARE(last->epoch, 600);
    QVERIFY2(last->train_acc >= 0.99, qPrintable(QString::number(last->train_acc)));
    QVERIFY2(last->train_loss < 0.05, qPrintable(QString::number(last->train_loss)));
  }
};

GROK_TEST_APPLESS_MAIN(TestTraining)
#include "test_training.moc"
