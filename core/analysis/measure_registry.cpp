#include "core/analysis/measure_registry.h"

#include "core/analysis/mechanism.h"

#include <mutex>
#include <stdexcept>

namespace grok {

namespace {

struct Registry {
  std::mutex mutex;
  std::vector<MeasureDef> defs;
};

// The measures the app itself adds to the paper's: a new one is a file defining a function that
// returns its MeasureDef, and its line here (a static registrar in a file of this static library
// would be dropped by the linker, as nothing refers to it). The paper's measures are
// progress_measures.h's; tests/test_measure_registry.cpp registers one of its own.
std::vector<MeasureDef> builtin_measures() { return mechanism_measures(); }

Registry& registry() {
  static Registry r{{}, builtin_measures()};
  return r;
}

}  // namespace

bool register_measure(MeasureDef def) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  for (const MeasureDef& d : r.defs)
    if (d.name == def.name) throw std::logic_error("measure " + def.name + " is registered already");
  r.defs.push_back(std::move(def));
  return true;
}

std::vector<MeasureDef> registered_measures() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.defs;
}

std::map<std::string, double> compute_registered_measures(const MeasureInputs& in) {
  std::map<std::string, double> out;
  for (const MeasureDef& d : registered_measures())
    if (!d.undefined || d.undefined(in.cfg).empty()) out[d.name] = d.compute(in);
  return out;
}

std::map<std::string, std::string> undefined_measures(const Config& cfg) {
  std::map<std::string, std::string> out;
  for (const MeasureDef& d : registered_measures())
    if (d.undefined)
      if (std::string why = d.undefined(cfg); !why.empty()) out[d.name] = std::move(why);
  return out;
}

}  // namespace grok
