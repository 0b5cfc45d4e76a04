// `grokking-cli sweep submit` against a real Slurm cluster (tests/slurm_cluster.h, started here in a
// temporary folder): the batch script of --dry-run, one line and exit 2 without sbatch, exit 1 when
// sbatch refuses, a sweep trained as one job array with `status` and `summary` right after it, and
// a task cancelled mid-run whose run, submitted again, resumes from its checkpoint to exactly the
// result of the same run trained without a break.
#include <QtTest>

#include <QElapsedTimer>
#include <QRegularExpression>
#include <memory>

#include "core/experiments/sweep.h"
#include "core/store/run_store.h"
#include "slurm_cluster.h"
#include "test_util.h"

using namespace grok;

namespace {

struct Result {
  int code = -1;
  QString out, err;
};

Result cli(const QStringList& args, const QProcessEnvironment& env) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(GROKKING_CLI, args);
  if (!p.waitForFinished(300000)) {
    p.kill();
    p.waitForFinished();
    return {-1, "", "grokking-cli did not finish: " + args.join(' ')};
  }
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

QString describe(const Result& r) { return QString("exit %1; out: %2; err: %3").arg(r.code).arg(r.out, r.err); }

QString read_all(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// A tiny model (hundreds of epochs a second on one thread) of `p`, varying `grid`.
QByteArray spec(int p, const QString& grid) {
  return QString(
             "{\"base\": {\"preset\": \"quick\", \"set\": {\"p\": %1, \"d_model\": 16, \"n_heads\": 2, "
             "\"d_head\": 8, \"d_mlp\": 32, \"checkpoint_interval\": 50, \"epochs\": 200}}, \"grid\": {%2}}")
      .arg(p)
      .arg(grid)
      .toUtf8();
}

// The job id from submit's first line, "submitted job 12: array 0-2%2, 3 runs of DIR".
QString job_of(const Result& r) { return QRegularExpression("^submitted job (\\d+): ").match(r.out).captured(1); }

const QString kCanonicalCli = QFileInfo(GROKKING_CLI).canonicalFilePath();

// A word as the shell reads it literally: '...' with every ' written '\''.
QString sh(const QString& s) { return "'" + QString(s).replace("'", "'\\''") + "'"; }

}  // namespace

class TestSlurm : public QObject {
  Q_OBJECT
  test::ScratchDir dir_;
  std::unique_ptr<test::SlurmCluster> cluster_;  // after dir_: stopped before the folder goes
  QString sweep_;                                // three runs of 200 epochs, in a folder named oddly

 private Q_SLOTS:
  void initTestCase() {
    QElapsedTimer t;
    t.start();
    // munged wants every folder above its socket searchable (a temporary folder is 0700).
    QFile::setPermissions(dir_.qfile(""),
                          QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ExeGroup | QFile::ExeOther);
    try {
      cluster_ = std::make_unique<test::SlurmCluster>(dir_.qfile("cluster"));
    } catch (const std::exception& e) {
      QFAIL(qPrintable(QString("the test cluster did not start: ") + e.what()));
    }
    qInfo("cluster up in %.1f s", t.elapsed() / 1e3);
    QFile f(dir_.qfile("fractions.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(spec(13, "\"train_fraction\": [0.3, 0.5, 0.7]"));
    f.close();
    // A folder name with what a shell or an #SBATCH line reads specially: ' # and a space.
    sweep_ = dir_.qfile("it's #3 fractions");
    const Result r = cli({"sweep", "init", dir_.qfile("fractions.json"), "--out", sweep_}, cluster_->env());
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
  }

  void dryRunPrintsTheScriptAndSubmitsNothing() {
    const Result r = cli({"sweep", "submit", sweep_, "--dry-run", "--max-parallel", "2", "--cpus-per-task", "1",
                          "--slurm", "--time=5", "--slurm=--comment=two words"},
                         cluster_->env());
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
    const QString script = sweep_ + "/slurm/submit-1.sbatch";
    for (const QString& want :
         {QString("would write %1:\n#!/bin/sh\n").arg(script), QString("#SBATCH --array=0-2%2\n"),
          QString("#SBATCH --cpus-per-task=1\n"), QString("#SBATCH --output=\"%1/slurm/%A_%a.out\"\n").arg(sweep_),
          QString("#SBATCH --requeue\n"), QString("#SBATCH --open-mode=append\n"),
          QString("\nset -- 0 1 2\nshift \"$SLURM_ARRAY_TASK_ID\"\nexec '%1' sweep task %2 --index \"$1\"\n")
              .arg(kCanonicalCli, sh(sweep_)),
          QString("\nsbatch --parsable --time=5 '--comment=two words' %1\n").arg(sh(script))})
      QVERIFY2(r.out.contains(want), qPrintable("no \"" + want + "\" in:\n" + r.out));
    QVERIFY2(!QFileInfo::exists(sweep_ + "/slurm"), "a dry run wrote the slurm folder");

    // A run another process trains now (its lock held, here by this test) is left to it.
    const Sweep s = Sweep::open(sweep_.toStdString());
    const std::optional<RunLock> lock = RunLock::try_acquire(s.lock_path(1));
    QVERIFY(lock);
    const Result held = cli({"sweep", "submit", sweep_, "--dry-run"}, cluster_->env());
    QVERIFY2(held.code == 0 && held.out.contains("#SBATCH --array=0-1\n") && held.out.contains("\nset -- 0 2\n") &&
                 held.out.contains("#SBATCH --cpus-per-task=2\n") &&
                 held.out.contains("\nleft out: run 1 (another process is training it now)\n"),
             qPrintable(describe(held)));
  }

  // Array indices are the runs still to do, not run numbers: the test cluster's MaxArraySize is 3,
  // so a sweep of 5 runs goes in two arrays (tasks 0-2: runs 0, 2, 3; task 0: run 4, with run 1
  // held), where the run numbers alone (--array=0,2-4) would be refused by sbatch.
  void arrayIndicesMapToTheRunsToDo() {
    QFile f(dir_.qfile("five.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(spec(11, "\"train_fraction\": [0.3, 0.4, 0.5, 0.6, 0.7]"));
    f.close();
    const QString dir = dir_.qfile("five");
    QVERIFY(cli({"sweep", "init", dir_.qfile("five.json"), "--out", dir}, cluster_->env()).code == 0);
    const Sweep s = Sweep::open(dir.toStdString());
    const std::optional<RunLock> lock = RunLock::try_acquire(s.lock_path(1));
    QVERIFY(lock);
    const Result r = cli({"sweep", "submit", dir, "--dry-run"}, cluster_->env());
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
    for (const QString& want :
         {QString("would write %1/slurm/submit-1.sbatch:").arg(dir), QString("#SBATCH --array=0-2\n"),
          QString("\nset -- 0 2 3\n"), QString("would write %1/slurm/submit-2.sbatch:").arg(dir),
          QString("#SBATCH --array=0\n"), QString("\nset -- 4\n"),
          QString("2 job arrays: the cluster's MaxArraySize is 3\n"),
          QString("left out: run 1 (another process is training it now)\n")})
      QVERIFY2(r.out.contains(want), qPrintable("no \"" + want + "\" in:\n" + r.out));
  }

  void withoutSbatchOneLineAndExit2() {
    QProcessEnvironment env = cluster_->env();
    QDir().mkpath(dir_.qfile("empty-bin"));
    env.insert("PATH", dir_.qfile("empty-bin"));
    const Result r = cli({"sweep", "submit", sweep_}, env);
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.startsWith("error: ") && r.err.trimmed().count('\n') == 0, qPrintable(r.err));
    QVERIFY2(r.err.contains("sbatch not found on PATH"), qPrintable(r.err));
    QVERIFY2(r.out.isEmpty() && !QFileInfo::exists(sweep_ + "/slurm"), qPrintable(describe(r)));
  }

  void refusedSubmissionOneLineAndExit1() {
    const Result r = cli({"sweep", "submit", sweep_, "--slurm", "--partition=nosuchpartition"}, cluster_->env());
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.startsWith("error: sweep submit: sbatch refused") && r.err.trimmed().count('\n') == 0,
             qPrintable(r.err));
    QVERIFY2(r.err.contains("sbatch: error: ") && r.err.contains("partition", Qt::CaseInsensitive), qPrintable(r.err));
    QVERIFY2(!QFileInfo::exists(sweep_ + "/slurm"), "a refused submission left the slurm folder");
  }

  void sweepTrainsAsOneJobArray() {
    QElapsedTimer t;
    t.start();
    const Result r = cli({"sweep", "submit", sweep_, "--max-parallel", "2", "--cpus-per-task", "1"}, cluster_->env());
    QVERIFY2(r.code == 0, qPrintable(describe(r)));
    const QString job = job_of(r);
    QVERIFY2(!job.isEmpty() && r.out.contains(": array 0-2%2, 3 runs of "), qPrintable(r.out));
    QVERIFY(
        read_all(sweep_ + "/slurm/submissions.log").contains(" job " + job + " array 0-2%2 script submit-1.sbatch"));
    QVERIFY2(cluster_->wait_until_ended(job, 240000), "the job array did not end in 4 minutes");
    qInfo("3 runs trained as job %s in %.1f s", qPrintable(job), t.elapsed() / 1e3);
    const auto states = cluster_->task_states(job);
    QCOMPARE(states.size(), std::size_t(3));
    for (int i = 0; i < 3; i++) {
      const QString task = QString("%1_%2").arg(job).arg(i), out = read_all(sweep_ + "/slurm/" + task + ".out");
      QVERIFY2(states.at(task) == "COMPLETED", qPrintable(task + " " + states.at(task) + ": " + out));
      QVERIFY2(out.contains("started at epoch 0 of 200, 1 thread") && out.contains(": complete, epoch 200"),
               qPrintable(out));
    }
    const Sweep s = Sweep::open(sweep_.toStdString());
    for (int i = 0; i < 3; i++) QVERIFY2(s.complete(i), qPrintable(QString("run %1 not complete").arg(i)));
    const Result status = cli({"sweep", "status", sweep_}, cluster_->env());
    QVERIFY2(status.out.contains("3 runs: 3 complete, 0 running, 0 pending, 0 failed"), qPrintable(status.out));

    // The summary: a row per run in index order, every run complete at its budget.
    const Result sum = cli({"sweep", "summary", sweep_, "--csv", "-"}, cluster_->env());
    QVERIFY2(sum.code == 0, qPrintable(describe(sum)));
    const QStringList rows = sum.out.trimmed().split('\n');
    QCOMPARE(rows.size(), 4);
    const QStringList head = rows[0].split(',');
    const auto col = [&](int row, const QString& name) { return rows[row].split(',').value(head.indexOf(name)); };
    const QStringList fractions = {"0.3", "0.5", "0.7"};
    for (int i = 0; i < 3; i++) {
      QCOMPARE(col(i + 1, "train_fraction"), fractions[i]);
      QCOMPARE(col(i + 1, "complete"), QString("1"));
      QCOMPARE(col(i + 1, "last_epoch"), QString("200"));
    }
    const Result again = cli({"sweep", "submit", sweep_}, cluster_->env());
    QVERIFY2(again.code == 0 && again.out.startsWith("nothing to submit: every run of the sweep is complete"),
             qPrintable(describe(again)));
  }

  // Run 1 of 3000 epochs: suspended mid-run (`status` shows it running), resumed, cancelled (SIGTERM:
  // a checkpoint), submitted again alone, and it goes on from that checkpoint to the same weights
  // as the run trained here without a break at the same thread count.
  void cancelledTaskResumesFromItsCheckpoint() {
    QElapsedTimer t;
    t.start();
    const QString dir = dir_.qfile("cancel");
    QFile f(dir_.qfile("cancel.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(spec(11, "\"epochs\": [100, 3000]"));
    f.close();
    QVERIFY(cli({"sweep", "init", dir_.qfile("cancel.json"), "--out", dir}, cluster_->env()).code == 0);
    const Result r = cli({"sweep", "submit", dir, "--cpus-per-task", "1"}, cluster_->env());
    const QString job = job_of(r), task = job + "_1";
    QVERIFY2(!job.isEmpty() && r.out.contains(": array 0-1, 2 runs"), qPrintable(describe(r)));
    const Sweep s = Sweep::open(dir.toStdString());
    QVERIFY2(test::poll_until(
                 [&] {
                   const SweepRunStatus st = s.status(1);
                   return st.state == RunState::Running && st.epoch > 0;
                 },
                 120000, 50),
             "run 1 did not reach a checkpoint in 2 minutes");

    // Suspended (SIGSTOP), the task still holds the run's lock: `status` shows it running.
    cluster_->client("scontrol", {"suspend", task});
    QVERIFY(cluster_->wait_for_state(task, "SUSPENDED", 30000));
    const Result status = cli({"sweep", "status", dir}, cluster_->env());
    const QString row1 = QRegularExpression("\n1 +3000 +(\\S+) +(\\d+)/3000").match(status.out).captured(0);
    QVERIFY2(row1.contains("running"), qPrintable(status.out));
    // Resumed and training again before the cancel: a suspended task is killed by scancel
    // (SIGKILL, no checkpoint), a running one gets SIGTERM.
    const int suspended_at = s.status(1).epoch;
    cluster_->client("scontrol", {"resume", task});
    QVERIFY2(test::poll_until([&] { return s.status(1).epoch > suspended_at; }, 60000, 50),
             "run 1 did not go on after scontrol resume");
    cluster_->client("scancel", {task});
    QVERIFY(cluster_->wait_for_state(task, "CANCELLED", 60000));
    const SweepRunStatus cut = s.status(1);
    const QString out1 = read_all(dir + "/slurm/" + task + ".out");
    QVERIFY2(cut.state == RunState::Pending && cut.epoch > 0 && cut.epoch < 3000,
             qPrintable(QString("%1 at epoch %2; %3").arg(to_string(cut.state)).arg(cut.epoch).arg(out1)));
    QVERIFY2(out1.contains(QString("stopped, checkpoint at epoch %1\n").arg(cut.epoch)), qPrintable(out1));
    qInfo("run 1 cancelled at epoch %d after %.1f s", cut.epoch, t.elapsed() / 1e3);

    // Only run 1 is left; the reference trains here while the array task resumes it.
    QVERIFY(cluster_->wait_until_ended(job, 120000));
    const Result again = cli({"sweep", "submit", dir, "--cpus-per-task", "1"}, cluster_->env());
    const QString job2 = job_of(again);
    QVERIFY2(!job2.isEmpty() && again.out.contains(": array 0, 1 run of ") && again.out.contains(" (runs 1)\n"),
             qPrintable(describe(again)));
    const std::string reference = dir_.file("reference.grok");
    test::train_run(s.runs()[1].config, reference);
    QVERIFY2(cluster_->wait_until_ended(job2, 240000), "the resubmitted task did not end in 4 minutes");
    const QString out2 = read_all(dir + "/slurm/" + job2 + "_0.out");  // task 0 trains run 1
    QVERIFY2(cluster_->task_states(job2).at(job2 + "_0") == "COMPLETED", qPrintable(out2));
    QVERIFY2(out2.contains(QString("started at epoch %1 of 3000, 1 thread").arg(cut.epoch)), qPrintable(out2));
    QVERIFY(s.complete(1));

    const RunStore resumed = RunStore::open(s.run_path(1)), ref = RunStore::open(reference);
    const auto ma = resumed.metrics(), mb = ref.metrics();
    QCOMPARE(ma.size(), mb.size());
    for (std::size_t i = 0; i < ma.size(); i++) {
      QCOMPARE(ma[i].epoch, mb[i].epoch);
      QCOMPARE(ma[i].train_loss, mb[i].train_loss);
    }
    QCOMPARE(resumed.checkpoint_epochs().back(), 3000);
    const auto wa = resumed.load_checkpoint(3000), wb = ref.load_checkpoint(3000);
    QCOMPARE(wa.size(), wb.size());
    for (std::size_t i = 0; i < wa.size(); i++) QVERIFY2(wa[i].bytes == wb[i].bytes, wa[i].name.c_str());
    qInfo("cancel, resubmit and resume: %.1f s", t.elapsed() / 1e3);
  }

  void cleanupTestCase() { cluster_.reset(); }
};

GROK_TEST_MAIN(TestSlurm, QCoreApplication)
#include "test_slurm.moc"
