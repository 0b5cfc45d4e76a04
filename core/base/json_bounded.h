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
// error does, so that callers need no other case. The depth is counted by a scan of the text first
// (brackets outside strings): nlohmann's callback parser would do it too, but in time quadratic in
// the length of an array of objects (a 10 000-run manifest took seconds).
template <class Json>
Json parse_json_bounded(const std::string& text) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth)
        throw Json::parse_error::create(
            101, i + 1, "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels (no file of this app is)",
            nullptr);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  try {
    return Json::parse(text);
  } catch (const typename Json::out_of_range& e) {  // a number past double's range: 1e708
    throw Json::parse_error::create(101, 0, e.what(), nullptr);
  }
}

}  // namespace grok
