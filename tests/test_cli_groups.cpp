// grokking-cli on group tasks: `group NAME --json` (order, classes, irreps and characters), a table
// that is not a group refused in one line naming a failing triple (exit 2), a group run carried to
// PyTorch and back in both layouts, `analyze --json` naming its key irreps, and --key-freqs by name.
#include <QtTest>

#include "cli_test_util.h"
#include "test_util.h"

using namespace grok;

namespace {
using Result = test::CliResult;
using test::cli;
}  // namespace

class TestCliGroups : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void groupJsonListsIrreps() {
    const Result r = cli({"group", "S4", "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(o["order"].toInt(), 24);
    QCOMPARE(o["classes"].toArray().size(), 5);
    int sum = 0;
    for (const QJsonValue& v : o["classes"].toArray()) sum += v.toObject()["size"].toInt();
    QCOMPARE(sum, 24);
    QStringList names;
    int squares = 0;
    for (const QJsonValue& v : o["irreps"].toArray()) {
      const QJsonObject i = v.toObject();
      names << i["name"].toString();
      squares += i["dim"].toInt() * i["dim"].toInt();
      QCOMPARE(i["character"].toArray().size(), 5);
      QCOMPARE(i["character"].toArray()[0].toDouble(), double(i["dim"].toInt()));  // chi(e) = d
    }
    QCOMPARE(squares, 24);
    QCOMPARE(names, (QStringList{"trivial", "sign", "standard", "standard x sign", "[2,2]"}));
  }

  void badGroupsAreOneLine() {
    test::ScratchDir dir;
    QFile f(dir.qfile("loop.json"));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("[[0,1,2],[1,2,0],[2,0,0]]");
    f.close();
    for (const QStringList& args :
         {QStringList{"group", "table:" + dir.qfile("loop.json")}, QStringList{"group", "S9"},
          QStringList{"group", "D0"},
          QStringList{"train", "--set", "task=x2+y2", "--set", "p=99", "--out", dir.qfile("x.grok")}}) {
      const Result r = cli(args);
      QCOMPARE(r.code, 2);
      QVERIFY2(r.err.trimmed().count('\n') == 0 && r.err.startsWith("error: "), qPrintable(r.err));
    }
    QVERIFY(cli({"group", "table:" + dir.qfile("loop.json")}).err.contains("(1 ∘ 1) ∘ 2 != 1 ∘ (1 ∘ 2)"));
    QVERIFY(!QFile::exists(dir.qfile("x.grok")));
  }

  void groupRunsRoundTripAndAnalyse() {
    test::ScratchDir dir;
    Config c = test::tiny_config(11, 40, 20, 10);
    c.task = "D5";
    c.train_fraction = 0.6;
    test::train_run(c, dir.file("d5.grok"));
    for (const char* layout : {"authors", "transformer-lens"}) {
      const QString pt = dir.qfile(QString("d5-%1.pt").arg(layout)), back = dir.qfile(QString("%1.grok").arg(layout));
      QCOMPARE(cli({"export-pt", dir.qfile("d5.grok"), "--format", layout, "--all", "--out", pt}).code, 0);
      const Result r = cli({"import", pt, "--out", back});
      QVERIFY2(r.code == 0, qPrintable(r.err));
      const Result info = cli({"info", back});
      QVERIFY2(info.out.contains("a ∘ b in D5 (p unused)"), qPrintable(info.out));
      const QJsonObject a = QJsonDocument::fromJson(cli({"analyze", back, "--json"}).out.toUtf8()).object();
      const QJsonObject o =
          QJsonDocument::fromJson(cli({"analyze", dir.qfile("d5.grok"), "--json"}).out.toUtf8()).object();
      QCOMPARE(a["test_loss"].toDouble(), o["test_loss"].toDouble());  // the same weights, the same split
      QCOMPARE(a["basis"].toObject()["group"].toString(), QString("D5"));
    }
    const Result given = cli({"analyze", dir.qfile("d5.grok"), "--key-freqs", "det,rotation 1", "--json"});
    QVERIFY2(given.code == 0, qPrintable(given.err));
    const QJsonObject g = QJsonDocument::fromJson(given.out.toUtf8()).object();
    QCOMPARE(g["key_irreps"].toArray().size(), 2);
    QCOMPARE(g["key_irreps"].toArray()[1].toString(), QString("rotation 1"));
    QCOMPARE(cli({"analyze", dir.qfile("d5.grok"), "--key-freqs", "rotation 9"}).code, 2);
  }
};

GROK_TEST_APPLESS_MAIN(TestCliGroups)
#include "test_cli_groups.moc"
