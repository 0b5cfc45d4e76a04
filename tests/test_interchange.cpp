// Checkpoints to and from PyTorch (core/transfer/transfer.h, `grokking-cli export-pt` and
// `import`), checked against PyTorch itself (tests/python/interchange_check.py, Debian's
// python3-torch): our exports load with weights_only=True and strict=True into the authors' class
// and a TransformerLens-layout forward and give our logits; files Python writes import, and the
// imported run analyses exactly like the run they came from; bad, damaged, foreign and malicious
// files are refused with one line, exit code 2, nothing written and nothing run.
#include <QtTest>

#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "cli_test_util.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/transformer.h"
#include "core/model/internal/weights.h"
#include "core/store/run_store.h"
#include "test_util.h"

using namespace grok;
using test::cli;

namespace {

constexpr int kP = 23, kEpochs = 300;

// The python3 that has torch (setup.sh installs python3-torch for it).
test::CliResult python(const QStringList& args) {
  QProcess p;
  p.start(GROK_TORCH_PYTHON, QStringList{GROK_SOURCE_DIR "/tests/python/interchange_check.py"} + args);
  if (!p.waitForFinished(300000)) qFatal("python did not finish");
  return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
          QString::fromUtf8(p.readAllStandardError())};
}

// `analyze` of a run at an epoch without the lines that name the file and time the analysis.
QString analysis(const std::string& run, int epoch) {
  const auto r = cli({"analyze", QString::fromStdString(run), "--epoch", QString::number(epoch)});
  if (r.code != 0) return "analyze failed: " + r.err;
  QStringList lines = r.out.split('\n');
  lines.removeIf([](const QString& l) { return l.startsWith("checkpoint ") || l.startsWith("(analysed"); });
  return lines.join('\n');
}

QByteArray bytes_of(const std::string& path) {
  QFile f(QString::fromStdString(path));
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

}  // namespace

class TestInterchange : public QObject {
  Q_OBJECT
  test::ScratchDir dir_;
  std::string run_;

  QString file(const char* name) const { return dir_.qfile(name); }

 private Q_SLOTS:
  void initTestCase() {
    const auto torch = python({"--help"});  // an unknown command: a KeyError, raised only once torch imported
    QVERIFY2(torch.err.contains("KeyError"),
             qPrintable("python3-torch is needed (scripts/setup.sh installs it): " + torch.err));
    run_ = dir_.file("run.grok");
    test::train_run(test::tiny_config(kP, kEpochs, 50, 10), run_);
    for (const char* format : {"authors", "transformer-lens"}) {
      const QString f = format;
      auto r = cli({"export-pt", QString::fromStdString(run_), "--format", f, "--out", file(format) + ".pt"});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      QVERIFY(r.out.contains("checkpoint 300"));
      r = cli({"export-pt", QString::fromStdString(run_), "--format", f, "--all", "--out", file(format) + "-all.pt"});
      QVERIFY2(r.code == 0, qPrintable(r.err));
    }
  }

  // PyTorch loads every export with weights_only=True and reproduces our logits and test losses.
  void exportsLoadInPyTorch() {
    const RunStore s = RunStore::open(run_);
    const Config c = s.config();
    at::NoGradGuard no_grad;
    const at::Tensor logits = forward_plain(weights_from_checkpoint(c, s.load_checkpoint(kEpochs)), all_pairs(kP));
    QCOMPARE(logits.size(1), kP + 1);
    const std::string bin = dir_.file("logits.bin");
    std::ofstream(bin, std::ios::binary)
        .write(reinterpret_cast<const char*>(logits.contiguous().data_ptr<float>()), logits.numel() * 4);
    double test_loss = 0;
    for (const EpochMetrics& m : s.metrics(kEpochs, kEpochs)) test_loss = m.test_loss;
    const auto r = python({"check-export", dir_.qfile(""), QString::number(kP), QString::number(c.train_fraction),
                           QString::number(c.seed), QString::number(kEpochs), QString::number(test_loss, 'g', 17),
                           QString::fromStdString(bin)});
    qInfo().noquote() << r.out.trimmed();
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QCOMPARE(r.out.count("ok "), 7);
  }

  // Files as Python users save them import, and analyse as the run they came from.
  void pythonFilesImport() {
    const auto fx = python({"write-fixtures", dir_.qfile(""), file("marker")});
    QVERIFY2(fx.code == 0, qPrintable(fx.err));
    const QString original = analysis(run_, kEpochs);
    QVERIFY(original.contains("restricted"));
    struct Case {
      const char* file;
      int epoch;  // of the imported checkpoint compared with the original's last
      bool from_file_config;
    };
    for (const Case& k :
         {Case{"py-plain.pt", 0, false}, Case{"py-nested.pt", kEpochs, false}, Case{"py-params.pt", 0, false},
          Case{"py-float64.pt", 0, false}, Case{"py-gpu.pt", 0, false}, Case{"py-tl.pt", 0, false},
          Case{"py-tl-bare.pt", 0, false}, Case{"transformer-lens.pt", kEpochs, true},
          Case{"authors-all.pt", kEpochs, true}, Case{"transformer-lens-all.pt", kEpochs, true},
          Case{"py-full_run_data.pth", kEpochs, true}, Case{"py-checkpoints.pth", kEpochs, true}}) {
      const std::string out = dir_.file(std::string(k.file) + ".grok");
      QStringList args{"import", file(k.file), "--out", QString::fromStdString(out)};
      if (!k.from_file_config)
        args << "--set"
             << "train_fraction=0.5";
      const auto r = cli(args);
      QVERIFY2(r.code == 0, qPrintable(QString(k.file) + ": " + r.err));
      QVERIFY2(r.out.contains("assumed") != k.from_file_config || !k.from_file_config, k.file);
      QVERIFY2(r.out.contains("assumed the mainline's task add, seed 0") == !k.from_file_config,
               qPrintable(k.file + QString(": ") + r.out));
      if (QString(k.file) == "py-tl.pt" || QString(k.file) == "py-tl-bare.pt") {
        // A p-wide W_U: the '=' column is zero here, which only the sum of squared weights sees.
        const auto no_sum = [](QString a) { return a.remove(QRegularExpression("; sum of squared weights [0-9.]+")); };
        QCOMPARE(no_sum(analysis(out, k.epoch)), no_sum(original));
      } else {
        QCOMPARE(analysis(out, k.epoch), original);
      }
      QCOMPARE(RunStore::open(out).meta("optimizer_state"), std::string("fresh"));
    }
    // Every checkpoint of a full run, with its losses: the metrics at the checkpoints are the original's.
    const RunStore orig = RunStore::open(run_);
    for (const char* name : {"py-full_run_data.pth.grok", "py-checkpoints.pth.grok"}) {
      const RunStore imported = RunStore::open(dir_.file(name));
      QCOMPARE(imported.checkpoint_epochs(), orig.checkpoint_epochs());
      for (int e : orig.checkpoint_epochs()) {
        QCOMPARE(analysis(dir_.file(name), e), analysis(run_, e));
        const EpochMetrics a = orig.metrics(e, e).at(0), b = imported.metrics(e, e).at(0);
        QCOMPARE(b.train_loss, a.train_loss);
        QCOMPARE(b.test_loss, a.test_loss);
        QCOMPARE(b.train_acc, a.train_acc);
        QCOMPARE(b.test_acc, a.test_acc);
      }
      QCOMPARE(imported.config().train_fraction, 0.5);  // from the file's frac_train
    }
    const auto info = cli({"info", file("py-full_run_data.pth.grok")});
    QVERIFY2(info.out.contains("imported from") && info.out.contains("optimizer state: fresh"), qPrintable(info.out));
  }

  // An imported run trains on (fresh moments) and forks like a native one.
  void importedRunTrains() {
    const QString run = file("py-nested.pt.grok");
    auto r = cli({"resume", run, "--epochs", "340", "--threads", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QCOMPARE(RunStore::open(run.toStdString()).checkpoint_epochs().back(), 340);
    r = cli({"fork", run, "--epoch", "300", "--set", "weight_decay=0.5", "--out", file("fork.grok"), "--no-train"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
  }

  // Two layers and another operation: both layouts carry every block, and the task comes back.
  void twoLayersRoundTrip() {
    Config c = test::tiny_config(13, 40, 20, 5);
    c.n_layers = 2;
    c.task = std::string("multiply");
    const std::string run = dir_.file("two.grok");
    test::train_run(c, run);
    for (const char* format : {"authors", "transformer-lens"}) {
      const QString pt = file(format) + "-two.pt", out = file(format) + "-two.grok";
      auto r = cli({"export-pt", QString::fromStdString(run), "--format", format, "--out", pt});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      r = cli({"import", pt, "--set", "operation=multiply", "--set", "train_fraction=0.5", "--out", out});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      QVERIFY2(r.out.contains("2 layers"), qPrintable(r.out));
      QCOMPARE(analysis(out.toStdString(), QString(format) == "authors" ? 0 : 40), analysis(run, 40));
    }
  }

  // The MLP families export under their authors' names and load strictly into their classes
  // (tests/python: OneLayerMLP, fcn) with our logits; a OneLayerMLP their constructor made imports
  // as exactly the weights our initialisation draws for its seed.
  void mlpFamiliesRoundTrip() {
    for (const char* kind : {"mlp", "quadratic-mlp"}) {
      Config c = test::tiny_config(7, 20, 10, 5);
      c.model = kind;
      c.d_model = 8;
      c.d_mlp = 16;
      c.seed = 4;
      if (c.model == "quadratic-mlp") c.activation = Activation::Quadratic, c.loss = LossKind::Mse;
      const std::string run = dir_.file(std::string(kind) + ".grok");
      test::train_run(c, run);
      const QString pt = file(kind) + "-export.pt", fresh = file(kind) + "-fresh.pt";
      auto r = cli({"export-pt", QString::fromStdString(run), "--format", "authors", "--out", pt});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      r = cli({"export-pt", QString::fromStdString(run), "--format", "transformer-lens", "--out", pt + "x"});
      QCOMPARE(r.code, 2);
      QVERIFY2(r.err.contains("has no transformer-lens PyTorch layout"), qPrintable(r.err));
      const RunStore s = RunStore::open(run);
      at::NoGradGuard no_grad;
      const at::Tensor logits = model_forward(c, weights_from_checkpoint(c, s.load_checkpoint(20)), all_pairs(7));
      const std::string bin = dir_.file(std::string(kind) + "-logits.bin");
      std::ofstream(bin, std::ios::binary)
          .write(reinterpret_cast<const char*>(logits.contiguous().data_ptr<float>()), logits.numel() * 4);
      const auto py = python({"check-mlp", kind, pt, QString::fromStdString(bin), "7", "4", fresh});
      qInfo().noquote() << py.out.trimmed();
      QVERIFY2(py.code == 0, qPrintable(py.out + py.err));
      const QString out = file(kind) + "-fresh.grok";
      r = cli({"import", fresh, "--set", "train_fraction=0.5", "--out", out});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      const RunStore imported = RunStore::open(out.toStdString());
      QCOMPARE(QString::fromStdString(imported.config().model), QString(kind));
      const std::vector<NamedArray> got = imported.load_checkpoint(0);
      const std::vector<NamedArray> want =
          c.model == "mlp" ? to_named_arrays(model_impl(c).init(c)) : s.load_checkpoint(20);
      QCOMPARE(got.size(), want.size());
      for (std::size_t i = 0; i < got.size(); i++) {
        QCOMPARE(got[i].name, want[i].name);
        QVERIFY2(got[i].bytes == want[i].bytes, got[i].name.c_str());
      }
    }
  }

  // Refused with one line naming the problem, exit code 2; nothing written, nothing run, and a run
  // already at --out (--force) left as it was.
  void badFilesAreRefused() {
    struct Case {
      const char* file;
      const char* says;
    };
    const Case cases[] = {
        {"bad-evil.pt", "refuses global posix.system"},
        {"bad-evil-root.pt", "refuses global posix.system"},
        {"bad-legacy.pt", "pre-1.6 format"},
        {"bad-torchscript.pt", "TorchScript archive"},
        {"bad-foreign.zip", "not a PyTorch checkpoint"},
        {"bad-truncated.pt", "damaged checkpoint"},
        {"bad-pickle.pt", "damaged checkpoint"},
        {"bad-overreach.pt", "reaching past its storage"},
        {"bad-empty.pt", "is empty"},
        {"bad-garbage.pt", "not a zip file"},
        {"bad-bias.pt", "blocks.0.attn.b_Q is not zero"},
        {"bad-layernorm.pt", "blocks.0.ln1.w"},
        {"missing.pt", "no such file"},
    };
    const std::string kept = dir_.file("kept.grok");
    std::filesystem::copy_file(run_, kept);
    const QByteArray before = bytes_of(kept);
    for (const Case& k : cases) {
      for (bool force : {false, true}) {
        const std::string out = force ? kept : dir_.file(std::string(k.file) + ".grok");
        QStringList args{"import", file(k.file), "--set", "train_fraction=0.5", "--out", QString::fromStdString(out)};
        if (force) args << "--force";
        const auto r = cli(args);
        QVERIFY2(r.code == 2, qPrintable(QString(k.file) + " exit " + QString::number(r.code) + ": " + r.err));
        QVERIFY2(r.err.contains(k.says), qPrintable(QString(k.file) + ": " + r.err));
        QCOMPARE(r.err.trimmed().count('\n'), 0);
        if (!force) QVERIFY2(!std::filesystem::exists(out), k.file);
      }
    }
    QCOMPARE(bytes_of(kept), before);
    QVERIFY2(!std::filesystem::exists(dir_.file("marker")), "a malicious pickle ran its command");
  }

  // A disk that fills half-way: exit 1 with one line; a new run file is removed, an existing export kept.
  void aFullDiskLeavesNothingHalfWritten() {
    // 400 kB: the import's first checkpoints commit, a later one fails (the write-ahead log grows to
    // ~1 MB); 60 kB: the export's archive does not fit.
    const auto disk_of = [](rlim_t bytes) {
      return [bytes] {
        std::signal(SIGXFSZ, SIG_IGN);
        const rlimit limit{bytes, bytes};
        setrlimit(RLIMIT_FSIZE, &limit);
      };
    };
    const auto env = QProcessEnvironment::systemEnvironment();
    const QString out = file("full.grok");
    auto r = cli({"import", file("authors-all.pt"), "--out", out}, env, disk_of(400000));
    QCOMPARE(r.code, 1);
    QCOMPARE(r.err.trimmed().count('\n'), 0);
    QVERIFY(!std::filesystem::exists(out.toStdString()));
    // Over an existing run (--force, as the window always asks first): the old run stays whole.
    const std::string old_run = dir_.file("old.grok");
    std::filesystem::copy_file(run_, old_run);
    const QByteArray old_bytes = bytes_of(old_run);
    r = cli({"import", file("authors-all.pt"), "--out", QString::fromStdString(old_run), "--force"}, env,
            disk_of(400000));
    QCOMPARE(r.code, 1);
    QCOMPARE(bytes_of(old_run), old_bytes);
    QCOMPARE(RunStore::open(old_run).checkpoint_epochs(), RunStore::open(run_).checkpoint_epochs());
    const QByteArray before = bytes_of(dir_.file("authors-all.pt"));
    r = cli(
        {"export-pt", QString::fromStdString(run_), "--format", "authors", "--all", "--out", file("authors-all.pt")},
        env, disk_of(60000));
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("cannot write the file"), qPrintable(r.err));
    QCOMPARE(bytes_of(dir_.file("authors-all.pt")), before);
    for (const auto& f : std::filesystem::directory_iterator(dir_.file("")))
      QVERIFY2(f.path().filename().string().rfind(".authors-all.pt.", 0) != 0, f.path().c_str());
  }

  // A file larger than the limit is refused before anything is read (a sparse file: no disk used).
  void oversizedFileIsRefused() {
    const std::string big = dir_.file("big.pt");
    { std::ofstream(big, std::ios::binary) << "PK\x03\x04"; }
    std::filesystem::resize_file(big, (std::uintmax_t{17} << 30));
    const auto r = cli({"import", QString::fromStdString(big), "--out", file("big.grok")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("oversized"), qPrintable(r.err));
    QVERIFY(!std::filesystem::exists(dir_.file("big.grok")));
  }

  void exportRefusals() {
    auto r = cli({"export-pt", QString::fromStdString(run_), "--format", "keras", "--out", file("x.pt")});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--format must be authors or transformer-lens"));
    r = cli({"export-pt", QString::fromStdString(run_), "--format", "authors", "--epoch", "75", "--out", file("x.pt")});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("nearest: 50 or 100"), qPrintable(r.err));
    QVERIFY(!std::filesystem::exists(dir_.file("x.pt")));
    r = cli({"export-pt", QString::fromStdString(run_), "--format", "authors", "--out", file("no/such/dir/x.pt")});
    QCOMPARE(r.code, 2);
    QCOMPARE(r.err.trimmed().count('\n'), 0);
  }
};

GROK_TEST_MAIN(TestInterchange, QCoreApplication)
#include "test_interchange.moc"
