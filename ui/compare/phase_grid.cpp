#include "ui/compare/phase_grid.h"

#include "ui/plots/heatmap_view.h"

#include <QMenu>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace grok {

namespace {

constexpr LiuPhase kPhases[] = {LiuPhase::Comprehension, LiuPhase::Grokking, LiuPhase::Memorisation,
                                LiuPhase::Confusion};

// Black on light fills, white on dark, by luminance (viridis' yellow is light, its HSL lightness is not).
QColor textOn(const QColor& c) {
  return 0.299 * c.redF() + 0.587 * c.greenF() + 0.114 * c.blueF() > 0.5 ? Qt::black : Qt::white;
}

}  // namespace

int PhaseCell::withData() const {
  int n = 0;
  for (int c : counts) n += c;
  return n;
}

QVector<PhaseCell> phaseCells(const QVector<CompareRun>& runs, const QString& xField, const QString& yField,
                              const QString& figure) {
  const QStringList xs = sortedValues(runs, xField);
  const QStringList ys = yField.isEmpty() ? QStringList{QString()} : sortedValues(runs, yField);
  QVector<PhaseCell> out;
  QVector<double> values;
  for (int j = 0; j < ys.size(); j++)
    for (int i = 0; i < xs.size(); i++) {
      PhaseCell c;
      c.col = i, c.row = j, c.xValue = xs[i], c.yValue = ys[j];
      for (const CompareRun& r : runs) {
        if (r.value(xField) != xs[i] || (!yField.isEmpty() && r.value(yField) != ys[j])) continue;
        c.rows << r.row;
        if (!r.hasData || !r.summary.complete) c.training = c.training || r.state != RunState::Failed;
        if (r.hasData) c.counts[r.summary.phase]++, c.noiseCounts[r.summary.noise_phase]++;
        if (r.hasData && !figure.isEmpty())
          if (const double v = summary_value(r.summary, figure.toStdString()); !std::isnan(v)) values << v;
      }
      if (!values.isEmpty()) {
        std::sort(values.begin(), values.end());
        const auto n = values.size();
        c.value = n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
      }
      values.clear();
      int noiseMost = 0;
      for (auto it = c.noiseCounts.begin(); it != c.noiseCounts.end(); ++it)
        if (it.value() > noiseMost) noiseMost = it.value(), c.noiseMajority = it.key();
      if (c.rows.isEmpty()) continue;
      int most = 0;
      for (LiuPhase p : kPhases)
        if (c.counts.value(p) > most) most = c.counts.value(p), c.majority = p;
      c.mixed = c.counts.size() > 1;
      out << c;
    }
  return out;
}

PhaseGrid::PhaseGrid(QWidget* parent) : Figure(tr("Phase diagram (Liu et al.)"), parent) {
  setObjectName("compare-phase-diagram");
  legend->setVisible(true);
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  placeLegendBesideTitle();
  for (QCPAxis* ax : {xAxis, yAxis}) ax->grid()->setVisible(false);
}

void PhaseGrid::setRuns(const QString& xField, const QString& yField, const QVector<CompareRun>& runs) {
  xField_ = xField, yField_ = yField, runs_ = runs;
  const bool phases = colouring_ == kLiuColouring || colouring_ == kNoiseColouring;
  cells_ = phaseCells(runs, xField, yField, phases ? QString() : colouring_);
  xValues_ = sortedValues(runs, xField);
  yValues_ = yField.isEmpty() ? QStringList{QString()} : sortedValues(runs, yField);
  rebuild();
}

void PhaseGrid::setColouring(const QString& what) {
  colouring_ = what;
  setRuns(xField_, yField_, runs_);
}

QCPRange PhaseGrid::valueRange() const {
  const QString c = colouring_;
  if (c == "gradient_symmetricity") return {-1, 1};  // a mean cosine
  if (c.contains("acc") || c == "distance_irrelevance" || c == "circularity" || c == "mean_ipr") return {0, 1};
  double lo = INFINITY, hi = -INFINITY;
  for (const PhaseCell& cell : cells_)
    if (!std::isnan(cell.value)) lo = std::min(lo, cell.value), hi = std::max(hi, cell.value);
  if (!std::isfinite(lo)) return {0, 1};
  return hi > lo ? QCPRange(lo, hi) : QCPRange(lo - 0.5, lo + 0.5);
}

void PhaseGrid::rebuild() {
  clearItems();
  clearPlottables();
  labels_.clear();
  const bool liu = colouring_ == kLiuColouring, noise = colouring_ == kNoiseColouring, value = !liu && !noise;
  if (liu || noise) {  // the legend: the phases, and the hatching of cells whose seeds disagree
    auto key = [this](const QString& name, const QColor& colour) {
      auto* k = new QCPBars(xAxis, yAxis);
      k->setName(name);
      k->setPen(Qt::NoPen);
      k->setBrush(colour);
    };
    if (liu)
      for (LiuPhase p : kPhases) key(phaseName(p), phaseColour(p));
    else
      for (NoisePhase p : {NoisePhase::Coexistence, NoisePhase::PartialInversion, NoisePhase::FullInversion,
                           NoisePhase::Memorisation, NoisePhase::Forgetting})
        key(QString::fromUtf8(to_string(p)), noisePhaseColour(p));
    auto* hatch = new QCPBars(xAxis, yAxis);
    hatch->setName(tr("seeds disagree (majority)"));
    hatch->setPen(QPen(palette().color(QPalette::WindowText)));
    hatch->setBrush(QBrush(palette().color(QPalette::WindowText), Qt::BDiagPattern));
  }
  legend->setVisible(!value);
  // The value mode's colour scale beside the grid; none otherwise (a scale outside the layout would
  // still draw its axis).
  if (value && !scale_) {
    scale_ = new QCPColorScale(this);
    scale_->setType(QCPAxis::atRight);
    scale_->setGradient(viridis());
    plotLayout()->addElement(1, 1, scale_);
  }
  if (!value && scale_) plotLayout()->remove(scale_), plotLayout()->simplify(), scale_ = nullptr;
  const QCPRange range = valueRange();
  if (scale_) scale_->setDataRange(range), scale_->axis()->setLabel(colouring_);
  QCPColorGradient gradient = viridis();
  const QFont small(font().family(), std::max(6, font().pointSize() - 1));
  for (const PhaseCell& c : cells_) {
    QColor fill = !c.withData()         ? palette().color(QPalette::Base)
                  : liu                 ? phaseColour(c.majority)
                  : noise               ? noisePhaseColour(c.noiseMajority)
                  : std::isnan(c.value) ? palette().color(QPalette::Mid)
                                        : QColor::fromRgb(gradient.color(c.value, range));
    if (c.training) fill.setAlpha(120);  // may still change
    const bool mixedHere = liu ? c.mixed : noise ? c.noiseCounts.size() > 1 : false;
    auto* rect = new QCPItemRect(this);
    rect->topLeft->setCoords(c.col - 0.48, c.row + 0.48);
    rect->bottomRight->setCoords(c.col + 0.48, c.row - 0.48);
    rect->setPen(QPen(palette().color(QPalette::Mid)));
    rect->setBrush(fill);
    rect->setSelectable(false);
    if (mixedHere) {
      auto* over = new QCPItemRect(this);
      over->topLeft->setCoords(c.col - 0.48, c.row + 0.48);
      over->bottomRight->setCoords(c.col + 0.48, c.row - 0.48);
      over->setPen(Qt::NoPen);
      const QColor lines = textOn(fill) == QColor(Qt::black) ? QColor(0, 0, 0, 90) : QColor(255, 255, 255, 110);
      over->setBrush(QBrush(lines, Qt::BDiagPattern));
      over->setSelectable(false);
    }
    QString text = !c.withData()         ? tr("not started")
                   : liu                 ? phaseName(c.majority)
                   : noise               ? (c.noiseMajority == NoisePhase::None ? tr("no label noise")
                                                                                : QString::fromUtf8(to_string(c.noiseMajority)))
                   : std::isnan(c.value) ? tr("n/a")
                                         : QString::number(c.value, 'g', 3);
    if (liu && c.mixed) text += "\n" + tr("mixed: %1 of %2").arg(c.counts.value(c.majority)).arg(c.withData());
    if (noise && mixedHere)
      text += "\n" + tr("mixed: %1 of %2").arg(c.noiseCounts.value(c.noiseMajority)).arg(c.withData());
    if (c.training && c.withData()) text += "\n" + tr("(training)");
    auto* label = new QCPItemText(this);
    label->position->setCoords(c.col, c.row);
    label->setText(text);
    label->setFont(small);
    label->setColor(c.withData() && !c.training ? textOn(fill) : palette().color(QPalette::WindowText));
    label->setSelectable(false);
    labels_ << label;
  }
  auto ticks = [](QCPAxis* ax, const QStringList& values, const QString& label) {
    QSharedPointer<QCPAxisTickerText> t(new QCPAxisTickerText);
    for (int i = 0; i < values.size(); i++) t->addTick(i, values[i]);
    ax->setTicker(t);
    ax->setLabel(label);
    ax->setRange(-0.5, values.size() - 0.5);
    ax->setSubTicks(false);
  };
  ticks(xAxis, xValues_, xField_);
  ticks(yAxis, yValues_, yField_);
  applyPalette();
  if (scale_) {
    scale_->axis()->setBasePen(QPen(palette().color(QPalette::WindowText)));
    scale_->axis()->setTickLabelColor(palette().color(QPalette::WindowText));
    scale_->axis()->setLabelColor(palette().color(QPalette::WindowText));
  }
  setTitle(liu     ? tr("Phase diagram (Liu et al.)")
           : noise ? tr("Phases with label noise (Doshi et al.)")
                   : tr("%1, median over seeds").arg(colouring_));  // wraps the legend beside the title
  replot(QCustomPlot::rpQueuedReplot);
}

void PhaseGrid::fitToLayout() {
  const double cellWidth = 0.9 * std::abs(xAxis->coordToPixel(1) - xAxis->coordToPixel(0));
  const double cellHeight = 0.9 * std::abs(yAxis->coordToPixel(1) - yAxis->coordToPixel(0));
  for (QCPItemText* label : labels_) {
    const QStringList lines = label->text().split('\n');
    bool fits = false;
    for (int pt = std::max(6, font().pointSize() - 1); pt >= 6 && !fits; pt--) {
      const QFont f(font().family(), pt);
      const QFontMetrics fm(f);
      int widest = 0;
      for (const QString& line : lines) widest = std::max(widest, fm.horizontalAdvance(line));
      fits = widest <= cellWidth && fm.lineSpacing() * lines.size() <= cellHeight;
      if (fits) label->setFont(f);
    }
    label->setVisible(fits);
  }
}

int PhaseGrid::cellAt(const QPointF& pos) const {
  if (!axisRect()->rect().contains(pos.toPoint())) return -1;
  const int col = static_cast<int>(std::lround(xAxis->pixelToCoord(pos.x())));
  const int row = static_cast<int>(std::lround(yAxis->pixelToCoord(pos.y())));
  for (int i = 0; i < cells_.size(); i++)
    if (cells_[i].col == col && cells_[i].row == row) return i;
  return -1;
}

QString PhaseGrid::cellToolTip(int cell) const {
  const PhaseCell& c = cells_[cell];
  QString head = xField_ + "=" + c.xValue + (yField_.isEmpty() ? QString() : "  " + yField_ + "=" + c.yValue);
  QStringList lines = {head};
  if (c.withData()) {
    QStringList parts;
    for (auto it = c.counts.begin(); it != c.counts.end(); ++it)
      parts << tr("%1 %2").arg(it.value()).arg(phaseName(it.key()));
    lines << (c.mixed ? tr("majority %1 (seeds disagree: %2)").arg(phaseName(c.majority), parts.join(", "))
                      : tr("%1 (%2 runs)").arg(phaseName(c.majority)).arg(c.withData()));
  }
  for (int row : c.rows) {
    const CompareRun& r = runs_[row];
    QStringList others;  // the pooled fields: all but the cell's two
    for (const auto& [name, text] : r.varied) {
      const QString n = QString::fromStdString(name);
      if (n != xField_ && n != yField_) others << n + "=" + QString::fromStdString(text);
    }
    const QString what = !r.hasData ? r.stateText()
                                    : tr("99% at %1, %2%3")
                                          .arg(r.summary.grok_epoch >= 0 ? QString::number(r.summary.grok_epoch) : "-")
                                          .arg(phaseName(r.summary.phase))
                                          .arg(r.summary.complete ? QString() : tr(" (so far)"));
    lines << tr("run %1 %2: %3").arg(r.row).arg(others.join(' '), what);
  }
  return lines.join('\n');
}

void PhaseGrid::activateCell(int cell) {
  if (cell < 0 || cell >= cells_.size()) return;
  QList<int> rows;
  for (int row : cells_[cell].rows)
    if (runs_[row].hasData) rows << row;
  if (rows.size() == 1) return emit runActivated(rows.first());
  if (rows.isEmpty()) return;
  QMenu menu(this);
  for (int row : rows)
    menu.addAction(tr("Open run %1 (%2)").arg(row).arg(runs_[row].describe()), this,
                   [this, row] { emit runActivated(row); });
  menu.exec(QCursor::pos());
}

void PhaseGrid::mouseMoveEvent(QMouseEvent* event) {
  Figure::mouseMoveEvent(event);
  const int cell = cellAt(event->position());
  if (cell < 0) return QToolTip::hideText();
  QToolTip::showText(event->globalPosition().toPoint(), cellToolTip(cell), this);
}

void PhaseGrid::mouseDoubleClickEvent(QMouseEvent* event) {
  Figure::mouseDoubleClickEvent(event);
  activateCell(cellAt(event->position()));
}

}  // namespace grok
