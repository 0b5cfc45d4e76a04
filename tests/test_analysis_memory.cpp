// The analysis's memory bound (core/analysis/analysis_memory.h): the measures work block by block
// within a set working set whatever p is, blocks change results only by float64 summation order,
// and what must hold the whole all-pairs forward (a snapshot) is refused beforehand with a
// one-line message, which the CLI reports with exit code 2.
#include <QProcess>
#include <QtTest>

#include <atomic>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/analysis_memory.h"
#include "core/analysis/neuron_fve.h"
#include "core/analysis/pair_forward.h"
#include "core/analysis/progress_measures.h"
#include "core/analysis/snapshot.h"
#include "core/model/internal/weights.h"
#include "core/store/run_store.h"
#include "test_util.h"

using namespace grok;

namespace {

// kB of this process's resident set: "VmRSS" now, "VmHWM" its peak.
long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(line.find(':') + 1));
  return -1;
}

// The peak-memory case, run in a child process (a fresh peak): p = 211, whose logits alone are
// 211^3 floats = 37.6 MB, measured with blocks of 4 MB. Prints "<peak growth in bytes> <train loss>".
constexpr int kBigP = 211;
constexpr std::size_t kChildBlock = std::size_t(4) << 20;

Config big_config() {
  Config c = test::tiny_config(kBigP);
  c.train_fraction = 0.3;
  return c;
}

int child_measures() {
  const Config c = big_config();
  const std::vector<NamedArray> ck = to_named_arrays(init_weights(c));
  const Dataset d = make_dataset(c);
  const FourierBasis F(c.p);
  set_analysis_block_bytes(kChildBlock);
  {  // Warm up what loads once (BLAS, OpenMP threads, FFTW plans) on a small p.
    const Config s = test::tiny_config(23);
    (void)compute_progress_measures(s, CheckpointWeights(s, to_named_arrays(init_weights(s))), make_dataset(s),
                                    std::nullopt, FourierBasis(23));
  }
  std::ofstream("/proc/self/clear_refs") << "5";  // VmHWM := VmRSS (Linux >= 4.0)
  const long before = status_kb("VmRSS:");
  const ProgressMeasures m = compute_progress_measures(c, CheckpointWeights(c, ck), d, std::nullopt, F);
  const long peak = status_kb("VmHWM:");
  std::printf("%ld %.17g\n", (peak - before) * 1024, m.train_loss);
  return 0;
}

}  // namespace

class TestAnalysisMemory : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void cleanup() {
    set_analysis_block_bytes(0);
    set_analysis_memory_limit(0);
  }

  void measuresStayWithinTheirBlocks() {
    // Unblocked, the measures held the logits several times over (the logits, their 2D transform,
    // the key directions, the restricted and excluded tables: ~10 x 37.6 MB). Blocked, the growth
    // stays under the size of one logits array.
    QProcess child;
    child.start(QCoreApplication::applicationFilePath(), {"--child-measures"});
    QVERIFY(child.waitForFinished(300000));
    QCOMPARE(child.exitCode(), 0);
    const QStringList out = QString::fromUtf8(child.readAllStandardOutput()).trimmed().split(' ');
    QCOMPARE(out.size(), 2);
    const double grown = out[0].toDouble(), logits = 4.0 * kBigP * kBigP * kBigP;
    const double limit = 32e6;  // under one logits array (37.6 MB)
    qInfo("peak growth %.1f MB for p = %d (one logits array: %.1f MB)", grown / 1e6, kBigP, logits / 1e6);
    QVERIFY2(grown > 0 && grown < limit, qPrintable(QString("%1 MB").arg(grown / 1e6)));
    // The same measures as with the default blocks (256 MB): float32 forward rounding of GEMMs of
    // other shapes, float64 sums in another order.
    const Config c = big_config();
    const ProgressMeasures m = compute_progress_measures(c, CheckpointWeights(c, to_named_arrays(init_weights(c))),
                                                         make_dataset(c), std::nullopt, FourierBasis(c.p));
    QVERIFY2(std::abs(out[1].toDouble() - m.train_loss) <= 1e-6 * m.train_loss,
             qPrintable(out[1] + " vs " + QString::number(m.train_loss, 'g', 17)));
  }

  void blocksChangeOnlyTheSummationOrder() {
    // Everything that reads the all-pairs forward block by block, from the same forward, with
    // 5-row blocks against one block: the measures, the check table and the logits' 2D norms agree
    // to 1e-9 relative (float64 sums in another order), the neuron FVE to 1e-6.
    const Config c = test::tiny_config(29);
    const std::vector<NamedArray> ck = to_named_arrays(init_weights(c));
    const Dataset d = make_dataset(c);
    const FourierBasis F(c.p);
    const std::vector<int> keys = {1, 4, 9};
    const AllPairForward forward = compute_pair_forward(CheckpointWeights(c, ck));
    struct Result {
      MeasureRecord measures;
      AblationChecks checks;
      NeuronFrequencies neurons;
      std::vector<double> norms;
    };
    auto run = [&](std::size_t block) {
      set_analysis_block_bytes(block);
      Result r;
      r.measures = to_record(0, KeySelection::Given, measures_from_logits(c, forward.logits, d, keys, F));
      r.checks = ablation_checks(c, CheckpointWeights(c, ck), keys, F, view(forward));
      r.neurons = neuron_frequencies_of(forward.neuron_acts.data(), c.d_mlp, F);
      r.norms = logits_2d_norms(forward.logits.data(), c.p, F);
      return r;
    };
    const std::size_t five_rows = 5 * 29 * (48 * 30 + 16 * 32 + 16 * 16);  // pair_forward.cpp's estimate
    const Result one = run(std::size_t(1) << 30), blocks = run(five_rows);
    auto near = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::abs(b) + 1e-12; };
    for (const auto& [name, v] : one.measures.values) QVERIFY2(near(blocks.measures.values.at(name), v), name.c_str());
    for (std::size_t i = 0; i < one.checks.rows.size(); i++) {
      QVERIFY2(near(blocks.checks.rows[i].loss, one.checks.rows[i].loss), one.checks.rows[i].check.c_str());
      QCOMPARE(blocks.checks.rows[i].accuracy, one.checks.rows[i].accuracy);
    }
    QVERIFY(near(blocks.checks.logit_fit_fve, one.checks.logit_fit_fve));
    QCOMPARE(blocks.neurons.freq, one.neurons.freq);
    // The FVE's transforms are float32 GEMMs whose sums over a run within a block: 1e-6.
    for (int m = 0; m < c.d_mlp; m++)
      QVERIFY2(
          std::abs(blocks.neurons.fve[m] - one.neurons.fve[m]) <= 1e-6 * one.neurons.fve[m],
          qPrintable(QString("%1 vs %2").arg(blocks.neurons.fve[m], 0, 'g', 17).arg(one.neurons.fve[m], 0, 'g', 17)));
    for (std::size_t i = 0; i < one.norms.size(); i++) QVERIFY(near(blocks.norms[i], one.norms[i]));

    // The forward itself in blocks of rows: GEMMs of other shapes, float rounding (1e-6 of the
    // logits' scale); the measures computed from it agree as the trainer's do (1e-5).
    const AllPairForward small = compute_pair_forward(CheckpointWeights(c, ck));
    double err = 0, scale = 0;
    for (std::size_t i = 0; i < small.logits.size(); i++)
      err = std::max(err, double(std::abs(small.logits[i] - forward.logits[i]))),
      scale = std::max(scale, double(std::abs(forward.logits[i])));
    QVERIFY2(err <= 1e-6 * scale, qPrintable(QString("%1 of %2").arg(err).arg(scale)));
    const MeasureRecord m =
        to_record(0, KeySelection::Given, compute_progress_measures(c, CheckpointWeights(c, ck), d, keys, F));
    for (const auto& [name, v] : one.measures.values)
      if (name != "gini_we" && name != "gini_wl" && name != "sum_sq_weights")  // from the weights: 0 in `one`
        QVERIFY2(std::abs(m.values.at(name) - v) <= 1e-5 * std::abs(v) + 1e-7, name.c_str());
  }

  // A prefetch the user has overtaken stops at the forward's next block of pairs (snapshot.h's
  // AnalysisCancelled), not only between the snapshot's stages.
  void cancelledForwardStopsAtItsNextBlock() {
    const Config c = test::tiny_config(29);
    const CheckpointWeights w(c, to_named_arrays(init_weights(c)));
    std::atomic<bool> cancel{true};
    QVERIFY_THROWS_EXCEPTION(AnalysisCancelled, compute_pair_forward(w, &cancel));
    cancel = false;
    QCOMPARE(compute_pair_forward(w, &cancel).logits.size(), std::size_t(29 * 29 * 29));
  }

  void snapshotBytesCountWhatASnapshotHolds() {
    for (int layers : {1, 2}) {
      Config c = test::tiny_config(31);
      c.n_layers = layers;
      const Snapshot s = compute_snapshot(c, 0, CheckpointWeights(c, to_named_arrays(init_weights(c))), make_dataset(c),
                                          std::nullopt, FourierBasis(c.p));
      QCOMPARE(s.n_layers(), layers);
      std::size_t held = 4 * (s.logits.size() + s.direct_logits.size() + s.neuron_acts.size() + s.attention.size());
      for (const SnapshotLayer& l : s.earlier_layers) held += 4 * (l.neuron_acts.size() + l.attention.size());
      QVERIFY(snapshot_bytes(c) >= held);
      QVERIFY(snapshot_bytes(c) < held * 11 / 10);
    }
    Config mainline;  // p = 113, d_mlp = 512: ~38 MB; p = 1021: ~10.6 GB
    QVERIFY(snapshot_bytes(mainline) > 35e6 && snapshot_bytes(mainline) < 40e6);
    mainline.p = 1021;
    QVERIFY(snapshot_bytes(mainline) > 10e9);
  }

  void overLimitSnapshotIsRefused() {
    const Config c = test::tiny_config(31);
    set_analysis_memory_limit(100000);
    const std::vector<NamedArray> ck = to_named_arrays(init_weights(c));
    try {
      (void)compute_snapshot(c, 0, CheckpointWeights(c, ck), make_dataset(c), std::nullopt, FourierBasis(c.p));
      QFAIL("no AnalysisTooLarge");
    } catch (const AnalysisTooLarge& e) {
      const std::string what = e.what();
      QVERIFY2(what.rfind("analysis of p=31 needs " + format_bytes(snapshot_bytes(c)), 0) == 0, e.what());
      QVERIFY2(what.find("(limit 100 KB)") != std::string::npos, e.what());
      QVERIFY(what.find('\n') == std::string::npos);
    }
    QVERIFY_THROWS_EXCEPTION(ConfigError, compute_pair_forward(CheckpointWeights(c, ck)));
    // The measures need no whole forward: they still run.
    QVERIFY(compute_progress_measures(c, CheckpointWeights(c, ck), make_dataset(c), std::nullopt, FourierBasis(c.p))
                .train_loss > 0);
  }

  void cliReportsTheRefusalWithExitCode2() {
    test::ScratchDir dir;
    test::train_run(test::tiny_config(31, 20, 10, 5), dir.file("run.grok"));
    QProcess cli;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("GROK_ANALYSIS_MEMORY_LIMIT", "100K");
    cli.setProcessEnvironment(env);
    cli.start(GROKKING_CLI, {"analyze", dir.qfile("run.grok")});
    QVERIFY(cli.waitForFinished(120000));
    const QString err = QString::fromUtf8(cli.readAllStandardError()).trimmed();
    QCOMPARE(cli.exitCode(), 2);
    QVERIFY2(err.startsWith("error: analysis of p=31 needs ") && err.contains("(limit 102 KB)") && !err.contains('\n'),
             qPrintable(err));
    // Filling the stored measures works block by block: no limit applies.
    cli.start(GROKKING_CLI, {"analyze", dir.qfile("run.grok"), "--all", "--key-freqs", "final"});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
  }
};

int main(int argc, char** argv) {
  grok::set_up_process(argv);
  if (argc == 2 && std::string(argv[1]) == "--child-measures") return child_measures();
  QCoreApplication app(argc, argv);
  TestAnalysisMemory t;
  return QTest::qExec(&t, argc, argv);
}
#include "test_analysis_memory.moc"
