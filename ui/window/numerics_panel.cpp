#include "ui/window/numerics_panel.h"

#include <QRegularExpression>
#include <QSplitter>
#include <algorithm>

#include "ui/plots/series_view.h"

namespace grok {

namespace {

// A weight matrix of the state dict, as the figures name and order it.
struct Matrix {
  std::string name;  // "blocks.0.attn.W_Q"
  QString label;     // "W_Q", "L1 W_Q" in a model of several blocks
  int rank;          // the model's order: embeddings, each block's attention and MLP, unembedding
};

std::vector<Matrix> matricesOf(const NumericsRecord& r) {
  static const QRegularExpression block(QStringLiteral("^blocks\\.(\\d+)\\."));
  const QStringList inBlock = {"W_Q", "W_K", "W_V", "W_O", "W_in", "W_out"};
  std::vector<Matrix> out;
  bool layered = false;
  for (const auto& [key, value] : r.values) {
    if (key.rfind("norm:", 0) != 0) continue;
    const QString name = QString::fromStdString(key.substr(5));
    const QString last = name.section('.', -1);
    if (!last.startsWith("W_")) continue;  // a bias
    int rank = 5000;
    if (name == "embed.W_E") rank = 0;
    if (name == "pos_embed.W_pos") rank = 1;
    if (name == "unembed.W_U") rank = 100000;
    const QRegularExpressionMatch m = block.match(name);
    if (m.hasMatch()) {
      const int layer = m.captured(1).toInt();
      layered |= layer > 0;
      rank = 10 + 10 * layer + static_cast<int>(inBlock.indexOf(last));
    }
    (void)value;
    out.push_back({name.toStdString(), last, rank});
  }
  std::stable_sort(out.begin(), out.end(), [](const Matrix& a, const Matrix& b) { return a.rank < b.rank; });
  if (layered)
    for (Matrix& m : out)
      if (const QRegularExpressionMatch b = block.match(QString::fromStdString(m.name)); b.hasMatch())
        m.label = QStringLiteral("L%1 %2").arg(b.captured(1), m.label);
  return out;
}

// A figure whose legend of ten entries asks for no more width than the progress measures' figures
// (the numerics are a tab beside them, a tab group asks for its widest member's width, and a legend
// on one line would take the top row from the loss dock), and that catches up on the data it
// skipped while its tab was hidden (CurvesPanel's replots leave hidden numerics alone).
class NumericsFigure : public SeriesView {
 public:
  using SeriesView::SeriesView;
  QSize sizeHint() const override { return SeriesView::sizeHint().boundedTo(QSize(400, 1000)); }

 protected:
  void showEvent(QShowEvent* event) override {
    SeriesView::showEvent(event);
    refreshIfChanged();
  }
};

// Tableau-10 without red (W_U's) and grey: the matrices' colours, in turn.
QColor matrixColor(int i) {
  static const int cycle[] = {0, 1, 2, 4, 5, 6, 8, 9};
  return seriesColor(cycle[i % 8]);
}

}  // namespace

NumericsPanel::NumericsPanel(QObject* parent) : QObject(parent) {
  collapse_ = new NumericsFigure(tr("Softmax collapse"), tr("share of train pairs"), false);
  cos_ = new NumericsFigure(tr("cos(w, g), weights and loss gradient"), tr("cos(w, g)"), false);
  norm_ = new NumericsFigure(tr("Weight norms"), tr("L2 norm"), true);
  collapse_->defineSeries(0, tr("softmax collapse (float32 sum of exp = 1)"), seriesColor(3));
  collapse_->defineSeries(1, tr("zero loss"), seriesColor(0), Qt::DashLine);
  collapse_->setFixedYRange(-0.03, 1.03);
  slots_ = {{collapse_, 0, "softmax_collapse"}, {collapse_, 1, "zero_loss"}};
  for (SeriesView* v : views()) {
    // Short keys, close together: ten entries fit on the title's line of a figure ~800 px wide.
    v->legend->setIconSize(18, 10);
    v->legend->setIconTextPadding(3);
    v->legend->setColumnSpacing(10);
    auto* note = new QCPItemText(v);
    note->setText(tr("No numerics in this run file:\nit was written before they were recorded (run format < 3)"));
    note->position->setType(QCPItemPosition::ptAxisRectRatio);
    note->position->setCoords(0.5, 0.5);
    note->setColor(v->palette().color(QPalette::PlaceholderText));
    note->setVisible(false);
    missingNotes_ << note;
  }
  auto* split = new QSplitter(Qt::Vertical);
  for (SeriesView* v : views()) split->addWidget(v);
  split->setChildrenCollapsible(false);
  stack_ = split;
}

QMap<QString, QWidget*> NumericsPanel::figures() const {
  return {{"numerics-softmax-collapse", collapse_}, {"numerics-cos-wg", cos_}, {"numerics-weight-norms", norm_}};
}

int NumericsPanel::seriesOf(const SeriesView* view, const std::string& name) const {
  for (const Slot& s : slots_)
    if (s.view == view && s.name == name) return s.series;
  return -1;
}

void NumericsPanel::defineSeries(const NumericsRecord& first) {
  const QColor fg = stack_->palette().color(QPalette::WindowText);
  for (SeriesView* v : {cos_, norm_}) {
    v->defineSeries(0, v == cos_ ? tr("all parameters") : tr("global"), fg);
    v->setEmphasis(0, {2.0, true, false});
    slots_.push_back({v, 0, v == cos_ ? "cos_wg" : "norm"});
  }
  int i = 1, c = 0;
  for (const Matrix& m : matricesOf(first)) {
    const bool unembed = m.name == "unembed.W_U";
    const QColor color = unembed ? seriesColor(3) : matrixColor(c++);
    // The norms name every matrix; cos(w, g), coloured alike, names the total and W_U, the hover the rest.
    cos_->defineSeries(i, m.label, color);
    cos_->setEmphasis(i, {unembed ? 2.4 : 1.0, unembed, false});
    // W_U's norm on a right axis of its own: its steps at the spikes are a few % of it.
    norm_->defineSeries(i, unembed ? tr("W_U (right)") : m.label, color);
    norm_->setEmphasis(i, {unembed ? 2.4 : 1.0, true, unembed});
    if (unembed) norm_->yAxis2->setLabel(tr("W_U norm"));
    slots_.push_back({cos_, i, "cos_wg:" + m.name});
    slots_.push_back({norm_, i, "norm:" + m.name});
    i++;
  }
}

void NumericsPanel::clear() {
  collapse_->clearData();
  for (SeriesView* v : {cos_, norm_}) v->removeSeriesFrom(0);
  norm_->yAxis2->setVisible(false);  // W_U's, until defined again
  slots_.resize(2);                  // the collapse view's, defined once
  newest_ = -1;
  setMissing(false);
}

void NumericsPanel::add(const std::vector<NumericsRecord>& records) {
  std::vector<QVector<double>> x(slots_.size()), y(slots_.size());
  for (const NumericsRecord& r : records) {
    if (r.epoch <= newest_) continue;  // a resumed run reports the epochs after its checkpoint again
    if (slots_.size() == 2) defineSeries(r), x.resize(slots_.size()), y.resize(slots_.size());
    newest_ = r.epoch;
    for (size_t k = 0; k < slots_.size(); k++)
      if (const auto it = r.values.find(slots_[k].name); it != r.values.end()) x[k] << r.epoch, y[k] << it->second;
  }
  for (size_t k = 0; k < slots_.size(); k++) slots_[k].view->appendData(slots_[k].series, x[k], y[k]);
  if (newest_ >= 0) setMissing(false);
}

void NumericsPanel::setMissing(bool missing) {
  if (missing == missing_) return;
  missing_ = missing;
  for (QCPItemText* note : missingNotes_) note->setVisible(missing), note->parentPlot()->replot();
}

}  // namespace grok
