// Helpers of the Compare view's tests: a tiny model's sweep made through core's API, and opening a
// view on it and waiting for the first read of its files.
#pragma once

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <string>

#include "core/experiments/sweep.h"
#include "ui/compare/compare_source.h"
#include "ui/compare/compare_view.h"

namespace grok::test {

// A tiny model's sweep: lr x weight_decay, seeds, `epochs` each.
inline std::string specText(int epochs, const QJsonObject& grid, const QJsonArray& seeds) {
  QJsonObject set{{"p", 11},           {"train_fraction", 0.5}, {"d_model", 16},    {"n_heads", 2},
                  {"d_head", 8},       {"d_mlp", 32},           {"epochs", epochs}, {"checkpoint_interval", 25},
                  {"test_interval", 5}};
  QJsonObject spec{{"base", QJsonObject{{"preset", "quick"}, {"set", set}}}, {"grid", grid}, {"seeds", seeds}};
  return QJsonDocument(spec).toJson(QJsonDocument::Compact).toStdString();
}

inline Sweep makeSweep(const std::string& dir, int epochs, const QJsonObject& grid, const QJsonArray& seeds) {
  return Sweep::create(parse_sweep_spec(specText(epochs, grid, seeds), "."), dir);
}

// Opens `paths` and waits for the first read of the files.
inline bool openAndRead(CompareView& v, const QStringList& paths) {
  QSignalSpy read(v.source(), &CompareSource::updated);
  if (!v.open(paths).isEmpty()) return false;
  return read.wait(30000);
}

}  // namespace grok::test
