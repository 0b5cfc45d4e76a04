// The program's version: the one string, the CMake project version (top-level CMakeLists.txt,
// `project(GrokkingLab VERSION ...)`), that `grokking-cli --version`, the run file's `app_version`
// and the GUI's application version all show.
//
//   std::printf("Grokking Lab %s\n", grok::version());  // "Grokking Lab 0.1.0"
//
// Threading: any thread.
#pragma once

namespace grok {

const char* version();

}  // namespace grok
