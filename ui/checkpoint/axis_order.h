// The order the maps over (a, b) lay their axes in: token order (a = 0, 1, ..., p-1) or group
// order (core/base/operation_group.h), where axis position i shows token a_token(i) and column j
// token b_token(j). For a * b and a / b the group is Z_(p-1) over the discrete log, so group order
// lines the tokens up as g^0, g^1, ...: the neurons' periodic structure in log_g a, log_g b, which
// token order scatters, becomes visible. Token 0 lies outside that group; it is put last (position
// p-1), and the axis label says so. For a + b both orders are the same; for a - b group order
// reverses b (j = -b).
//
//   const OperationGroup g = operation_group("multiply", 11);   // Z_10, g = 2
//   AxisTokens t = axisTokens(g, AxisOrder::Group);   // t.rows = {1, 2, 4, 8, 5, 10, 9, 7, 3, 6, 0}
//   std::vector<float> m = gatherMap(t, [&](int a, int b) { return acts[a * p + b]; });
//   axisLabel(g, AxisOrder::Group, 'a');             // "log_2 a, token 0 last"
//
// The choice is remembered per operation in QSettings ("views/axis-order/multiply"); without one,
// group order for a * b and a / b (where it shows the structure), token order for a + b and a - b.
// Threading: GUI thread only (QSettings and the picker).
#pragma once

#include <QComboBox>
#include <QString>
#include <vector>

#include "core/base/operation_group.h"

namespace grok {

enum class AxisOrder { Token, Group };

struct AxisTokens {
  std::vector<int> rows, cols;  // [p]: axis position -> token of a (rows) and of b (columns)
};

AxisTokens axisTokens(const OperationGroup& g, AxisOrder order);
// The label of the a axis (`operand` 'a', rows) or the b axis ('b', columns).
QString axisLabel(const OperationGroup& g, AxisOrder order, char operand);
// A p x p map in axis order, row-major: map[y * p + x] = value(rows[y], cols[x]).
template <class F>
std::vector<float> gatherMap(const AxisTokens& t, F value) {
  const int rows = static_cast<int>(t.rows.size()), cols = static_cast<int>(t.cols.size());
  std::vector<float> map(static_cast<std::size_t>(rows) * cols);
  for (int y = 0; y < rows; y++)
    for (int x = 0; x < cols; x++) map[static_cast<std::size_t>(y) * cols + x] = value(t.rows[y], t.cols[x]);
  return map;
}

AxisOrder defaultAxisOrder(const OperationGroup& g);
AxisOrder savedAxisOrder(const OperationGroup& g);  // the user's choice for g's operation, else the default
void saveAxisOrder(const OperationGroup& g, AxisOrder order);

// The combo a panel offers: "axes: token order" / "axes: group order (log_3)". It shows the
// group's order for a run (setGroup, without a signal) and saves the user's pick for it.
class AxisOrderPicker : public QComboBox {
  Q_OBJECT
 public:
  explicit AxisOrderPicker(QWidget* parent = nullptr);
  // The run's group: names its order and picks the saved order when the operation changed.
  void setGroup(const OperationGroup& g);
  AxisOrder order() const { return static_cast<AxisOrder>(currentIndex() < 0 ? 0 : currentIndex()); }
  void setOrder(AxisOrder order);  // without a signal or saving

 signals:
  void orderChanged(grok::AxisOrder order);  // the user picked (saved already)

 private:
  OperationGroup group_;
};

}  // namespace grok
