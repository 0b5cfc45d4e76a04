#include "ui/compare/run_table.h"

#include <QContextMenuEvent>
#include <QHeaderView>
#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <algorithm>

namespace grok {

namespace {

QIcon swatch(const QColor& c, bool round) {
  QPixmap pm(12, 12);
  pm.fill(Qt::transparent);
  QPainter p(&pm);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(Qt::NoPen);
  p.setBrush(c);
  if (round)
    p.drawEllipse(QRectF(1, 1, 10, 10));
  else
    p.drawRect(QRectF(1, 1, 10, 10));
  return QIcon(pm);
}

QString epochText(const CompareRun& r) {
  if (!r.hasData) return QStringLiteral("-");
  QString s = QString::number(r.summary.last_epoch) + "/" + QString::number(r.summary.config.epochs);
  if (r.summary.stopped_early >= 0) s += QObject::tr(" (stop)");  // stop_after_grok ended it
  return s;
}

}  // namespace

RunTable::RunTable(QWidget* parent) : QTableWidget(parent) {
  setSelectionBehavior(QAbstractItemView::SelectRows);
  setEditTriggers(QAbstractItemView::NoEditTriggers);
  setAlternatingRowColors(true);
  verticalHeader()->setVisible(false);
  verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  horizontalHeader()->setHighlightSections(false);
  connect(this, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* it) {
    if (it->column() == 0) emit checkedChanged();
  });
  connect(this, &QTableWidget::cellDoubleClicked, this, [this](int row, int) { emit runActivated(row); });
}

int RunTable::column(const QString& header) const { return static_cast<int>(headers_.indexOf(header)); }

void RunTable::setRuns(const QStringList& varied, const QVector<CompareRun>& runs, const ColourScale& colours) {
  QStringList headers = {tr("run")};
  // Forks: of which run, from which epoch (their curves begin there, on the parent's axis).
  const bool forks = std::any_of(runs.begin(), runs.end(), [](const CompareRun& r) { return r.origin.isFork(); });
  if (forks) headers << tr("fork of");
  for (const QString& v : varied)
    if (v != "seed") headers << v;
  headers << "seed" << tr("state") << tr("epoch") << tr("99% test at") << tr("phase");
  const QSet<int> checked = checkedRows();
  const bool allChecked = checked.size() == rowCount();  // and a new table: every run drawn
  const bool reshape = headers != headers_ || rowCount() != runs.size();
  const QSignalBlocker block(this);
  if (reshape) {
    headers_ = headers;
    setColumnCount(headers.size());
    setHorizontalHeaderLabels(headers);
    setRowCount(runs.size());
  }
  auto set = [this](int row, int col, const QString& text) {
    QTableWidgetItem* it = item(row, col);
    if (!it) setItem(row, col, it = new QTableWidgetItem);
    if (it->text() != text) it->setText(text);
    return it;
  };
  for (int i = 0; i < runs.size(); i++) {
    const CompareRun& r = runs[i];
    QTableWidgetItem* first = set(i, 0, QString::number(r.row));
    first->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
    if (reshape) first->setCheckState(allChecked || checked.contains(i) ? Qt::Checked : Qt::Unchecked);
    first->setIcon(swatch(colours.colour(r), true));
    first->setToolTip(r.path + (r.origin.isFork() ? "\n" + r.origin.describe() : QString()) +
                      (r.error.isEmpty() ? QString() : "\n" + r.error));
    int c = 1;
    if (forks)
      set(i, c++, r.origin.isFork() ? tr("%1 at %2").arg(r.origin.parentName()).arg(r.origin.epoch) : QString("-"))
          ->setToolTip(r.origin.isFork() ? r.origin.parent + "\n" + r.origin.describe() : QString());
    for (const QString& v : varied)
      if (v != "seed") set(i, c++, r.value(v));
    QString seed = r.value("seed");
    if (seed.isEmpty() && r.hasData) seed = QString::number(r.summary.config.seed);
    set(i, c++, seed.isEmpty() ? QStringLiteral("-") : seed);
    set(i, c++, r.stateText())->setToolTip(r.error);
    set(i, c++, epochText(r));
    set(i, c++, r.hasData && r.summary.grok_epoch >= 0 ? QString::number(r.summary.grok_epoch) : QStringLiteral("-"));
    QTableWidgetItem* ph =
        set(i, c++,
            r.hasData ? phaseName(r.summary.phase) + (r.summary.complete ? "" : tr(" (so far)")) : QStringLiteral("-"));
    ph->setIcon(r.hasData ? swatch(phaseColour(r.summary.phase), false) : QIcon());
    for (int k = 1; k < c; k++) item(i, k)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item(i, c - 1)->setTextAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    item(i, c - 4)->setTextAlignment(Qt::AlignLeft | Qt::AlignVCenter);  // state
  }
  // Columns as wide as their contents; later, as wide as they have become (never narrower: a
  // user's widening stays).
  if (reshape) return resizeColumnsToContents();
  for (int c = 0; c < columnCount(); c++)
    setColumnWidth(c, std::max(columnWidth(c), std::max(sizeHintForColumn(c), horizontalHeader()->sectionSizeHint(c))));
}

QSet<int> RunTable::checkedRows() const {
  QSet<int> rows;
  for (int i = 0; i < rowCount(); i++)
    if (item(i, 0) && item(i, 0)->checkState() == Qt::Checked) rows.insert(i);
  return rows;
}

void RunTable::setRunChecked(int row, bool on) {
  if (QTableWidgetItem* it = item(row, 0)) it->setCheckState(on ? Qt::Checked : Qt::Unchecked);
}

void RunTable::setAllChecked(bool on) {
  {
    const QSignalBlocker block(this);
    for (int i = 0; i < rowCount(); i++) setRunChecked(i, on);
  }
  emit checkedChanged();
}

void RunTable::contextMenuEvent(QContextMenuEvent* event) {
  QMenu menu(this);
  const int row = rowAt(viewport()->mapFromGlobal(event->globalPos()).y());
  menu.addAction(tr("Check all"), this, [this] { setAllChecked(true); });
  menu.addAction(tr("Uncheck all"), this, [this] { setAllChecked(false); });
  if (row >= 0) {
    menu.addAction(tr("Only this run"), this, [this, row] {
      {
        const QSignalBlocker block(this);
        for (int i = 0; i < rowCount(); i++) setRunChecked(i, i == row);
      }
      emit checkedChanged();
    });
    menu.addAction(tr("Open in the dashboard"), this, [this, row] { emit runActivated(row); });
  }
  menu.exec(event->globalPos());
}

}  // namespace grok
