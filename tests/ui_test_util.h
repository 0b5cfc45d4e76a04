// Helpers shared by the GUI tests: the app's resources and settings kept apart from the user's, and
// a model small enough for hundreds of epochs a second typed into the run panel.
#pragma once

#include <QApplication>
#include <QCoreApplication>
#include <QFile>
#include <QMessageBox>
#include <QPointF>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <QTableWidget>
#include <QTimer>
#include <QVector>
#include <QXmlStreamReader>
#include <initializer_list>
#include <memory>
#include <utility>

#include "ui/plots/series_view.h"
#include "ui/run/run_panel.h"
#include "ui/window/main_window.h"

// Icons as the app's main loads them, and QSettings in `settingsDir` (a test's temporary folder), so
// that no test reads or changes the user's layout, recent files or export folder. At global scope:
// Q_INIT_RESOURCE cannot be used inside a namespace.
inline void initUiTest(const QString& settingsDir) {
  Q_INIT_RESOURCE(grokking);
  QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, settingsDir);
  QCoreApplication::setOrganizationName("grokking-lab-tests");
}

namespace grok::test {

// p = 11, d_model 16, 2 heads, d_mlp 32: a checkpoint every 25 epochs, a test evaluation every 5.
inline void setTinyFields(RunPanel* panel) {
  for (auto [k, v] : std::initializer_list<std::pair<const char*, QString>>{{"p", "11"},
                                                                            {"train_fraction", "0.5"},
                                                                            {"d_model", "16"},
                                                                            {"n_heads", "2"},
                                                                            {"d_head", "8"},
                                                                            {"d_mlp", "32"},
                                                                            {"epochs", "100000"},
                                                                            {"checkpoint_interval", "25"},
                                                                            {"test_interval", "5"}})
    panel->setField(k, v);
}

// The check names of a check table, top to bottom.
inline QStringList checkNames(const QTableWidget* t) {
  QStringList names;
  for (int r = 0; r < t->rowCount(); r++) names << t->item(r, 0)->text();
  return names;
}

// A view's series i as (x, y) pairs, NaNs left as they are.
inline QVector<QPointF> seriesPoints(const SeriesView* v, int i) {
  QVector<QPointF> out;
  const QVector<double> x = v->seriesX(i), y = v->seriesY(i);
  for (int k = 0; k < x.size(); k++) out << QPointF(x[k], y[k]);
  return out;
}

// The vector shapes (path, polyline) of an SVG file: curves drawn as vectors, not one bitmap; -1 if
// the file cannot be read or is not well-formed XML.
inline int svgShapeCount(const QString& path) {
  QFile svg(path);
  if (!svg.open(QIODevice::ReadOnly)) return -1;
  QXmlStreamReader xml(&svg);
  int shapes = 0;
  while (!xml.atEnd()) {
    xml.readNext();
    if (xml.isStartElement() && (xml.name() == u"path" || xml.name() == u"polyline")) shapes++;
  }
  return xml.hasError() ? -1 : shapes;
}

// One main window for a whole test case (a QTest class), for tests where a fresh window is not the
// point (an export, a view's numbers): built, sized as on a 1920 x 1080 screen and shown on first
// use, kept for the class's functions (each opens the run it needs), closed with the class.
//
//   test::SharedWindow window_;                   // a member of the test class
//   QVERIFY(window_->openRun(path, true));
class SharedWindow {
 public:
  MainWindow& operator*() {
    if (!w_) {
      w_ = std::make_unique<MainWindow>();
      w_->resize(1840, 1020);
      w_->show();
    }
    return *w_;
  }
  MainWindow* operator->() { return &**this; }

 private:
  std::unique_ptr<MainWindow> w_;
};

// An error dialog would wait for a click: this closes every message box the window shows, every
// 100 ms once started, and keeps its text, so that a test fails on it (or checks it) instead of hanging.
class MessageBoxCloser {
 public:
  void start() {
    QObject::connect(&timer_, &QTimer::timeout, [this] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
        texts << box->text();
        box->reject();
      }
    });
    timer_.start(100);
  }
  QStringList texts;  // what the boxes said, oldest first

 private:
  QTimer timer_;
};

}  // namespace grok::test
