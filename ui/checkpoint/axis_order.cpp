#include "ui/checkpoint/axis_order.h"

#include <QSettings>
#include <QSignalBlocker>

namespace grok {

namespace {
QString settingsKey(const OperationGroup& g) {
  return QStringLiteral("views/axis-order/") + QString::fromStdString(g.task);
}
}  // namespace

AxisTokens axisTokens(const OperationGroup& g, AxisOrder order) {
  AxisTokens t;
  if (order == AxisOrder::Token || g.p == 0) {
    for (int x = 0; x < g.p; x++) t.rows.push_back(x), t.cols.push_back(x);
    return t;
  }
  // A cyclic group in element order; any other by conjugacy class (its structure's blocks).
  std::vector<int> elements(static_cast<std::size_t>(g.n));
  for (int i = 0; i < g.n; i++) elements[i] = i;
  if (!g.cyclic() && g.G) elements = g.G->class_order();
  for (int i : elements) t.rows.push_back(g.a_token(i)), t.cols.push_back(g.b_token(i));
  // Token 0 of Z_p^* is no element: last, as the labels say.
  if (g.multiplicative()) t.rows.push_back(0), t.cols.push_back(0);
  return t;
}

QString axisLabel(const OperationGroup& g, AxisOrder order, char operand) {
  const QString x(QChar::fromLatin1(operand));
  if (order == AxisOrder::Token || g.p == 0) return QObject::tr("%1 (token order)").arg(x);
  // The element the position stands for: i = log_g a, j = -log_g b for a / b, j = -b for a - b.
  const QString coord =
      QString::fromStdString((operand == 'b' && g.invert_b ? "-" : "") + g.coordinate(x.toStdString()));
  if (!g.cyclic()) return QObject::tr("%1 (by conjugacy class)").arg(coord);
  return g.multiplicative() ? QObject::tr("%1, token 0 last").arg(coord) : QObject::tr("%1 (group order)").arg(coord);
}

AxisOrder defaultAxisOrder(const OperationGroup& g) {
  return g.multiplicative() || !g.cyclic() ? AxisOrder::Group : AxisOrder::Token;
}

AxisOrder savedAxisOrder(const OperationGroup& g) {
  const QString v = QSettings().value(settingsKey(g)).toString();
  if (v == "group") return AxisOrder::Group;
  if (v == "token") return AxisOrder::Token;
  return defaultAxisOrder(g);
}

void saveAxisOrder(const OperationGroup& g, AxisOrder order) {
  QSettings().setValue(settingsKey(g), order == AxisOrder::Group ? "group" : "token");
}

AxisOrderPicker::AxisOrderPicker(QWidget* parent) : QComboBox(parent) {
  setObjectName("axis-order");
  setSizeAdjustPolicy(QComboBox::AdjustToContents);
  addItems({tr("axes: token order"), tr("axes: group order")});
  setToolTip(
      tr("Token order: a = 0, 1, ..., p-1. Group order: by the element each token stands for in the "
         "operation's group (log_g for a * b and a / b, token 0 last), where the periodic structure shows."));
  connect(this, qOverload<int>(&QComboBox::activated), this, [this] {
    if (group_.p > 0) saveAxisOrder(group_, order());
    emit orderChanged(order());
  });
}

void AxisOrderPicker::setGroup(const OperationGroup& g) {
  const bool changed = g.task != group_.task || g.p != group_.p;
  group_ = g;
  setItemText(1, g.multiplicative() ? tr("axes: group order (log_%1)").arg(g.generator)
                 : g.cyclic()       ? tr("axes: group order (%1)").arg(QString::fromStdString(g.name()))
                                    : tr("axes: by conjugacy class (%1)").arg(QString::fromStdString(g.name())));
  if (changed) setOrder(savedAxisOrder(g));
}

void AxisOrderPicker::setOrder(AxisOrder order) {
  const QSignalBlocker block(this);
  setCurrentIndex(static_cast<int>(order));
}

}  // namespace grok
