#include "ui/compare/sweep_control.h"

#include <cmath>

namespace grok {

SweepControl::SweepControl(QObject* parent) : QObject(parent) {
  qRegisterMetaType<grok::SweepProgress>();
  qRegisterMetaType<grok::SweepResult>();
  jobs_.setKeepAlive(false);  // the runs train on threads of run_sweep's own
}

// Stops the runs; the runner then waits for run_sweep to return (every run committed).
SweepControl::~SweepControl() { stop_ = true; }

QString SweepControl::start(const QString& dir, int jobs) {
  if (running()) return tr("%1: the sweep is already running").arg(dir);
  std::optional<Sweep> sweep;
  try {
    sweep = Sweep::open(dir.toStdString());
  } catch (const std::exception& e) {
    return QString::fromStdString(e.what());
  }
  stop_ = false;
  last_ = {};
  running_ = true;
  jobs_.run(this,
            [this, sweep = std::move(*sweep), jobs](JobControl&) {
              SweepCallbacks cb;
              cb.on_progress = [this](const SweepProgress& p) {
                QMetaObject::invokeMethod(
                    this, [this, p] { last_ = p, emit progress(p); }, Qt::QueuedConnection);
              };
              cb.on_event = [this, &sweep](const SweepEvent& e) {
                static const char* const kinds[] = {"started", "complete", "stopped", "FAILED", "skipped"};
                const QString m = tr("run %1 (%2): %3, %4")
                                      .arg(e.index)
                                      .arg(QString::fromStdString(describe_varied(sweep.runs().at(e.index))))
                                      .arg(kinds[e.kind])
                                      .arg(QString::fromStdString(e.message));
                QMetaObject::invokeMethod(
                    this, [this, m] { emit event(m); }, Qt::QueuedConnection);
              };
              SweepResult r;
              QString error;
              try {
                SweepRunOptions opt;
                opt.jobs = jobs;
                r = run_sweep(sweep, opt, stop_, cb);
              } catch (const std::exception& e) {
                error = QString::fromStdString(e.what());
              }
              QMetaObject::invokeMethod(
                  this, [this, r, error] { done(r, error); }, Qt::QueuedConnection);
            },
            {});
  return {};
}

void SweepControl::stop() { stop_ = true; }

void SweepControl::done(const SweepResult& r, const QString& error) {
  running_ = false;  // run_sweep has returned: this was its job's last word
  emit finished(r, error);
}

QString SweepControl::progressText(const SweepProgress& p) {
  QString s = tr("%1/%2 complete").arg(p.complete).arg(p.total);
  if (p.running) s += tr(" · %1 running").arg(p.running);
  if (p.failed) s += tr(" · %1 failed").arg(p.failed);
  if (p.epochs_per_second > 0) s += tr(" · %1 epochs/s").arg(p.epochs_per_second, 0, 'f', 0);
  if (p.eta_seconds >= 0) {
    const int t = static_cast<int>(std::lround(p.eta_seconds));
    s += t < 60 ? tr(" · at most %1 s left").arg(t)
                : tr(" · at most %1 min %2 s left").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
  }
  return s;
}

}  // namespace grok
