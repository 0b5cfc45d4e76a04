#include "ui/compare/compare_source.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>

namespace grok {

CompareSource::CompareSource(QObject* parent) : QObject(parent) {
  timer_.setInterval(2000);
  connect(&timer_, &QTimer::timeout, this, &CompareSource::poll);
}

// The runner waits for a read under way; its result is dropped with this object.
CompareSource::~CompareSource() = default;

QString CompareSource::open(const QStringList& paths) {
  if (paths.isEmpty()) return tr("nothing to compare: give a sweep folder or run files");
  std::optional<Sweep> sweep;
  QStringList files;
  try {
    if (paths.size() == 1 && Sweep::is_sweep_folder(paths.first().toStdString())) {
      sweep = Sweep::open(paths.first().toStdString());
    } else {
      // Several paths: a sweep folder among them stands for the runs it has started.
      for (const QString& p : paths) {
        if (Sweep::is_sweep_folder(p.toStdString())) {
          const Sweep s = Sweep::open(p.toStdString());
          for (const SweepRun& r : s.runs())
            if (QFileInfo::exists(QString::fromStdString(s.run_path(r.index))))
              files << QString::fromStdString(s.run_path(r.index));
        } else if (QFileInfo(p).isFile()) {
          files << p;
        } else {
          return tr("%1: not a run file or a sweep folder").arg(p);
        }
      }
      if (files.isEmpty()) return tr("%1: no run has started in it yet").arg(paths.join(", "));
    }
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  reads_.wait();  // a read of the previous set is dropped when it arrives (generation_)
  reading_ = false;
  generation_++;
  pollAgain_ = false;
  sweep_ = std::move(sweep);
  runs_.clear();
  if (sweep_) {
    title_ = QFileInfo(QString::fromStdString(sweep_->dir())).fileName();
    varied_.clear();
    for (const std::string& v : sweep_->varied()) varied_ << QString::fromStdString(v);
    for (const SweepRun& sr : sweep_->runs()) {
      CompareRun r;
      r.row = sr.index;
      r.path = QString::fromStdString(sweep_->run_path(sr.index));
      r.varied = sr.varied;
      runs_ << r;
    }
  } else {
    title_ = files.size() == 1 ? QFileInfo(files.first()).fileName() : tr("%1 runs").arg(files.size());
    varied_ = QStringList{"seed"};
    for (int i = 0; i < files.size(); i++) {
      CompareRun r;
      r.row = i;
      r.path = QFileInfo(files[i]).absoluteFilePath();
      runs_ << r;
    }
  }
  stamps_ = QVector<Stamp>(runs_.size());
  emit opened();
  poll();
  timer_.start();
  return {};
}

CompareSource::Stamp CompareSource::stampOf(int row) const {
  Stamp s;
  s.seen = true;
  s.file = RunFileStamp::of(runs_[row].path);
  if (sweep_) {
    s.locked = RunLock::is_held(sweep_->lock_path(row));
    s.failed = QFileInfo::exists(QString::fromStdString(sweep_->error_path(row)));
  }
  return s;
}

void CompareSource::poll() {
  if (runs_.isEmpty()) return;
  if (reading()) {
    pollAgain_ = true;
    return;
  }
  QVector<CompareRun> todo;
  for (int i = 0; i < runs_.size(); i++) {
    const Stamp s = stampOf(i);
    if (s == stamps_[i]) continue;
    stamps_[i] = s;
    CompareRun r;
    r.row = i;
    r.path = runs_[i].path;
    todo << r;
  }
  if (todo.isEmpty()) return;
  reading_ = true;
  using Read = std::pair<QVector<CompareRun>, double>;  // the runs, ms a run
  reads_.run<Read>(
      this,
      [todo](JobControl&) mutable {
        QElapsedTimer t;
        t.start();
        for (CompareRun& r : todo) {
          if (!QFileInfo::exists(r.path)) continue;  // not started
          const int row = r.row;
          r = readCompareRun(r.path);
          r.row = row;
        }
        return Read{std::move(todo), t.nsecsElapsed() / 1e6 / todo.size()};
      },
      [this, gen = generation_](Read r) { apply(std::move(r.first), gen, r.second); },
      [this, gen = generation_](const QString&) {  // a failure outside readCompareRun's own: poll on
        if (gen == generation_) reading_ = false;
      });
}

void CompareSource::finish(CompareRun& r, const Stamp& s) const {
  if (sweep_) r.varied = sweep_->runs()[r.row].varied;
  if (s.locked) {
    r.state = RunState::Running;
    r.error.clear();  // a file being created reads as no run yet
  } else if (r.hasData && r.summary.complete) {
    r.state = RunState::Complete;
  } else if (s.failed) {
    r.state = RunState::Failed;
    QFile f(QString::fromStdString(sweep_->error_path(r.row)));
    if (f.open(QIODevice::ReadOnly)) r.error = QString::fromUtf8(f.readAll()).trimmed();
  } else {
    r.state = r.error.isEmpty() ? RunState::Pending : RunState::Failed;
  }
}

void CompareSource::apply(QVector<CompareRun> read, quint64 gen, double ms) {
  if (gen != generation_) return;  // a read of a set open() has replaced
  reading_ = false;
  lastReadMs_ = ms;
  QList<int> rows;
  for (CompareRun& r : read) {
    finish(r, stamps_[r.row]);
    rows << r.row;
    runs_[r.row] = std::move(r);
  }
  if (!sweep_) updateLooseVaried();
  emit updated(rows);
  if (pollAgain_) pollAgain_ = false, poll();
}

void CompareSource::updateLooseVaried() {
  std::vector<Config> configs;
  for (const CompareRun& r : runs_)
    if (r.hasData) configs.push_back(r.summary.config);
  const std::vector<std::string> fields = differing_fields(configs);
  varied_.clear();
  for (const std::string& f : fields) varied_ << QString::fromStdString(f);
  for (CompareRun& r : runs_) {
    r.varied.clear();
    if (!r.hasData) continue;
    for (const std::string& f : fields)
      r.varied.emplace_back(f, config_value_text(r.summary.config, *find_config_field(f)));
  }
}

}  // namespace grok
