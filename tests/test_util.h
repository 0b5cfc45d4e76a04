// Helpers shared by the tests: scratch directories that clean up after themselves.
#pragma once

#include <QTemporaryDir>
#include <string>

#include "core/base/config.h"

namespace grok::test {

// Trains `c` into a new run file at `path` on one thread, to completion.
void train_run(const Config& c, const std::string& path);

// A model small enough to train hundreds of epochs per second on one thread.
Config tiny_config(int p = 11, int epochs = 60, int checkpoint_interval = 10, int test_interval = 5);

// A fresh directory per test case; `file("x.grok")` is a path inside it.
class ScratchDir {
 public:
  ScratchDir();
  std::string file(const std::string& name) const;
  QString qfile(const QString& name) const;

 private:
  QTemporaryDir dir_;
};

}  // namespace grok::test
