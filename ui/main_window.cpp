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
  grid->addWidget(lossPlot_, 0, 0);
  grid->addWidget(addPanel(tr("Progress measures"), tr("epoch"), tr("loss / Gini")), 0, 1);
  grid->addWidget(addPanel(tr("W_E Fourier norms"), tr("Fourier component"), tr("norm")), 1, 0);
  grid->addWidget(addPanel(tr("W_L Fourier norms"), tr("Fourier component"), tr("norm")), 1, 1);
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
  QVector<double> e, train, te, test;
  for (const auto& m : metrics) {
    e << m.epoch;
    train << m.train_loss;
    if (!std::isnan(m.test_loss)) te << m.epoch, test << m.test_loss;
  }
  QCustomPlot* p = lossPlot_;
  p->clearGraphs();
  p->yAxis->setScaleType(QCPAxis::stLogarithmic);
  p->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
  p->addGraph()->setData(e, train, true);
  p->graph(0)->setName(tr("train"));
  p->graph(0)->setPen(QPen(QColor(31, 119, 180), 1.5));
  p->addGraph()->setData(te, test, true);
  p->graph(1)->setName(tr("test"));
  p->graph(1)->setPen(QPen(QColor(255, 127, 14), 1.5));
  p->legend->setVisible(true);
  p->rescaleAxes();
  p->replot();
  setWindowTitle(tr("Grokking Lab - %1").arg(QFileInfo(path).fileName()));
  statusBar()->showMessage(tr("%1: %2 epochs logged").arg(path).arg(metrics.size()));
  lastError_.clear();
  return true;
}

}  // namespace grok
