#include "ui/compare/compare_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/compare/compare_source.h"
#include "ui/compare/grok_plot.h"
#include "ui/compare/overlay_plots.h"
#include "ui/compare/phase_grid.h"
#include "ui/compare/run_table.h"
#include "ui/compare/sweep_control.h"
#include "ui/plots/figure_export.h"

namespace grok {

namespace {

// Puts `items` into a combo, keeping its choice if it is still there, else `fallback`.
// Refills a field chooser, keeping its choice when the new items have it (unless `keep` is false).
void fill(QComboBox* box, const QStringList& items, const QString& fallback, bool keepChoice = true) {
  const QString keep = keepChoice ? box->currentText() : fallback;
  const QSignalBlocker block(box);
  box->clear();
  box->addItems(items);
  const int i = static_cast<int>(items.indexOf(items.contains(keep) ? keep : fallback));
  box->setCurrentIndex(std::max(0, i));
}

}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  setObjectName("compare");
  source_ = new CompareSource(this);
  control_ = new SweepControl(this);
  table_ = new RunTable;
  overlays_ = new OverlayPlots;
  grok_ = new GrokPlot;
  phases_ = new PhaseGrid;

  auto* grokHeader = new QWidget;
  auto* gh = new QHBoxLayout(grokHeader);
  gh->setContentsMargins(4, 0, 4, 0);
  gh->addWidget(new QLabel(tr("Epochs to grok against")));
  gh->addWidget(grokField_ = new QComboBox);
  gh->addStretch(1);
  auto* phaseHeader = new QWidget;
  auto* ph = new QHBoxLayout(phaseHeader);
  ph->setContentsMargins(4, 0, 4, 0);
  ph->addWidget(new QLabel(tr("Phase diagram over")));
  ph->addWidget(phaseX_ = new QComboBox);
  ph->addWidget(new QLabel(tr("and")));
  ph->addWidget(phaseY_ = new QComboBox);
  ph->addWidget(new QLabel(tr("coloured by")));
  ph->addWidget(phaseColour_ = new QComboBox);
  phaseColour_->addItems({kLiuColouring, kNoiseColouring});
  for (const std::string& f : summary_figure_columns()) phaseColour_->addItem(QString::fromStdString(f));
  phaseColour_->setToolTip(
      tr("Liu et al.'s phases, Doshi et al.'s phases of runs with label noise, or any per-run "
         "figure (its median over seeds, on a colour scale)"));
  ph->addStretch(1);

  auto* left = left_ = new QSplitter(Qt::Vertical);
  left->addWidget(table_);
  left->addWidget(withHeader(grok_, grokHeader));
  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(overlays_);
  right->addWidget(withHeader(phases_, phaseHeader));
  for (QSplitter* s : {left, right})
    s->setChildrenCollapsible(false), s->setStretchFactor(0, 3), s->setStretchFactor(1, 2);
  auto* main = new QSplitter(Qt::Horizontal);
  main->addWidget(left);
  main->addWidget(right);
  main->setStretchFactor(0, 4);
  main->setStretchFactor(1, 5);
  main->setChildrenCollapsible(false);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(2, 2, 2, 2);
  layout->addWidget(buildControls());
  layout->addWidget(main, 1);

  connect(source_, &CompareSource::opened, this, &CompareView::onOpened);
  connect(source_, &CompareSource::updated, this, &CompareView::refresh);
  connect(table_, &RunTable::checkedChanged, this, [this] {
    overlays_->setRuns(source_->runs(), table_->checkedRows(), ColourScale::of(colourField(), source_->runs()));
  });
  auto activate = [this](int row) {
    const CompareRun& r = source_->runs().value(row);
    if (r.hasData) return emit openRunRequested(r.path);
    emit message(tr("Run %1 has no checkpoint yet").arg(row));
  };
  connect(table_, &RunTable::runActivated, this, activate);
  connect(phases_, &PhaseGrid::runActivated, this, activate);
  connect(colourBy_, &QComboBox::currentTextChanged, this, &CompareView::redrawColoured);
  connect(colourBy_, &QComboBox::activated, this, [this] { colourChosen_ = true; });
  connect(grokField_, &QComboBox::currentTextChanged, this, [this] {
    grok_->setRuns(grokField_->currentText(), source_->runs(), ColourScale::of(colourField(), source_->runs()));
  });
  connect(phaseColour_, &QComboBox::currentTextChanged, phases_, &PhaseGrid::setColouring);
  for (QComboBox* c : {phaseX_, phaseY_})
    connect(c, &QComboBox::currentTextChanged, this,
            [this] { setPhaseFields(phaseX_->currentText(), phaseY_->currentText()); });
  connect(control_, &SweepControl::progress, this,
          [this](const SweepProgress& p) { progress_->setText(SweepControl::progressText(p)); });
  connect(control_, &SweepControl::event, this, [this](const QString& m) {
    progress_->setToolTip(m);
    emit message(m);
  });
  connect(control_, &SweepControl::finished, this, [this](const SweepResult& r, const QString& error) {
    progress_->setText(error.isEmpty()
                           ? tr("%1/%2 complete%3%4")
                                 .arg(r.complete)
                                 .arg(r.total)
                                 .arg(r.failed ? tr(" · %1 failed").arg(r.failed) : QString())
                                 .arg(r.stopped ? tr(" · %1 stopped (resumable)").arg(r.stopped) : QString())
                           : error);
    updateSweepButtons();
    source_->poll();  // the final commits
    emit sweepFinished();
    if (afterStop_) std::exchange(afterStop_, nullptr)();
  });
  updateSweepButtons();
}

CompareView::~CompareView() = default;  // the control stops the sweep and waits for its commits

QWidget* CompareView::withHeader(QWidget* figure, QWidget* header) {
  auto* w = new QWidget;
  auto* l = new QVBoxLayout(w);
  l->setContentsMargins(0, 0, 0, 0);
  l->setSpacing(0);
  l->addWidget(header);
  l->addWidget(figure, 1);
  return w;
}

QWidget* CompareView::buildControls() {
  auto* bar = new QWidget;
  auto* h = new QHBoxLayout(bar);
  h->setContentsMargins(4, 2, 4, 2);
  h->addWidget(title_ = new QLabel(tr("Open a sweep folder or several run files (File > Open)")));
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  h->addSpacing(16);
  h->addWidget(new QLabel(tr("Colour by")));
  h->addWidget(colourBy_ = new QComboBox);
  seriesButton_ = new QToolButton;
  seriesButton_->setText(tr("Curves"));
  seriesButton_->setToolTip(tr("The time series the overlays show, stacked"));
  seriesButton_->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(seriesButton_);
  for (const CompareSeriesInfo& info : compareSeries()) {
    QAction* a = menu->addAction(tr(info.title));
    a->setCheckable(true);
    a->setChecked(overlays_->shown().contains(info.id));
    a->setData(static_cast<int>(info.id));
    connect(a, &QAction::toggled, this, [this, menu] {
      QList<CompareSeries> shown;
      for (QAction* x : menu->actions())
        if (x->isChecked()) shown << static_cast<CompareSeries>(x->data().toInt());
      overlays_->setShown(shown);
    });
  }
  seriesButton_->setMenu(menu);
  h->addWidget(seriesButton_);
  h->addWidget(logX_ = new QCheckBox(tr("log epochs")));
  connect(logX_, &QCheckBox::toggled, overlays_, &OverlayPlots::setLogX);
  connect(overlays_, &OverlayPlots::logXChanged, logX_, &QCheckBox::setChecked);
  auto* exportButton = new QPushButton(tr("Export view..."));
  connect(exportButton, &QPushButton::clicked, this, [this] { emit exportRequested(this); });
  h->addWidget(exportButton);
  h->addStretch(1);
  h->addWidget(progress_ = new QLabel);
  h->addWidget(new QLabel(tr("jobs")));
  h->addWidget(jobs_ = new QSpinBox);
  jobs_->setRange(0, 64);
  jobs_->setSpecialValueText(tr("auto"));
  jobs_->setToolTip(tr("Runs trained at once (auto: one per core)"));
  h->addWidget(run_ = new QPushButton(tr("Run sweep")));
  run_->setToolTip(tr("Train every incomplete run of the sweep on this machine, as grokking-cli sweep run does"));
  h->addWidget(stop_ = new QPushButton(tr("Stop")));
  stop_->setToolTip(tr("Every run commits a checkpoint and stops; Run sweep continues them"));
  connect(run_, &QPushButton::clicked, this, [this] {
    if (const QString err = startSweep(); !err.isEmpty()) emit message(err);
  });
  connect(stop_, &QPushButton::clicked, this, &CompareView::stopSweep);
  return bar;
}

QString CompareView::open(const QStringList& paths) {
  if (control_->running()) return tr("Stop the running sweep before opening another");
  return source_->open(paths);
}

void CompareView::onOpened() {
  const QString t = source_->isSweep() ? tr("Sweep %1 · %2 runs").arg(source_->title()).arg(source_->runs().size())
                                       : source_->title();
  title_->setText(t);
  title_->setToolTip(source_->isSweep() ? QString::fromStdString(source_->sweep()->dir()) : QString());
  progress_->clear();
  updateSweepButtons();
  refresh();
  table_->setAllChecked(true);
  // The table as tall as its rows (at most half the column), the rest for epochs to grok.
  const int total = left_->height() > 100 ? left_->height() : 800;
  const int rows = table_->horizontalHeader()->height() +
                   table_->rowCount() * table_->verticalHeader()->defaultSectionSize() +
                   table_->horizontalScrollBar()->sizeHint().height() + 2 * table_->frameWidth() + 4;
  left_->setSizes({std::min(rows, total / 2), total - std::min(rows, total / 2)});
  emit titleChanged(t);
}

QStringList CompareView::settingFields() const {
  QStringList f = source_->varied();
  f.removeAll("seed");
  return f.isEmpty() ? QStringList{"seed"} : f;
}

void CompareView::updateCombos() {
  const QStringList settings = settingFields();
  QStringList colours = source_->varied().isEmpty() ? QStringList{"seed"} : source_->varied();
  QString colourDefault = settings.first();
  if (settings.size() > 1) {
    // A field telling every setting apart colours by default; failing one, a full grid keeps its
    // first field's scale, and fields varied together (a zip, loose files) give each setting its own colour.
    colours << kRunField;
    const qsizetype n = sortedValues(source_->runs(), kRunField).size();
    qsizetype grid = 1;
    QString separating;
    for (const QString& f : settings) {
      const qsizetype k = sortedValues(source_->runs(), f).size();
      grid *= k;
      if (separating.isEmpty() && k == n) separating = f;
    }
    colourDefault = !separating.isEmpty() ? separating : n < grid ? kRunField : settings.first();
  }
  // Until the user picks a colour field, follow the data: the first fill comes before any run is read.
  fill(colourBy_, colours, colourDefault, colourChosen_);
  fill(grokField_, settings, settings.first());
  fill(phaseX_, settings, settings.first());
  fill(phaseY_, QStringList{tr("(one row)")} + settings.mid(1), settings.value(1, tr("(one row)")));
}

void CompareView::refresh() {
  updateCombos();
  const QVector<CompareRun>& runs = source_->runs();
  const ColourScale scale = ColourScale::of(colourField(), runs);
  table_->setRuns(source_->varied(), runs, scale);
  overlays_->setRuns(runs, table_->checkedRows(), scale);
  grok_->setRuns(grokField_->currentText(), runs, scale);
  setPhaseFields(phaseX_->currentText(), phaseY_->currentText());
  updateSweepButtons();
  emit refreshed();
}

void CompareView::redrawColoured() {
  const QVector<CompareRun>& runs = source_->runs();
  const ColourScale scale = ColourScale::of(colourField(), runs);
  table_->setRuns(source_->varied(), runs, scale);
  overlays_->setRuns(runs, table_->checkedRows(), scale);
  grok_->setRuns(grokField_->currentText(), runs, scale);
}

QString CompareView::colourField() const { return colourBy_->currentText(); }

void CompareView::setColourField(const QString& field) {
  colourChosen_ = true;
  colourBy_->setCurrentText(field);
}

void CompareView::setGrokField(const QString& field) { grokField_->setCurrentText(field); }

void CompareView::setPhaseColouring(const QString& what) { phaseColour_->setCurrentText(what); }

void CompareView::setPhaseFields(const QString& x, const QString& y) {
  const bool oneRow = y == tr("(one row)") || y == x;
  {
    const QSignalBlocker bx(phaseX_), by(phaseY_);
    phaseX_->setCurrentText(x);
    if (!y.isEmpty()) phaseY_->setCurrentText(y);
  }
  phases_->setRuns(x, oneRow ? QString() : y, source_->runs());
}

QMap<QString, QWidget*> CompareView::figures() const {
  QMap<QString, QWidget*> out{{grok_->objectName(), grok_}, {phases_->objectName(), phases_}};
  for (OverlayFigure* f : overlays_->figures())
    if (!f->isHidden()) out[f->objectName()] = f;
  return out;
}

QString CompareView::exportView(const QString& path) { return exportWidget(this, path, 1.0); }

void CompareView::updateSweepButtons() {
  const bool running = control_->running();
  run_->setEnabled(source_->isSweep() && !running);
  stop_->setEnabled(running && !control_->stopping());
  jobs_->setEnabled(!running);
  source_->setPollInterval(running ? 1000 : 2000);
}

QString CompareView::startSweep() {
  if (!source_->isSweep()) return tr("Run sweep: open a sweep folder first");
  const QString err = control_->start(QString::fromStdString(source_->sweep()->dir()), jobs_->value());
  if (err.isEmpty()) progress_->setText(tr("starting..."));
  updateSweepButtons();
  return err;
}

void CompareView::stopSweep() {
  control_->stop();
  progress_->setText(tr("stopping: every run commits a checkpoint..."));
  updateSweepButtons();
}

bool CompareView::stopBeforeClose(const std::function<void()>& then) {
  if (!control_->running()) return true;
  afterStop_ = then;
  stopSweep();
  return false;
}

}  // namespace grok
