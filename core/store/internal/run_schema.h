// The tables and columns of every run format this build reads, kept in one place, and the check a
// file's schema must pass before anything else reads it.
//
// Why: a run file is somebody's SQLite database; one with views or triggers of its own (a view
// written never to finish) would run that SQL inside `info`, `sweep status` or the window. A file
// opens only if its schema is exactly the one of its format version: its tables with their columns
// in order, each column's type, NOT NULL, default and key as the statements in run_schema.cpp made
// them, SQLite's own indexes for primary keys, no view, no trigger, no other table.
// A format change bumps kRunSchemaVersion (run_store.h) and adds its entry in run_schema.cpp.
//
// Threading: functions of one connection, on its thread.
#pragma once

#include <string>

#include "core/store/internal/sqlite_db.h"

namespace grok {

// This build's tables: format 2's, and the tables later formats added (format 3's `numerics`,
// format 4's `label_metrics`; CREATE TABLE IF NOT EXISTS: also added to an older file opened for
// writing). Format 5's `view_results` is made only when the first row goes in (RunStore::
// store_view_results), so that a file nobody kept results in has the schema older builds read.
extern const char* const kRunSchemaSql;
extern const char* const kAddedTablesSql;
extern const char* const kViewResultsTableSql;

// "" when `db`'s schema is exactly format `version`'s; else one line naming the first difference.
std::string schema_mismatch(Db& db, int version);

// SQLite's defensive settings for a file from elsewhere: no writes to its internals through SQL,
// no functions or virtual tables run from its schema.
void harden(Db& db);

}  // namespace grok
