#include "ui/checkpoint/key_set_chooser.h"

#include "core/analysis/fourier_basis.h"

#include <QInputDialog>

#include "core/analysis/checkpoint_analyzer.h"
#include "core/store/run_store.h"

namespace grok {

std::vector<int> newestDetectedKeys(const QString& path) {
  const RunStore store = RunStore::open(path.toStdString());
  const std::vector<int> ck = store.checkpoint_epochs();
  if (ck.empty()) return {};
  // The analyzer's key detection, on the checkpoint checked against the run's family.
  const CheckpointAnalyzer an(store.config());
  return an.detect_keys(an.weights(store.load_checkpoint(ck.back())));
}

KeySetChooser::KeySetChooser(QWidget* parent) : QComboBox(parent) {
  setObjectName("key-selection");
  addItems({tr("live (each checkpoint's own)"), tr("final checkpoint's"), tr("typed...")});
  setToolTip(tr("Which key frequencies the restricted and excluded losses use"));
  connect(this, qOverload<int>(&QComboBox::activated), this, &KeySetChooser::choose);
}

void KeySetChooser::setRun(const QString& path, const OperationGroup& group) { path_ = path, group_ = group; }

void KeySetChooser::reset() {
  keys_.reset();
  setCurrentIndex(Live);
}

void KeySetChooser::setLocked(bool locked, const QString& why) { locked_ = locked, lockReason_ = why; }

KeySelection KeySetChooser::selection() const {
  return keys_ ? KeySelection{KeySelection::Given, *keys_} : KeySelection::live();
}

void KeySetChooser::choose(int index) {
  if (path_.isEmpty()) return;
  const int shown = keys_ ? Typed : Live;
  if (locked_) {
    setCurrentIndex(shown);
    return emit failed(lockReason_);
  }
  std::optional<std::vector<int>> keys;
  try {
    if (index == Newest) {
      keys = newestDetectedKeys(path_);
    } else if (index == Typed) {
      bool ok = false;
      const FourierBasis F(group_);  // a cyclic group's frequencies, any other's irreps (by index or name)
      std::vector<std::string> names;
      for (int k = 1; k <= F.n_freqs(); k++) names.push_back(F.component_name(k));
      const QString prompt = F.cyclic()
                                 ? tr("Frequencies 1..%1 over %2, comma-separated:")
                                       .arg(group_.n / 2)
                                       .arg(QString::fromStdString(group_.coordinate() + " (" + group_.name() + ")"))
                                 : tr("Irreps of %1 by name or index 1..%2, comma-separated (%3):")
                                       .arg(QString::fromStdString(group_.name()))
                                       .arg(F.n_freqs())
                                       .arg(QString::fromStdString([&] {
                                         std::string all;
                                         for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
                                         return all;
                                       }()));
      const QString text = QInputDialog::getText(this, tr("Key set"), prompt, QLineEdit::Normal,
                                                 QString::fromStdString(join_freqs(newestDetectedKeys(path_))), &ok);
      if (!ok) return setCurrentIndex(shown);
      keys = F.cyclic() ? KeySelection::parse(text.toStdString(), group_).freqs
                        : KeySelection::parse(text.toStdString(), names, group_.name()).freqs;
    }
  } catch (const std::exception& e) {
    setCurrentIndex(shown);
    return emit failed(QString::fromStdString(e.what()));
  }
  keys_ = keys;
  emit chosen();
}

}  // namespace grok
