// Sweeps through the core API: spec validation (every bad field named), stable run indices, the
// folder refused or reused, Liu et al.'s four phases on synthetic curves, run locks, and a real
// sweep of tiny runs: stopped mid-run and continued, stopped early after grokking, a failing run
// reported while the others complete.
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/experiments/run_summary.h"
#include "core/runner/sweep_runner.h"
#include "core/store/run_store.h"
#include "test_util.h"

using namespace grok;

namespace {

// The parse error of a spec, or "" if it parses.
QString spec_error(const std::string& text) {
  try {
    parse_sweep_spec(text, ".");
  } catch (const ConfigError& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

// Per-epoch metrics with train and test accuracy reaching 1 at the given epochs (-1: never).
std::vector<EpochMetrics> curves(int train_at, int test_at, int epochs) {
  std::vector<EpochMetrics> m;
  for (int e = 0; e <= epochs; e++) {
    EpochMetrics r;
    r.epoch = e;
    r.train_acc = train_at >= 0 && e >= train_at ? 1.0 : 0.5;
    if (e % 10 == 0) r.test_acc = test_at >= 0 && e >= test_at ? 1.0 : 0.05;
    m.push_back(r);
  }
  return m;
}

const char* kTinySpec = R"({"base": {"set": {"p": 11, "d_model": 32, "n_heads": 2, "d_head": 16, "d_mlp": 64,
                                             "epochs": 120, "checkpoint_interval": 20, "test_interval": 5}},
                            "grid": {"train_fraction": [0.4, 0.6]}, "seeds": [0, 1]})";

}  // namespace

class TestSweep : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void badSpecsNameTheirField() {
    QVERIFY(spec_error(kTinySpec).isEmpty());
    const std::pair<const char*, const char*> cases[] = {
        {"[1]", "spec: expected a JSON object"},
        {R"({"grid": {"lr": [0.1]}, "seed": [1]})", R"(spec: unknown key "seed")"},
        {R"({"grid": {"learning_rate": [0.1]}})", R"(grid: unknown config field "learning_rate")"},
        {R"({"grid": {"lr": []}})", "grid.lr: empty list"},
        {R"({"grid": {"lr": 0.1}})", "grid.lr: expected a list"},
        {R"({"grid": {"train_fraction": [0.3, 1.5]}})", "grid.train_fraction[1]: train_fraction:"},
        {R"({"grid": {"operation": ["add", "power"]}})", "grid.operation[1]: task:"},
        {R"({"zip": [{"lr": [0.1, 0.2], "weight_decay": [1]}]})", "zip[0].weight_decay: 1 values, but lr has 2"},
        {R"({"grid": {"seed": [1]}, "seeds": [0]})", R"(seeds: "seed" is varied twice)"},
        {R"({"seeds": [-1]})", "seeds[0]: seed:"},
        {R"({"base": {"preset": "nope"}})", "base.preset: preset:"},
        {R"({"base": {"set": {"epoch": 3}}})", R"(base.set: unknown config field "epoch")"},
        {R"({"base": {"config": "missing-file.json"}})",
         "base.config: ./missing-file.json: cannot read the base config"},
        // Each value is fine alone; the joint rule (multiply needs a prime p) names the run.
        {R"({"base": {"set": {"operation": "multiply"}}, "grid": {"p": [7, 9]}})", "run 1 (p=9): p: 9 is not prime"},
        {R"({"grid": {"p": [5, 7]}, "zip": [{"lr": [0.1, 0.2], "eps": [0, 1e-8]}]})", "zip[0].eps[0]: eps:"},
    };
    for (const auto& [spec, want] : cases) {
      const QString got = spec_error(spec);
      QVERIFY2(got.startsWith(want), qPrintable(QString("%1 -> %2").arg(spec, got)));
      QVERIFY2(!got.contains('\n'), qPrintable(got));
    }
  }

  // Runs are the product, the last field fastest, seeds innermost; the same spec, the same indices.
  void runIndicesAreStable() {
    const char* spec = R"({"grid": {"lr": [0.001, 0.003], "weight_decay": [0.1, 1, 3]},
                          "zip": [{"p": [7, 11], "epochs": [50, 70]}], "seeds": [0, 1]})";
    const SweepSpec a = parse_sweep_spec(spec, "."), b = parse_sweep_spec(spec, ".");
    QCOMPARE(a.runs.size(), std::size_t(2 * 3 * 2 * 2));
    QCOMPARE(a.varied, (std::vector<std::string>{"lr", "weight_decay", "p", "epochs", "seed"}));
    for (std::size_t i = 0; i < a.runs.size(); i++) QCOMPARE(describe_varied(a.runs[i]), describe_varied(b.runs[i]));
    QCOMPARE(QString::fromStdString(describe_varied(a.runs[0])),
             QString("lr=0.001 weight_decay=0.1 p=7 epochs=50 seed=0"));
    QCOMPARE(QString::fromStdString(describe_varied(a.runs[1])),
             QString("lr=0.001 weight_decay=0.1 p=7 epochs=50 seed=1"));
    QCOMPARE(QString::fromStdString(describe_varied(a.runs[2])),
             QString("lr=0.001 weight_decay=0.1 p=11 epochs=70 seed=0"));
    QCOMPARE(QString::fromStdString(describe_varied(a.runs[4])),
             QString("lr=0.001 weight_decay=1.0 p=7 epochs=50 seed=0"));
    QCOMPARE(QString::fromStdString(describe_varied(a.runs[23])),
             QString("lr=0.003 weight_decay=3.0 p=11 epochs=70 seed=1"));
    QCOMPARE(a.runs[23].config.p, 11);
    QCOMPARE(a.runs[23].config.epochs, 70);
    QCOMPARE(a.runs[23].config.seed, std::uint64_t(1));
  }

  void folderIsCreatedOnceAndReopened() {
    test::ScratchDir dir;
    const std::string path = dir.file("sweep");
    bool created = false;
    const Sweep s = Sweep::create(parse_sweep_spec(kTinySpec, "."), path, &created);
    QVERIFY(created);
    QVERIFY(Sweep::is_sweep_folder(path));
    QVERIFY(std::filesystem::exists(path + "/spec.json"));
    const Sweep o = Sweep::open(path);
    QCOMPARE(o.runs().size(), std::size_t(4));
    QCOMPARE(describe_varied(o.runs()[3]), std::string("train_fraction=0.6 seed=1"));
    QCOMPARE(config_to_string(o.runs()[3].config), config_to_string(s.runs()[3].config));
    QCOMPARE(o.run_path(2), path + "/runs/run-002.grok");
    // The same spec again: nothing changes. Another spec: refused, the folder untouched.
    Sweep::create(parse_sweep_spec(kTinySpec, "."), path, &created);
    QVERIFY(!created);
    const std::string other = R"({"grid": {"train_fraction": [0.4, 0.7]}})";
    QVERIFY_THROWS_EXCEPTION(ConfigError, Sweep::create(parse_sweep_spec(other, "."), path));
    QCOMPARE(Sweep::open(path).runs().size(), std::size_t(4));
    // A file, or a folder holding something else, is not overwritten.
    std::ofstream(dir.file("file")) << "x";
    QVERIFY_THROWS_EXCEPTION(ConfigError, Sweep::create(parse_sweep_spec(other, "."), dir.file("file")));
    QVERIFY_THROWS_EXCEPTION(ConfigError, Sweep::open(dir.file("file")));
  }

  void noisePhasesFromTheFinalAccuracies() {
    // Doshi et al.'s four reported runs (p 97, xi 0.35): train on given labels / test, and the
    // corrupted pairs' given / true accuracies those imply.
    RunSummary s;
    QCOMPARE(classify_noise(s), NoisePhase::None);  // no label noise
    auto phase = [&](double train, double test, double given, double truth) {
      s.final_train_acc = train, s.final_test_acc = test, s.final_train_acc_true = 0.5;
      s.final_corrupted_acc = given, s.final_corrupted_acc_true = truth;
      return classify_noise(s);
    };
    QCOMPARE(phase(0.978, 0.983, 0.94, 0.05), NoisePhase::Coexistence);
    QCOMPARE(phase(0.786, 1.0, 0.39, 0.6), NoisePhase::PartialInversion);
    QCOMPARE(phase(0.654, 1.0, 0.01, 0.99), NoisePhase::FullInversion);
    QCOMPARE(phase(0.009, 0.011, 0.01, 0.01), NoisePhase::Forgetting);
    QCOMPARE(phase(0.99, 0.2, 0.99, 0.01), NoisePhase::Memorisation);
    QCOMPARE(std::string(to_string(NoisePhase::PartialInversion)), std::string("partial inversion"));
  }

  void liuPhasesOnSyntheticCurves() {
    LiuThresholds th;
    RunSummary s;
    classify_liu(curves(100, 600, 3000), th, s);
    QCOMPARE(s.phase, LiuPhase::Comprehension);
    QCOMPARE(s.t_train, 100);
    QCOMPARE(s.t_test, 600);
    classify_liu(curves(100, 2500, 3000), th, s);
    QCOMPARE(s.phase, LiuPhase::Grokking);
    classify_liu(curves(100, -1, 3000), th, s);
    QCOMPARE(s.phase, LiuPhase::Memorisation);
    QCOMPARE(s.t_test, -1);
    classify_liu(curves(-1, -1, 3000), th, s);
    QCOMPARE(s.phase, LiuPhase::Confusion);
    classify_liu(curves(-1, 500, 3000), th, s);  // test reached without memorising: still no fit
    QCOMPARE(s.phase, LiuPhase::Confusion);
    th.comprehension_gap = 3000;  // the options move the line
    classify_liu(curves(100, 2500, 3000), th, s);
    QCOMPARE(s.phase, LiuPhase::Comprehension);
    th.test_acc = 1.01;
    classify_liu(curves(100, 2500, 3000), th, s);
    QCOMPARE(s.phase, LiuPhase::Memorisation);
  }

  void aggregatesOverSeeds() {
    std::vector<RunSummary> rows(3);
    const int grok[] = {900, 1300, -1};
    for (int i = 0; i < 3; i++) {
      rows[i].varied = {{"train_fraction", i < 2 ? "0.3" : "0.5"}, {"seed", std::to_string(i)}};
      rows[i].grok_epoch = grok[i];
      rows[i].phase = grok[i] < 0 ? LiuPhase::Memorisation : LiuPhase::Grokking;
    }
    const std::vector<SeedAggregate> a = aggregate_seeds(rows);
    QCOMPARE(a.size(), std::size_t(2));
    QCOMPARE(a[0].runs, (std::vector<int>{0, 1}));
    QCOMPARE(a[0].stats.at("grok_epoch").median, 1100.0);
    QCOMPARE(a[0].stats.at("grok_epoch").min, 900.0);
    QCOMPARE(a[0].stats.at("grok_epoch").max, 1300.0);
    QCOMPARE(a[1].stats.at("grok_epoch").n, 0);
    QCOMPARE(a[1].phases.at(LiuPhase::Memorisation), 1);
  }

  // A trailing slash names the folder itself (it used to fail and leave an empty folder).
  void aTrailingSlashNamesTheFolder() {
    test::ScratchDir dir;
    const std::string path = dir.file("sweep");
    bool created = false;
    Sweep::create(parse_sweep_spec(kTinySpec, "."), path + "/", &created);
    QVERIFY(created);
    QVERIFY(Sweep::is_sweep_folder(path));
    QCOMPARE(Sweep::open(path + "/").runs().size(), std::size_t(4));
    int entries = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.file(""))) entries++, (void)e;
    QCOMPARE(entries, 1);  // the sweep alone: nothing left beside or inside it
  }

  // A run whose lock cannot be taken (its runs/ folder removed) fails alone and is reported; the
  // runner used to end the process (std::terminate from a runner thread, exit 134).
  void aLockThatCannotBeTakenFailsTheRunNotTheProcess() {
    test::ScratchDir dir;
    const Sweep s = Sweep::create(parse_sweep_spec(kTinySpec, "."), dir.file("sweep"));
    std::filesystem::remove_all(dir.file("sweep/runs"));
    std::atomic<bool> stop{false};
    std::vector<SweepEvent> events;
    const SweepResult r =
        run_sweep(s, {.jobs = 2, .threads = 1}, stop, {.on_event = [&](const SweepEvent& e) { events.push_back(e); }});
    QCOMPARE(r.failed, 4);
    QCOMPARE(r.complete, 0);
    QCOMPARE(events.size(), std::size_t(4));
    for (const SweepEvent& e : events) {
      QCOMPARE(e.kind, SweepEvent::Failed);
      QVERIFY2(e.message.find("cannot make the lock file") != std::string::npos, e.message.c_str());
    }
  }

  // A manifest names run files inside runs/ only: one pointing elsewhere is refused on open (it
  // used to be trained into, or read from, wherever it said).
  void aManifestNamesFilesInsideRunsOnly() {
    for (const char* file :
         {"../elsewhere.grok", "/tmp/elsewhere.grok", "runs/../../x.grok", "runs/a/b.grok", "runs/run-000.sqlite"}) {
      test::ScratchDir dir;
      Sweep::create(parse_sweep_spec(kTinySpec, "."), dir.file("sweep"));
      const std::string manifest = dir.file("sweep/manifest.json");
      std::ifstream in(manifest);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string from = "\"runs/run-001.grok\"";
      QVERIFY(text.find(from) != std::string::npos);
      text.replace(text.find(from), from.size(), "\"" + std::string(file) + "\"");
      std::ofstream(manifest) << text;
      try {
        Sweep::open(dir.file("sweep"));
        QFAIL(file);
      } catch (const ConfigError& e) {
        QVERIFY2(std::string(e.what()).find("is not a run file inside the sweep's runs/ folder") != std::string::npos,
                 e.what());
      }
    }
  }

  // A run file whose config is not its manifest entry's (another sweep's, copied in) is reported
  // by status and the runner, and left as it is; it used to be resumed as if it were the run.
  void aRunFileOfAnotherConfigIsReportedNotTrained() {
    test::ScratchDir dir;
    const Sweep s = Sweep::create(parse_sweep_spec(kTinySpec, "."), dir.file("sweep"));
    Config other = s.runs()[1].config;
    other.seed = 7;
    other.epochs = 40;
    test::train_run(other, s.run_path(1));
    const auto before = std::filesystem::last_write_time(s.run_path(1));
    QCOMPARE(s.status(1).state, RunState::Failed);
    QVERIFY2(s.status(1).error.find("config differs from the manifest's (seed, epochs)") != std::string::npos ||
                 s.status(1).error.find("config differs from the manifest's (epochs, seed)") != std::string::npos,
             s.status(1).error.c_str());
    std::atomic<bool> stop{false};
    const SweepEvent e = train_sweep_run(s, 1, 1, stop);
    QCOMPARE(e.kind, SweepEvent::Failed);
    QCOMPARE(std::filesystem::last_write_time(s.run_path(1)), before);
    QCOMPARE(RunStore::open(s.run_path(1)).config().seed, std::uint64_t(7));
  }

  void locksExcludeASecondTrainer() {
    test::ScratchDir dir;
    const std::string lock = dir.file("run.lock");
    QVERIFY(!RunLock::is_held(lock));
    {
      std::optional<RunLock> a = RunLock::try_acquire(lock);
      QVERIFY(a.has_value());
      QVERIFY(RunLock::is_held(lock));
      QVERIFY(!RunLock::try_acquire(lock).has_value());
    }
    QVERIFY(!RunLock::is_held(lock));
    QVERIFY(RunLock::try_acquire(lock).has_value());
  }

  // Stopped mid-run, the sweep continues to exactly the runs an uninterrupted trainer makes; a run
  // whose file cannot be written fails alone, named in its error file and its state.
  void stopsAndContinuesWhileAFailingRunIsReported() {
    test::ScratchDir dir;
    const Sweep s = Sweep::create(parse_sweep_spec(kTinySpec, "."), dir.file("sweep"));
    std::filesystem::create_directory(s.run_path(2));  // run 2 cannot create its run file
    std::atomic<bool> stop{false};
    const SweepEvent first = train_sweep_run(s, 0, 1, stop, [&](int epoch, int) {
      if (epoch == 49) stop = true;  // the checkpoint then commits epoch 50
    });
    QCOMPARE(first.kind, SweepEvent::Stopped);
    QCOMPARE(s.status(0).state, RunState::Pending);
    QCOMPARE(s.status(0).epoch, 50);
    stop = false;
    std::vector<SweepEvent> events;
    const SweepResult r =
        run_sweep(s, {.jobs = 2, .threads = 1}, stop, {.on_event = [&](const SweepEvent& e) { events.push_back(e); }});
    QCOMPARE(r.total, 4);
    QCOMPARE(r.complete, 3);
    QCOMPARE(r.failed, 1);
    QVERIFY(!r.all_complete());
    QCOMPARE(s.status(2).state, RunState::Failed);
    QVERIFY(!s.status(2).error.empty());
    for (int i : {0, 1, 3}) QCOMPARE(s.status(i).state, RunState::Complete);
    // Run 0 went on from epoch 50, bit for bit the run trained in one go (same thread count).
    test::ScratchDir ref;
    Config c = s.runs()[0].config;
    test::train_run(c, ref.file("ref.grok"));
    const RunStore a = RunStore::open(s.run_path(0)), b = RunStore::open(ref.file("ref.grok"));
    const std::vector<NamedArray> wa = a.load_checkpoint(120), wb = b.load_checkpoint(120);
    QCOMPARE(wa.size(), wb.size());
    for (std::size_t i = 0; i < wa.size(); i++) QVERIFY2(wa[i].bytes == wb[i].bytes, wa[i].name.c_str());
    QCOMPARE(a.meta("threads"), std::string("1"));
    // Run again: the complete runs are skipped, the failed one is tried (and fails) again.
    std::filesystem::remove(s.run_path(2));
    const SweepResult again = run_sweep(s, {}, stop);
    QCOMPARE(again.complete, 4);
    QCOMPARE(s.status(2).state, RunState::Complete);
    QVERIFY(!std::filesystem::exists(s.error_path(2)));
  }

  // stop_after_grok ends a run that many epochs after 99 % test accuracy, also across a resume.
  void stopsEarlyAfterGrokking() {
    test::ScratchDir dir;
    const char* spec = R"({"base": {"set": {"p": 23, "train_fraction": 0.9, "lr": 0.003, "epochs": 2000,
                                             "checkpoint_interval": 50, "test_interval": 5, "stop_after_grok": 60}}})";
    std::atomic<bool> stop{false};
    // Where this run first reaches 99 % (it moves with the training kernels' last bits): trained in
    // one go in a sweep of its own.
    const Sweep once = Sweep::create(parse_sweep_spec(spec, "."), dir.file("once"));
    QCOMPARE(train_sweep_run(once, 0, 1, stop).kind, SweepEvent::Completed);
    const int grok = summarize_run(RunStore::open(once.run_path(0))).grok_epoch;
    QVERIFY2(grok > 0 && grok < 1900, qPrintable(QString::number(grok)));
    // Stop the run between that and the early stop.
    const Sweep s = Sweep::create(parse_sweep_spec(spec, "."), dir.file("sweep"));
    train_sweep_run(s, 0, 1, stop, [&](int epoch, int) {
      if (epoch == grok + 24) stop = true;
    });
    const SweepRunStatus mid = s.status(0);
    QCOMPARE(mid.epoch, grok + 25);
    QCOMPARE(mid.grok_epoch, grok);
    QCOMPARE(mid.state, RunState::Pending);
    stop = false;
    QCOMPARE(train_sweep_run(s, 0, 1, stop).kind, SweepEvent::Completed);
    const RunStore r = RunStore::open(s.run_path(0));
    const RunSummary sum = summarize_run(r);
    QCOMPARE(sum.grok_epoch, grok);
    QCOMPARE(sum.stopped_early, sum.grok_epoch + 60);
    QCOMPARE(sum.last_epoch, sum.grok_epoch + 60);
    QCOMPARE(r.metrics().back().epoch, sum.grok_epoch + 60);
    QVERIFY(r.complete());
    QCOMPARE(s.status(0).state, RunState::Complete);
    QCOMPARE(sum.phase, LiuPhase::Comprehension);
  }
};

GROK_TEST_APPLESS_MAIN(TestSweep)
#include "test_sweep.moc"
