// `grokking-cli analyze` on a two-layer run: the JSON's `layers` array, one object a layer with its
// neurons and attention, the top-level fields unchanged (the last layer's), and a check-table row
// per layer's MLP, in the JSON and in the text.
#include <QtTest>

#include "cli_test_util.h"
#include "test_util.h"

using namespace grok;

namespace {

using Result = test::CliResult;
using test::cli;

QStringList check_names(const QJsonObject& o) {
  QStringList names;
  for (const QJsonValue& r : o["checks"].toArray()) names << r.toObject()["check"].toString();
  return names;
}

}  // namespace

class TestCliLayers : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void analyzeJsonHasEveryLayer_data() {
    QTest::addColumn<int>("layers");
    QTest::newRow("1 layer") << 1;
    QTest::newRow("2 layers") << 2;
  }
  void analyzeJsonHasEveryLayer() {
    QFETCH(int, layers);
    test::ScratchDir dir;
    Config c = test::tiny_config(13, 40, 20, 5);
    c.n_layers = layers;
    test::train_run(c, dir.file("run.grok"));
    const Result r = cli({"analyze", dir.qfile("run.grok"), "--json"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const QJsonObject o = QJsonDocument::fromJson(r.out.toUtf8()).object();
    const QJsonArray ls = o["layers"].toArray();
    QCOMPARE(ls.size(), layers);
    for (int l = 0; l < layers; l++) {
      const QJsonObject y = ls[l].toObject();
      QCOMPARE(y["layer"].toInt(), l);
      QCOMPARE(y["neurons"].toInt(), c.d_mlp);
      QCOMPARE(y["neuron_freq"].toArray().size(), c.d_mlp);
      QCOMPARE(y["neuron_fve"].toArray().size(), c.d_mlp);
      QVERIFY(y["neuron_clusters"].isObject());
      QVERIFY(y["neurons_fve_above_85"].toInt() >= 0);
      // The mean attention from '=' to a, a head: a weight in [0, 1] (strictly, after softmax).
      const QJsonArray attn = y["attention_to_a_mean"].toArray();
      QCOMPARE(attn.size(), c.n_heads);
      for (const QJsonValue& v : attn) QVERIFY(v.toDouble() > 0 && v.toDouble() < 1);
    }
    // The top-level neurons stay the last layer's; the layers differ from each other.
    const QJsonObject last = ls[layers - 1].toObject();
    for (const char* k : {"neurons_fve_above_85", "neurons", "neuron_clusters", "neuron_freq", "neuron_fve"})
      QVERIFY2(o[k] == last[k], k);
    if (layers == 2) QVERIFY(ls[0].toObject()["neuron_fve"] != last["neuron_fve"]);
    for (const char* k :
         {"epoch", "checks", "wl_fourier_norms", "we_fourier_norms", "detected_key_freqs", "train_loss"})
      QVERIFY2(o.contains(k), k);
    // A check-table row per layer's MLP, after the Section 4.4 rows.
    const QStringList names = check_names(o);
    QCOMPARE(names.first(), QString("full model"));
    for (int l = 0; l < layers; l++)
      QVERIFY2(names.contains(QString("layer %1 MLP mean-ablated").arg(l)), qPrintable(names.join(", ")));
    const Result text = cli({"analyze", dir.qfile("run.grok")});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains(QString("layer %1 MLP mean-ablated").arg(layers - 1)));
    if (layers == 2) QVERIFY2(text.out.contains("mean attention '=' to a by head"), qPrintable(text.out));
  }
};

GROK_TEST_MAIN(TestCliLayers, QCoreApplication)
#include "test_cli_layers.moc"
