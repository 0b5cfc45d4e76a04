#include "cli_progress.h"

#include <unistd.h>

#include <cmath>
#include <csignal>
#include <string>

namespace grok {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int sig) {
  g_stop.store(true);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C kills at once
}

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  return g_stop;
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "--";
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

ProgressPrinter::ProgressPrinter(std::FILE* out) : out_(out), tty_(isatty(fileno(out)) != 0) {}

void ProgressPrinter::update(const TrainProgress& p) {
  const auto& m = p.metrics;
  const auto& t = p.last_test;
  const double eta = p.epochs_per_second > 0 ? (p.target_epochs - p.epoch) / p.epochs_per_second : NAN;
  if (!tty_) {
    if (!p.checkpoint_now) return;
    std::fprintf(out_,
                 "checkpoint %d/%d train_loss %.4g train_acc %.4f test_loss %.4g test_acc %.4f "
                 "epochs/s %.1f eta %s\n",
                 p.epoch, p.target_epochs, m.train_loss, m.train_acc, t.test_loss, t.test_acc, p.epochs_per_second,
                 format_duration(eta).c_str());
    std::fflush(out_);
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100) && p.epoch < p.target_epochs) return;
  last_draw_ = now;
  drawn_ = true;
  const int width = 24;
  const double frac = p.target_epochs > 0 ? static_cast<double>(p.epoch) / p.target_epochs : 1.0;
  std::string bar(static_cast<std::size_t>(frac * width + 0.5), '#');
  bar.resize(width, '.');
  std::fprintf(out_, "\r[%s] %5.1f%% epoch %d/%d | train %.3g acc %.3f | test %.3g acc %.3f | %.0f ep/s | ETA %s\033[K",
               bar.c_str(), 100 * frac, p.epoch, p.target_epochs, m.train_loss, m.train_acc, t.test_loss, t.test_acc,
               p.epochs_per_second, format_duration(eta).c_str());
  std::fflush(out_);
}

void ProgressPrinter::finish() {
  if (tty_ && drawn_) std::fputc('\n', out_);
  std::fflush(out_);
}

}  // namespace grok
