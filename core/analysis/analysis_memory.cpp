#include "core/analysis/analysis_memory.h"
#include "core/base/task.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace grok {
namespace {

constexpr std::size_t kDefaultBlockBytes = std::size_t(256) << 20;

std::size_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return std::size_t(8) << 30;  // unknown: assume a small machine
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(size);
}

// "2G", "512M", "1048576"; 0 when unset or unreadable (then the default applies).
std::size_t env_limit() {
  const char* v = std::getenv("GROK_ANALYSIS_MEMORY_LIMIT");
  if (!v || !*v) return 0;
  char* end = nullptr;
  const double x = std::strtod(v, &end);
  if (end == v || x <= 0) return 0;
  double scale = 1;
  switch (std::toupper(static_cast<unsigned char>(*end))) {
    case 'K': scale = 1024.0; break;
    case 'M': scale = 1024.0 * 1024; break;
    case 'G': scale = 1024.0 * 1024 * 1024; break;
    default: break;
  }
  return static_cast<std::size_t>(x * scale);
}

std::atomic<std::size_t>& limit_override() {
  static std::atomic<std::size_t> v{0};
  return v;
}

std::atomic<std::size_t>& block_bytes() {
  static std::atomic<std::size_t> v{kDefaultBlockBytes};
  return v;
}

}  // namespace

std::size_t snapshot_bytes(const Config& cfg) {
  const double p = Task(cfg).p(), M = cfg.d_mlp, H = cfg.n_heads, layers = std::max(1, cfg.n_layers);
  const double floats = 2 * p * p * p              // logits, direct logits
                        + layers * (p * p * M      // each layer's neuron activations
                                    + H * p * p);  // and attention
  const double doubles = p * p                     // the logits' 2D Fourier norms
                         + 8 * p                   // spectra, measures
                         + layers * 2 * M;         // each layer's neuron frequency and FVE
  return static_cast<std::size_t>(4 * floats + 8 * doubles);
}

std::size_t analysis_memory_limit() {
  if (const std::size_t v = limit_override().load(std::memory_order_relaxed)) return v;
  static const std::size_t from_env = env_limit();
  static const std::size_t fallback = physical_memory() / 2;
  return from_env ? from_env : fallback;
}

void set_analysis_memory_limit(std::size_t bytes) { limit_override().store(bytes, std::memory_order_relaxed); }

void check_snapshot_fits(const Config& cfg) {
  const std::size_t need = snapshot_bytes(cfg), limit = analysis_memory_limit();
  if (need <= limit) return;
  throw AnalysisTooLarge("analysis of " + task_size_label(cfg) + " needs " + format_bytes(need) +
                         " for its all-pairs forward (limit " + format_bytes(limit) +
                         "): raise GROK_ANALYSIS_MEMORY_LIMIT (e.g. =16G) on a machine with the memory, or use a "
                         "smaller p");
}

std::size_t analysis_block_bytes() { return block_bytes().load(std::memory_order_relaxed); }

void set_analysis_block_bytes(std::size_t bytes) {
  block_bytes().store(bytes ? bytes : kDefaultBlockBytes, std::memory_order_relaxed);
}

std::string format_bytes(double b) {
  char buf[32];
  if (b >= 1e9)
    std::snprintf(buf, sizeof buf, "%.1f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(buf, sizeof buf, "%.0f MB", b / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0f KB", b / 1e3);
  return buf;
}

std::string task_size_label(const Config& cfg) {
  const Task task(cfg);
  return task.uses_p() ? "p=" + std::to_string(cfg.p) : task.name();
}

}  // namespace grok
