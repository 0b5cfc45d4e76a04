#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QGridLayout>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <cmath>
#include <qcustomplot.h>

#include "core/run_store.h"

namespace grok {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("Grokking Lab"));
  setWindowIcon(QIcon(QStringLiteral(":/icons/grokking.svg")));
  auto* central = new QWidget(this);
  auto* grid = new QGridLayout(central);
  lossPlot_ = addPanel(tr("Loss"), tr("epoch"), tr("cross-entropy loss"));
  accPlot_ = addPanel(tr("Accuracy"), tr("epoch"), tr("accuracy"));
  grid->addWidget(lossPlot_, 0, 0);
  grid->addWidget(accPlot_, 0, 1);
  grid->addWidget(addPlaceholder(tr("Progress measures"), tr("restricted and excluded loss, Gini, weight norm:\n"
                                                             "computed by the analysis (next release)")),
                  1, 0);
  grid->addWidget(addPlaceholder(tr("Fourier norms of W_E and W_L"), tr("computed by the analysis (next release)")), 1, 1);
  setCentralWidget(central);

  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open run..."), this, &MainWindow::chooseRun);
  open->setShortcut(QKeySequence::Open);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
  quit->setShortcut(QKeySequence::Quit);
  statusBar()->showMessage(tr("Open a run file (File > Open) or train one with grokking-cli"));
  resize(1280, 800);
}

QCustomPlot* MainWindow::addPanel(const QString& title, const QString& xLabel, const QString& yLabel) {
  auto* plot = new QCustomPlot(this);
  plot->plotLayout()->insertRow(0);
  plot->plotLayout()->addElement(0, 0, new QCPTextElement(plot, title, QFont(font().family(), 11, QFont::Bold)));
  plot->xAxis->setLabel(xLabel);
  plot->yAxis->setLabel(yLabel);
  plot->setMinimumSize(320, 220);
  return plot;
}

QCustomPlot* MainWindow::addPlaceholder(const QString& title, const QString& note) {
  QCustomPlot* plot = addPanel(title, QString(), QString());
  plot->xAxis->setVisible(false);
  plot->yAxis->setVisible(false);
  auto* text = new QCPItemText(plot);
  text->position->setType(QCPItemPosition::ptAxisRectRatio);
  text->position->setCoords(0.5, 0.5);
  text->setText(note);
  text->setColor(palette().color(QPalette::PlaceholderText));
  return plot;
}

void MainWindow::chooseRun() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Open run"), QString(), tr("Grokking runs (*.grok);;All files (*)"));
  if (!path.isEmpty()) openRun(path);
}

bool MainWindow::openRun(const QString& path, bool quiet) {
  std::vector<EpochMetrics> metrics;
  try {
    const RunStore store = RunStore::open(path.toStdString());
    metrics = store.metrics();
  } catch (const std::exception& e) {
    lastError_ = QString::fromStdString(e.what());
    if (!quiet) QMessageBox::critical(this, tr("Cannot open run"), lastError_);
    return false;
  }
  QVector<double> e, train_loss, train_acc, te, test_loss, test_acc;
  for (const auto& m : metrics) {
    e << m.epoch;
    train_loss << m.train_loss;
    train_acc << m.train_acc;
    if (!std::isnan(m.test_loss)) te << m.epoch, test_loss << m.test_loss, test_acc << m.test_acc;
  }
  auto fill = [&](QCustomPlot* p, const QVector<double>& train, const QVector<double>& test) {
    p->clearGraphs();
    p->addGraph()->setData(e, train, true);
    p->graph(0)->setName(tr("train"));
    p->graph(0)->setPen(QPen(QColor(31, 119, 180), 1.5));
    p->addGraph()->setData(te, test, true);
    p->graph(1)->setName(tr("test"));
    p->graph(1)->setPen(QPen(QColor(255, 127, 14), 1.5));
    p->legend->setVisible(true);
    p->rescaleAxes();
  };
  lossPlot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
  lossPlot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  fill(lossPlot_, train_loss, test_loss);
  fill(accPlot_, train_acc, test_acc);
  accPlot_->yAxis->setRange(0, 1.02);
  // Legends where grokking curves leave room: between train and test losses, under the accuracies.
  lossPlot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignVCenter | Qt::AlignRight);
  accPlot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignBottom | Qt::AlignRight);
  lossPlot_->replot();
  accPlot_->replot();
  setWindowTitle(tr("Grokking Lab - %1").arg(QFileInfo(path).fileName()));
  statusBar()->showMessage(tr("%1: %2 epochs logged").arg(path).arg(metrics.size()));
  lastError_.clear();
  return true;
}

}  // namespace grok
