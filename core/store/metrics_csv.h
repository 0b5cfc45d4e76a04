// Per-epoch metrics of a run file as CSV (one row per logged epoch; empty test cells where the
// test split was not evaluated).
#pragma once

#include <ostream>

#include "core/store/run_store.h"

namespace grok {

void write_metrics_csv(const RunStore& store, std::ostream& out);

}  // namespace grok
