#include "tests/test_util.h"

namespace grok::test {

ScratchDir::ScratchDir() : dir_(QDir::tempPath() + "/grok-test-XXXXXX") {}

std::string ScratchDir::file(const std::string& name) const { return (dir_.path() + "/").toStdString() + name; }

QString ScratchDir::qfile(const QString& name) const { return dir_.path() + "/" + name; }

}  // namespace grok::test
