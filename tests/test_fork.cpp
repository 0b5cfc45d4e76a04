// Forking a run from a checkpoint (Trainer::fork, `grokking-cli fork`): the child starts from the
// parent's weights exactly, continues like a resume when forked at the newest checkpoint with
// nothing changed, starts fresh moments from an older one, and refuses what would change the model,
// the task or the split with one line, writing nothing.
#include <QtTest>

#include <atomic>
#include <filesystem>

#include "cli_test_util.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

namespace {

void train(Trainer t) {
  std::atomic<bool> stop{false};
  t.run(stop);
}

void same_tensors(const std::vector<NamedArray>& a, const std::vector<NamedArray>& b) {
  QCOMPARE(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); i++) {
    QCOMPARE(a[i].name, b[i].name);
    QVERIFY2(a[i].bytes == b[i].bytes, a[i].name.c_str());
  }
}

// The ConfigError message of forking `parent` with these arguments (empty if it succeeded).
std::string fork_error(const std::string& parent, int epoch, const std::vector<std::string>& changes,
                       const std::string& out) {
  try {
    Trainer::fork(parent, epoch, changes, out, false, {1});
  } catch (const std::exception& e) {
    return e.what();
  }
  return {};
}

}  // namespace

class TestFork : public QObject {
  Q_OBJECT
  test::ScratchDir dir_;
  std::string parent_;

 private Q_SLOTS:
  void initTestCase() {
    parent_ = dir_.file("parent.grok");
    train(Trainer::start(test::tiny_config(/*p=*/13, /*epochs=*/40), parent_, false, {1}));
  }

  // Forked at the newest checkpoint with only a later target: the parent resumed, bit for bit.
  void forkAtTheNewestCheckpointContinuesLikeAResume() {
    const std::string child = dir_.file("child.grok"), resumed = dir_.file("resumed.grok");
    std::filesystem::copy_file(parent_, resumed);
    train(Trainer::resume(resumed, 60, {1}));
    train(Trainer::fork(parent_, 40, {"epochs=60"}, child, false, {1}));
    const RunStore c = RunStore::open(child), p = RunStore::open(parent_);
    same_tensors(c.load_checkpoint(40), p.load_checkpoint(40));
    same_tensors(c.load_checkpoint(60), RunStore::open(resumed).load_checkpoint(60));
    QCOMPARE(c.checkpoint_epochs(), (std::vector<int>{40, 50, 60}));
    QCOMPARE(c.metrics().front().epoch, 40);  // the parent's epoch axis
    QCOMPARE(c.meta("parent"), std::filesystem::absolute(parent_).lexically_normal().string());
    QCOMPARE(c.meta("parent_epoch"), std::string("40"));
    QCOMPARE(c.meta("optimizer_state"), std::string("parent"));
    QVERIFY(c.complete());
  }

  // An older checkpoint: its weights, fresh moments (step 0: the warm-up runs again), the changes.
  void forkAtAnOlderCheckpointStartsFreshMoments() {
    const std::string child = dir_.file("older.grok");
    Trainer t = Trainer::fork(parent_, 20, {"train_fraction=0.2", "weight_decay=0"}, child, false, {1});
    const RunStore c = RunStore::open(child);
    same_tensors(c.load_checkpoint(20), RunStore::open(parent_).load_checkpoint(20));
    QCOMPARE(c.meta("optimizer_state"), std::string("fresh"));
    QCOMPARE(c.load_resume_state()->optimizer_steps, 0L);
    QCOMPARE(c.config().train_fraction, 0.2);
    QCOMPARE(c.config().weight_decay, 0.0);
    QCOMPARE(t.epoch(), 20);
  }

  void refusesWhatWouldChangeTheModelTaskOrSplit_data() {
    QTest::addColumn<int>("epoch");
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("message");
    QTest::newRow("p") << 40 << "p=17"
                       << "p: a fork keeps the parent's model, task and split (parent: 13)";
    QTest::newRow("d_model") << 40 << "d_model=64"
                             << "d_model: a fork keeps the parent's model";
    QTest::newRow("operation") << 40 << "operation=subtract"
                               << "task: a fork keeps";  // operation is task's alias
    QTest::newRow("seed") << 40 << "seed=3"
                          << "seed: a fork keeps";
    QTest::newRow("init_scale") << 40 << "init_scale=0.5"
                                << "init_scale: a fork keeps";
    QTest::newRow("not a checkpoint") << 25 << "weight_decay=0"
                                      << "epoch: 25 is not a checkpoint of";
    QTest::newRow("epochs") << 40 << "epochs=30"
                            << "epochs: 30 is not after the fork's epoch 40";
    QTest::newRow("bad value") << 40 << "weight_decay=-1"
                               << "weight_decay: got -1";
  }
  void refusesWhatWouldChangeTheModelTaskOrSplit() {
    QFETCH(int, epoch);
    QFETCH(QString, change);
    QFETCH(QString, message);
    const std::string out = dir_.file("refused.grok");
    const std::string error = fork_error(parent_, epoch, {change.toStdString()}, out);
    QVERIFY2(error.find(message.toStdString()) != std::string::npos, error.c_str());
    QVERIFY(error.find('\n') == std::string::npos);
    QVERIFY(!std::filesystem::exists(out));
  }

  void refusesToOverwriteTheParent() {
    const auto before = RunStore::open(parent_).checkpoint_epochs();
    try {
      Trainer::fork(parent_, 20, {}, parent_, true, {1});
      QFAIL("forked over its parent");
    } catch (const RunFileError& e) {
      QVERIFY2(std::string(e.what()).find("is the parent run") != std::string::npos, e.what());
    }
    QCOMPARE(RunStore::open(parent_).checkpoint_epochs(), before);
  }

  // The command line: the child trained to its epochs, a refusal in one line with exit 2.
  void throughTheCli() {
    const QString parent = QString::fromStdString(parent_), child = dir_.qfile("cli-child.grok");
    const auto ok =
        test::cli({"fork", parent, "--epoch", "40", "--set", "weight_decay=0", "--set", "epochs=50", "--out", child});
    QVERIFY2(ok.code == 0, qPrintable(ok.err));
    QVERIFY2(ok.out.contains("optimizer moments carried over"), qPrintable(ok.out));
    QCOMPARE(RunStore::open(child.toStdString()).checkpoint_epochs(), (std::vector<int>{40, 50}));
    const auto old = test::cli({"fork", parent, "--epoch", "20", "--no-train", "--out", dir_.qfile("cli-old.grok")});
    QVERIFY2(old.code == 0 && old.out.contains("fresh"), qPrintable(old.out + old.err));
    const QString refused = dir_.qfile("cli-refused.grok");
    const auto bad = test::cli({"fork", parent, "--epoch", "40", "--set", "n_heads=4", "--out", refused});
    QCOMPARE(bad.code, 2);
    QCOMPARE(bad.err.trimmed().count('\n'), 0);
    QVERIFY2(bad.err.contains("n_heads: a fork keeps"), qPrintable(bad.err));
    QVERIFY(!QFile::exists(refused));
    QCOMPARE(test::cli({"fork", parent, "--out", refused}).code, 2);  // no --epoch
  }
};

GROK_TEST_MAIN(TestFork, QCoreApplication)
#include "test_fork.moc"
