#include "ui/plots/spectrum_view.h"

#include <algorithm>
#include <cmath>

namespace grok {

SpectrumView::SpectrumView(const QString& title, QWidget* parent) : Figure(title, parent), name_(title) {
  xAxis->setLabel(tr("frequency k (cos, sin); 0 = constant"));
  yAxis->setLabel(tr("norm"));
  fitTicksToHeight({yAxis});  // the spectra's docks are low on a laptop screen
  auto bars = [&](const QString& name, QColor c) {
    auto* b = new QCPBars(xAxis, yAxis);
    b->setName(name);
    b->setWidth(0.42);
    b->setPen(Qt::NoPen);
    b->setBrush(c);
    return b;
  };
  cos_ = bars(tr("cos k"), QColor(31, 119, 180, 150));
  sin_ = bars(tr("sin k"), QColor(255, 127, 14, 150));
  keyCos_ = bars(tr("key cos k"), QColor(31, 119, 180));
  keySin_ = bars(tr("key sin k"), QColor(214, 39, 40));
  legend->setVisible(true);
  legend->removeItem(legend->itemCount() - 1);
  legend->removeItem(legend->itemCount() - 1);
  legend->setFont(QFont(font().family(), font().pointSize() - 1));
  placeLegendBesideTitle();
  setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  axisRect()->setRangeZoom(Qt::Horizontal);
  axisRect()->setRangeDrag(Qt::Horizontal);
}

void SpectrumView::setBasis(const QString& coordinate, const QString& group) {
  basis_ = tr("over %1 (%2)").arg(coordinate, group);
  updateText();
  replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::setComponents(const QStringList& names, const std::vector<int>& first,
                                 const std::vector<int>& rows) {
  names_ = names, first_ = first, rows_ = rows;
  cos_->setName(names_.isEmpty() ? tr("cos k") : tr("irrep"));  // one bar per irrep, no sine
  if (legend->itemCount() > 1 && names_.isEmpty() != legend->hasItemWithPlottable(sin_)) {
    if (names_.isEmpty())
      sin_->addToLegend();
    else
      sin_->removeFromLegend();
  }
  if (names_.isEmpty()) {
    xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    return;
  }
  QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
  // Two short lines rather than rotated text: the dock's height goes to the bars.
  for (int k = 0; k < names_.size(); k++)
    ticker->addTick(k, QString(names_[k]).replace(" x ", "\nx ").replace(" (", "\n("));
  xAxis->setTicker(ticker);
}

void SpectrumView::updateText() {
  QString label = tr("frequency k%1: cos, sin; 0 = constant").arg(basis_.isEmpty() ? "" : " " + basis_);
  if (operands_)
    label = tr("frequency k%1: norm of cos and sin, operand a's embedding and b's; 0 = constant")
                .arg(basis_.isEmpty() ? "" : " " + basis_);
  if (!names_.isEmpty())
    label = tr("irrep%1: norm over its matrix entries%2")
                .arg(basis_.isEmpty() ? "" : " " + basis_, operands_ ? tr(", operand a's and b's") : QString());
  if (signCharacter_ && !operands_) label += tr("; %1 = sign (-1)^x, cos only").arg(K_);
  xAxis->setLabel(label);
  QString t = name_;
  if (!basis_.isEmpty()) t += " " + basis_;
  const QString what = names_.isEmpty() ? tr("frequency") : tr("irrep");
  if (K_ > 0) t += keys_.isEmpty() ? tr(", no key %1 yet").arg(what) : tr(", key: %1").arg(keys_);
  setTitle(t);
}

void SpectrumView::clear() {
  for (QCPBars* b : {cos_, sin_, keyCos_, keySin_}) b->data()->clear();
  K_ = 0;
  signCharacter_ = false;
  updateText();
  replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::setSpectrum(const std::vector<double>& norms, const std::vector<int>& key) {
  if (operands_) setOperands(false);
  if (!names_.isEmpty()) {  // one bar per irrep: the norm over its span's rows
    K_ = static_cast<int>(names_.size()) - 1;
    signCharacter_ = false;
    QVector<double> k0, v0, k1, v1;
    double top = 0;
    keys_.clear();
    for (int k = 0; k <= K_; k++) {
      double sq = 0;
      for (int r = first_[k]; r < first_[k] + rows_[k] && r < static_cast<int>(norms.size()); r++)
        sq += norms[r] * norms[r];
      const bool is_key = std::find(key.begin(), key.end(), k) != key.end();
      (is_key ? k1 : k0) << k;
      (is_key ? v1 : v0) << std::sqrt(sq);
      top = std::max(top, std::sqrt(sq));
      if (is_key) keys_ += (keys_.isEmpty() ? "" : ", ") + names_[k];
    }
    cos_->setData(k0, v0, true);
    keyCos_->setData(k1, v1, true);
    sin_->data()->clear();
    keySin_->data()->clear();
    xAxis->setRange(-0.7, K_ + 0.7);
    yAxis->setRange(0, top * 1.08 + 1e-12);
    updateText();
    replot(QCustomPlot::rpQueuedReplot);
    return;
  }
  // FourierBasis order: const, cos 1, sin 1, ..., and for even n a last cos K without a sine.
  const int n = static_cast<int>(norms.size());
  K_ = n / 2;
  signCharacter_ = n % 2 == 0;
  QVector<double> kc, vc, ks, vs, kkc, vkc, kks, vks;
  kc << -0.21;
  vc << norms[0];  // the constant component, drawn as a cos bar at k = 0
  for (int k = 1; k <= K_; k++) {
    const bool is_key = std::find(key.begin(), key.end(), k) != key.end();
    (is_key ? kkc : kc) << k - 0.21;
    (is_key ? vkc : vc) << norms[2 * k - 1];
    if (2 * k == n) break;  // the sign character: cos only
    (is_key ? kks : ks) << k + 0.21;
    (is_key ? vks : vs) << norms[2 * k];
  }
  cos_->setData(kc, vc, true);
  sin_->setData(ks, vs, true);
  keyCos_->setData(kkc, vkc, true);
  keySin_->setData(kks, vks, true);
  double top = 0;
  for (double v : norms) top = std::max(top, v);
  xAxis->setRange(-1, K_ + 1);
  yAxis->setRange(0, top * 1.08 + 1e-12);
  keys_.clear();
  for (int k : key) keys_ += (keys_.isEmpty() ? "" : ", ") + QString::number(k);
  updateText();
  replot(QCustomPlot::rpQueuedReplot);
}

void SpectrumView::setOperands(bool two) {
  operands_ = two;
  cos_->setName(two ? tr("a") : names_.isEmpty() ? tr("cos k") : tr("irrep"));
  sin_->setName(two ? tr("b") : tr("sin k"));
  keyCos_->setName(two ? tr("key a") : tr("key cos k"));
  keySin_->setName(two ? tr("key b") : tr("key sin k"));
  if (legend->itemCount() > 1 && (two || names_.isEmpty()) != legend->hasItemWithPlottable(sin_)) {
    if (two || names_.isEmpty())
      sin_->addToLegend();
    else
      sin_->removeFromLegend();
  }
}

double SpectrumView::componentNorm(const std::vector<double>& norms, int k) const {
  const int n = static_cast<int>(norms.size());
  int first = k == 0 ? 0 : 2 * k - 1, rows = k == 0 || 2 * k == n ? 1 : 2;
  if (!names_.isEmpty()) first = first_[k], rows = rows_[k];
  double sq = 0;
  for (int r = first; r < first + rows && r < n; r++) sq += norms[r] * norms[r];
  return std::sqrt(sq);
}

void SpectrumView::setOperandSpectra(const std::vector<double>& a, const std::vector<int>& key,
                                     const std::vector<double>& b) {
  setOperands(true);
  K_ = names_.isEmpty() ? static_cast<int>(a.size()) / 2 : static_cast<int>(names_.size()) - 1;
  signCharacter_ = names_.isEmpty() && a.size() % 2 == 0;
  QVector<double> ka, va, kb, vb, kka, vka, kkb, vkb;
  double top = 0;
  keys_.clear();
  for (int k = 0; k <= K_; k++) {
    const bool is_key = std::find(key.begin(), key.end(), k) != key.end();
    const double na = componentNorm(a, k), nb = componentNorm(b, k);
    (is_key ? kka : ka) << k - 0.21;
    (is_key ? vka : va) << na;
    (is_key ? kkb : kb) << k + 0.21;
    (is_key ? vkb : vb) << nb;
    top = std::max({top, na, nb});
    if (is_key) keys_ += (keys_.isEmpty() ? "" : ", ") + (names_.isEmpty() ? QString::number(k) : names_[k]);
  }
  cos_->setData(ka, va, true);
  sin_->setData(kb, vb, true);
  keyCos_->setData(kka, vka, true);
  keySin_->setData(kkb, vkb, true);
  xAxis->setRange(names_.isEmpty() ? -1 : -0.7, K_ + (names_.isEmpty() ? 1 : 0.7));
  yAxis->setRange(0, top * 1.08 + 1e-12);
  updateText();
  replot(QCustomPlot::rpQueuedReplot);
}

double SpectrumView::cosAt(int k) const {
  const double x = k - 0.21;
  for (QCPBars* b : {cos_, keyCos_})
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it)
      if (std::abs(it->key - x) < 1e-9) return it->value;
  return NAN;
}

bool SpectrumView::hasSinBar(int k) const {
  const double x = k + 0.21;
  for (QCPBars* b : {sin_, keySin_})
    for (auto it = b->data()->constBegin(); it != b->data()->constEnd(); ++it)
      if (std::abs(it->key - x) < 1e-9) return true;
  return false;
}

}  // namespace grok
