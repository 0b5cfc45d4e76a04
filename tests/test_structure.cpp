// The house rules the build alone cannot check (docs/architecture.md): every source file formatted
// by the root .clang-format, under 400 lines, core/ free of Qt, ui/ and app/ free of torch headers
// and of any layer's internal/ headers. The layers' arrows themselves are enforced by the build
// (core/CMakeLists.txt gives each layer an include root of its own); this test holds the build's
// arrows to the map in docs/architecture.md, so the two never disagree.
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QtTest>

#include "test_util.h"

namespace {

const QString kRoot = QStringLiteral(GROK_SOURCE_DIR);

// Every C++ source of ours, relative to the root (build folders and third-party code excluded).
QStringList sources() {
  QStringList out;
  for (const char* top : {"core", "ui", "app", "tests"}) {
    QDirIterator it(kRoot + "/" + top, {"*.h", "*.cpp"}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) out << QDir(kRoot).relativeFilePath(it.next());
  }
  out.sort();
  return out;
}

QStringList lines(const QString& rel) {
  QFile f(kRoot + "/" + rel);
  if (!f.open(QIODevice::ReadOnly)) return {};
  QStringList out = QString::fromUtf8(f.readAll()).split('\n');
  if (!out.isEmpty() && out.back().isEmpty()) out.removeLast();  // the final newline ends a line
  return out;
}

// Files among `files` with an include matching `pattern`, as "file: line".
QStringList includesMatching(const QStringList& files, const QRegularExpression& pattern) {
  QStringList bad;
  for (const QString& f : files)
    for (const QString& l : lines(f))
      if (l.trimmed().startsWith("#include") && pattern.match(l).hasMatch()) bad << f + ": " + l.trimmed();
  return bad;
}

QStringList under(const QStringList& files, const QStringList& tops) {
  QStringList out;
  for (const QString& f : files)
    for (const QString& t : tops)
      if (f.startsWith(t + "/")) out << f;
  return out;
}

}  // namespace

class TestStructure : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void foundTheSources() { QVERIFY2(sources().size() > 50, qPrintable(kRoot)); }

  // Each core layer's LAYERS in core/CMakeLists.txt, and the "may include" column of the map.
  void theBuildsLayersAreTheMapsLayers() {
    QMap<QString, QStringList> built, mapped;
    const QString cmake = lines("core/CMakeLists.txt").join('\n');
    QRegularExpression layer(R"(grok_layer\((\w+)([^)]*)\))");
    for (auto m = layer.globalMatch(cmake); m.hasNext();) {
      const auto hit = m.next();
      const QRegularExpressionMatch deps = QRegularExpression(R"(LAYERS([\w\s]*?)(PUBLIC_LIBS|PRIVATE_LIBS|$))")
                                               .match(hit.captured(2).simplified() + " ");
      QStringList l = deps.hasMatch() ? deps.captured(1).simplified().split(' ', Qt::SkipEmptyParts) : QStringList();
      l.sort();
      built[hit.captured(1)] = l;
    }
    bool table = false;
    for (const QString& l : lines("docs/architecture.md")) {
      if (l.startsWith("| layer | may include |")) table = true;
      if (table && !l.startsWith("|")) break;  // the table's end
      if (!table || l.startsWith("| layer") || l.startsWith("|---")) continue;
      const QStringList cells = l.split('|');
      const QString name = cells[1].trimmed();
      if (name == "ui" || name == "app") continue;
      QString deps = cells[2].trimmed();
      deps.remove(" (and what they include)");
      QStringList d = deps == "—" ? QStringList() : deps.split(", ");
      d.sort();
      mapped[name] = d;
    }
    QVERIFY(built.size() >= 12);
    QCOMPARE(mapped, built);
  }

  void everyFileIsFormatted() {
    QProcess cf;
    cf.setWorkingDirectory(kRoot);
    cf.start("clang-format", QStringList{"--dry-run", "--Werror", "--style=file"} + sources());
    QVERIFY2(cf.waitForStarted(), "clang-format is not installed (scripts/setup.sh installs it)");
    QVERIFY(cf.waitForFinished(120000));
    const QString diag = QString::fromUtf8(cf.readAllStandardError());
    // One line per unformatted place is enough to find it; apply with `clang-format -i FILE`.
    QStringList where;
    for (const QString& l : diag.split('\n'))
      if (l.contains(": error:")) where << l.section(": error:", 0, 0);
    QVERIFY2(cf.exitCode() == 0, qPrintable("not formatted (clang-format -i): " + where.mid(0, 20).join(", ")));
  }

  void everyFileIsUnder400Lines() {
    QStringList big;
    for (const QString& f : sources())
      if (lines(f).size() > 400) big << QString("%1 (%2 lines)").arg(f).arg(lines(f).size());
    QVERIFY2(big.isEmpty(), qPrintable(big.join(", ")));
  }

  void coreIncludesNoQt() {
    const QStringList bad =
        includesMatching(under(sources(), {"core"}), QRegularExpression("#include\\s*[<\"](Q[A-Za-z]+|qcustomplot)"));
    QVERIFY2(bad.isEmpty(), qPrintable(bad.join("\n")));
  }

  void uiAndAppIncludeNoTorch() {
    const QStringList bad =
        includesMatching(under(sources(), {"ui", "app"}), QRegularExpression("#include\\s*[<\"](torch/|ATen/|c10/)"));
    QVERIFY2(bad.isEmpty(), qPrintable(bad.join("\n")));
  }

  // internal/ headers hold ATen and SQLite types: the GUI and the mains use the public API only.
  void uiAndAppIncludeNoInternalHeader() {
    const QStringList bad =
        includesMatching(under(sources(), {"ui", "app"}), QRegularExpression("#include\\s*\"core/[a-z]+/internal/"));
    QVERIFY2(bad.isEmpty(), qPrintable(bad.join("\n")));
  }

  // A public header must not pull ATen in through an internal one.
  void publicHeadersAreTorchFree() {
    QStringList publicHeaders;
    for (const QString& f : under(sources(), {"core"}))
      if (f.endsWith(".h") && !f.contains("/internal/")) publicHeaders << f;
    const QStringList bad = includesMatching(
        publicHeaders, QRegularExpression("#include\\s*[<\"](torch/|ATen/|c10/|sqlite3|fftw3|core/[a-z]+/internal/)"));
    QVERIFY2(bad.isEmpty(), qPrintable(bad.join("\n")));
  }
};

GROK_TEST_MAIN(TestStructure, QCoreApplication)
#include "test_structure.moc"
