#include "ui/checkpoint/check_table_view.h"

#include "core/analysis/fourier_basis.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "core/analysis/ablation_checks.h"
#include "core/base/key_selection.h"
#include "core/base/operation_group.h"

namespace grok {

CheckTableView::CheckTableView(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  table_ = new QTableWidget(0, 3, this);
  table_->setHorizontalHeaderLabels({tr("check (Section 4.4)"), tr("loss"), tr("accuracy")});
  table_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
  table_->verticalHeader()->setVisible(false);
  // One line a check, rows no taller than the text: the table of five keys (ten rows) fits its dock.
  table_->setWordWrap(false);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
  // Number columns of a fixed width, wide enough for any value the table shows ('g' 3 losses,
  // 'f' 4 accuracies): sized to their contents, they narrowed to the "..." shown while a table
  // computes and widened again when it came, and each change of the dock's minimum width re-laid
  // out the window and redrew the plots beside it, twice a scrub step.
  const int numberWidth = table_->fontMetrics().horizontalAdvance(QStringLiteral("-8.88e-88")) + 16;
  for (int c : {1, 2}) {
    table_->horizontalHeader()->setSectionResizeMode(c, QHeaderView::Fixed);
    table_->setColumnWidth(c, std::max(numberWidth, table_->horizontalHeader()->sectionSizeHint(c)));
  }
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  note_ = new QLabel(this);
  note_->setWordWrap(true);
  // Three lines kept for the note, which says "computing" in one while a table is under way: a
  // note changing height every scrub step would re-lay out the table each time.
  note_->setMinimumHeight(3 * note_->fontMetrics().lineSpacing());
  note_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  layout->addWidget(table_, 1);
  layout->addWidget(note_);
}

void CheckTableView::showComputing(int epoch) {
  for (int r = 0; r < table_->rowCount(); r++)
    for (int col = 1; col < table_->columnCount(); col++)
      if (QTableWidgetItem* item = table_->item(r, col)) item->setText(QString::fromUtf8("\u2026"));
  note_->setText(tr("Epoch %1: computing the checks\u2026").arg(epoch));
}

void CheckTableView::setChecks(int epoch, const AblationChecks& c, const OperationGroup& g) {
  table_->setRowCount(static_cast<int>(c.rows.size()));
  for (int r = 0; r < table_->rowCount(); r++) {
    const CheckRow& row = c.rows[r];
    table_->setItem(r, 0, new QTableWidgetItem(QString::fromStdString(row.check)));
    table_->setItem(r, 1, new QTableWidgetItem(QString::number(row.loss, 'g', 3)));
    table_->setItem(r, 2, new QTableWidgetItem(QString::number(row.accuracy, 'f', 4)));
  }
  // The fit as the group reads it: cos(w(a + b - c)), or over log_g a, log_g b, log_g c; for any
  // other group the key irreps' characters chi(a b c^-1).
  const QString fit = g.cyclic() ? QString::fromStdString("cos(w(" + g.coordinate("a") + (g.invert_b ? " - " : " + ") +
                                                          g.coordinate("b") + " - " + g.coordinate("c") + "))")
                                 : QStringLiteral("\u03c7(a b c\u207b\u00b9)");
  QString keys = tr("none yet");
  if (!c.key_freqs.empty() && g.cyclic()) keys = QString::fromStdString(join_freqs(c.key_freqs));
  if (!c.key_freqs.empty() && !g.cyclic()) {
    const FourierBasis F(g);
    keys.clear();
    for (int k : c.key_freqs) keys += (keys.isEmpty() ? "" : ", ") + QString::fromStdString(F.component_label(k));
  }
  note_->setText(
      tr("Epoch %1, key %2 %3 over %4 (%5). Logit FVE by the %6 fit: %7 %; W_L norm outside "
         "the key directions: %8 %.")
          .arg(epoch)
          .arg(g.cyclic() ? tr("frequencies") : tr("irreps"), keys)
          .arg(QString::fromStdString(g.coordinate("a") + ", " + g.coordinate("b")), QString::fromStdString(g.name()))
          .arg(fit)
          .arg(100 * c.logit_fit_fve, 0, 'f', 1)
          .arg(100 * c.wl_norm_outside_key, 0, 'f', 1));
}

QString CheckTableView::note() const { return note_->text(); }

void CheckTableView::clear() {
  table_->setRowCount(0);
  note_->clear();
}

void CheckTableView::setNotice(const QString& text) {
  table_->setRowCount(0);
  note_->setText(text);
}

}  // namespace grok
