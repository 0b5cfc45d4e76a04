#include "ui/help/help_pages.h"

#include <QFile>
#include <QRegularExpression>

#include "core/base/config.h"
#include "core/base/task.h"

namespace grok {

QStringList helpPageKeys() {
  return {"index", "tasks",   "run",       "loss",   "measures", "numerics", "mechanism",  "we",
          "wl",    "neurons", "attention", "logits", "checks",   "compare",  "prediction", "scrubber"};
}

QStringList helpTags() {
  return {"cyclic", "group", "nogroup", "transformer", "mlp", "quadratic-mlp", "layers", "noise", "mse"};
}

QStringList helpContextTags(const Config& cfg) {
  QStringList tags;
  const Task task(cfg);
  if (!task.has_group())
    tags << "nogroup";
  else
    tags << (task.group().cyclic() ? "cyclic" : "group");
  tags << QString::fromStdString(cfg.model);
  if (cfg.n_layers > 1) tags << "layers";
  if (cfg.label_noise > 0) tags << "noise";
  if (cfg.loss == LossKind::Mse) tags << "mse";
  return tags;
}

QString helpMarkdown(const QString& key, const QStringList& tags) {
  QFile file(":/help/" + key + ".md");
  if (!file.open(QIODevice::ReadOnly)) return {};
  static const QRegularExpression when(QStringLiteral("^<!--\\s*when:(.*)-->\\s*$"));
  static const QRegularExpression end(QStringLiteral("^<!--\\s*end\\s*-->\\s*$"));
  QStringList out;
  bool inBlock = false, keep = true;
  for (const QString& line : QString::fromUtf8(file.readAll()).split('\n')) {
    if (const QRegularExpressionMatch m = when.match(line); m.hasMatch()) {
      inBlock = true;
      keep = false;
      for (const QString& t : m.captured(1).split(' ', Qt::SkipEmptyParts)) keep = keep || tags.contains(t);
      continue;
    }
    if (inBlock && end.match(line).hasMatch()) {
      inBlock = false;
      keep = true;
      continue;
    }
    if (keep) out << line;
  }
  return out.join('\n');
}

QString helpTitle(const QString& markdown) {
  const QString first = markdown.section('\n', 0, 0);
  return first.startsWith("# ") ? first.mid(2).trimmed() : first.trimmed();
}

}  // namespace grok
