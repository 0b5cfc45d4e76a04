// JSON text from files others wrote (a run's stored config, a sweep's manifest and spec, a .pt's
// config, a tensor's shape), parsed with its nesting bounded.
//
// Why: nlohmann's parser keeps its own stack, but a parsed value is destroyed and printed by
// recursion: 100 000 nested brackets in a 200 kB config crashed info, import and sweep status on
// the stack. Nothing this app reads nests deeper than a few levels.
//
//   const nlohmann::json j = parse_json_bounded<nlohmann::json>(text);  // throws json::parse_error
//
// Threading: a function of its argument.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace grok {

constexpr int kMaxJsonDepth = 64;

// Json::parse(text), but text nested deeper than kMaxJsonDepth throws Json::parse_error as a syntax
// error does, so that callers need no other case.
template <class Json>
Json parse_json_bounded(const std::string& text) {
  return Json::parse(text, [](int depth, typename Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth)
      throw Json::parse_error::create(
          101, 0, "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (no file of this app is)", nullptr);
    return true;
  });
}

}  // namespace grok
