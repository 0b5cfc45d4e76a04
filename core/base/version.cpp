#include "core/base/version.h"

namespace grok {

// GROK_VERSION is defined for this file alone (core/CMakeLists.txt), so a new version rebuilds one file.
const char* version() { return GROK_VERSION; }

}  // namespace grok
