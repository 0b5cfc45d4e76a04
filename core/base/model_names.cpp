#include "core/base/model_names.h"

#include <algorithm>
#include <mutex>

namespace grok {

namespace {

std::mutex& names_mutex() {
  static std::mutex m;
  return m;
}

std::vector<std::string>& names() {
  static std::vector<std::string> n = {kDefaultModel, kMlpModel, kQuadraticMlpModel};
  return n;
}

}  // namespace

void register_model_name(const std::string& name) {
  std::lock_guard<std::mutex> lock(names_mutex());
  if (std::find(names().begin(), names().end(), name) == names().end()) names().push_back(name);
}

std::vector<std::string> model_names() {
  std::lock_guard<std::mutex> lock(names_mutex());
  return names();
}

bool is_model_name(const std::string& name) {
  std::lock_guard<std::mutex> lock(names_mutex());
  return std::find(names().begin(), names().end(), name) != names().end();
}

}  // namespace grok
