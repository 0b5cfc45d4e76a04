// Helpers shared by the tests: scratch directories that clean up after themselves.
#pragma once

#include <QTemporaryDir>
#include <string>

namespace grok::test {

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
