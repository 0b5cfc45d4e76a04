// A two-layer run in the window, headless: the neuron and attention panels offer both layers
// (layer pickers shown only for a deeper model), picking layer 0 draws layer 0's neurons and
// attention heads (captioned "layer 0, head h"), and the check table has a row per layer's MLP.
#include <QApplication>
#include <QTableWidget>
#include <QtTest>

#include "core/analysis/snapshot.h"
#include "core/store/run_store.h"
#include "test_util.h"
#include "ui/checkpoint/attention_panel.h"
#include "ui/checkpoint/checkpoint_views.h"
#include "ui/checkpoint/layer_picker.h"
#include "ui/checkpoint/neuron_panel.h"
#include "ui/plots/heatmap_view.h"
#include "ui/window/main_window.h"
#include "ui/window/run_viewer.h"
#include "ui_test_util.h"

using namespace grok;

namespace {

constexpr int kP = 11, kEpochs = 60;

// The snapshot the window computes for `epoch`, computed here (the maps must agree to float rounding).
}  // namespace

class TestUiLayers : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;
  test::ScratchDir dir_;

 private slots:
  void initTestCase() {
    initUiTest(settings_.path());
    Config c = test::tiny_config(kP, kEpochs, 20, 5);
    c.n_layers = 2;
    test::train_run(c, dir_.file("two.grok"));
    test::train_run(test::tiny_config(kP, 20, 20, 5), dir_.file("one.grok"));
  }

  void twoLayerRunShowsBothLayers() {
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    QVERIFY(w.openRun(dir_.qfile("two.grok"), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), kEpochs, 20000);
    NeuronPanel* neurons = w.viewer()->views()->neurons();
    AttentionPanel* attention = w.viewer()->views()->attention();
    for (LayerPicker* pick : {neurons->layerPicker(), attention->layerPicker()}) {
      QVERIFY(pick->isVisibleTo(&w));
      QCOMPARE(pick->count(), 2);
      QCOMPARE(pick->layer(), 1);  // the last layer first, as W_L reads it
    }
    HeatmapView* heads = attention->view();
    QCOMPARE(heads->mapCount(), 2);  // tiny config: 2 heads
    QCOMPARE(heads->caption(1), QString("layer 1, head 1"));

    neurons->layerPicker()->setCurrentIndex(0);
    attention->layerPicker()->setCurrentIndex(0);
    const Snapshot s = test::snapshot_of(dir_.file("two.grok"), kEpochs);
    const SnapshotLayerView first = s.layer(0);
    QVERIFY(first.neuron_acts != s.neuron_acts);
    for (int h = 0; h < 2; h++) {
      QCOMPARE(heads->caption(h), QString("layer 0, head %1").arg(h));
      for (int a = 0; a < kP; a++)
        for (int b = 0; b < kP; b++)
          QVERIFY(std::abs(heads->valueAt(h, b, a) - first.attention[(h * kP + a) * kP + b]) < 1e-5);
    }
    // Each neuron map is layer 0's neuron its caption names ("#m k.. ..%").
    HeatmapView* maps = neurons->view();
    QVERIFY(maps->mapCount() > 0);
    for (int i = 0; i < maps->mapCount(); i++) {
      const int m = maps->caption(i).section(' ', 0, 0).mid(1).toInt();
      double err = 0, scale = 0;
      for (int a = 0; a < kP; a++)
        for (int b = 0; b < kP; b++) {
          const double want = first.neuron_acts[(a * kP + b) * s.d_mlp + m];
          err = std::max(err, std::abs(maps->valueAt(i, b, a) - want));
          scale = std::max(scale, std::abs(want));
        }
      QVERIFY2(err <= 1e-5 * std::max(1.0, scale), qPrintable(maps->caption(i)));
    }
    // The check table: a row per layer's MLP.
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), kEpochs, 20000);
    const QStringList names = test::checkNames(w.viewer()->checksTable());
    QVERIFY2(names.contains("layer 0 MLP mean-ablated") && names.contains("layer 1 MLP mean-ablated"),
             qPrintable(names.join(", ")));
  }

  void oneLayerRunHasNoLayerPicker() {
    MainWindow w;
    w.show();
    QVERIFY(w.openRun(dir_.qfile("one.grok"), true));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownSnapshotEpoch(), 20, 20000);
    QVERIFY(!w.viewer()->views()->neurons()->layerPicker()->isVisibleTo(&w));
    QVERIFY(!w.viewer()->views()->attention()->layerPicker()->isVisibleTo(&w));
    QCOMPARE(w.viewer()->attentionView()->caption(0), QString("head 0"));
    QTRY_COMPARE_WITH_TIMEOUT(w.viewer()->shownChecksEpoch(), 20, 20000);
    QVERIFY(test::checkNames(w.viewer()->checksTable()).contains("layer 0 MLP mean-ablated"));
  }
};

GROK_TEST_MAIN(TestUiLayers, QApplication)
#include "test_ui_layers.moc"
