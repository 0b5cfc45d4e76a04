// Per-epoch metrics of a run file as CSV (one row per logged epoch; empty test cells where the
// test split was not evaluated): what `grokking-cli export-csv` and the window's "metrics as CSV"
// write, so both give the same columns and precision.
//
//   write_metrics_csv(store, std::cout);
//   write_metrics_csv_file(store, "metrics.csv", /*from_epoch=*/100, /*to_epoch=*/2000);  // checked
//
// Threading: reads through `store`, whose threading rule applies (core/store/run_store.h).
#pragma once

#include <limits>
#include <ostream>
#include <string>

#include "core/store/run_store.h"

namespace grok {

// Rows of the epochs in [from_epoch, to_epoch].
void write_metrics_csv(const RunStore& store, std::ostream& out, int from_epoch = 0,
                       int to_epoch = std::numeric_limits<int>::max());
// The same into the file `path`, written beside it and renamed (file_beside.h): throws
// RunFileError("<path>: cannot write the file (<reason>)") when it cannot be written in full (a
// full disk, say), and whatever was at `path` stays.
void write_metrics_csv_file(const RunStore& store, const std::string& path, int from_epoch = 0,
                            int to_epoch = std::numeric_limits<int>::max());

}  // namespace grok
