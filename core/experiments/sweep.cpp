#include "core/experiments/sweep.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/base/json_bounded.h"
#include "core/base/presets.h"
#include "core/base/records.h"
#include "core/store/run_store.h"

namespace grok {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

constexpr const char* kFormat = "grokking-lab sweep";
constexpr int kVersion = 1;
constexpr std::size_t kMaxRuns = 10000;

[[noreturn]] void fail(const std::string& where, const std::string& problem) {
  throw ConfigError(where + ": " + problem);
}

// A spec or manifest, at most 64 MiB (10 000 runs' configs are ~8 MB): a file from elsewhere
// (or a link to a device) must not fill the memory.
std::string read_text(const std::string& path, const std::string& what) {
  constexpr std::size_t kMaxBytes = std::size_t{64} << 20;
  std::error_code ec;
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec)) fail(path, "the " + what + " is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot read the " + what + " (" + std::strerror(errno) + ")");
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxBytes) fail(path, "the " + what + " is larger than 64 MiB (oversized)");
  return text;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) fail(path.string(), std::string("cannot write (") + std::strerror(errno) + ")");
}

// A JSON value as `--set` takes it: strings bare ("add"), anything else as JSON ("0.3", "[1]").
std::string value_text(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

const ConfigField& config_field(const std::string& where, const std::string& name) {
  const ConfigField* f = find_config_field(name);
  if (!f) {
    std::string allowed;
    for (const ConfigField& g : config_fields()) allowed += (allowed.empty() ? "" : ", ") + std::string(g.name);
    fail(where, "unknown config field \"" + name + "\" (allowed: " + allowed + ")");
  }
  return *f;
}

// One varied dimension: a grid field, a zip group (fields varied together) or the seeds.
struct Dimension {
  std::vector<const ConfigField*> fields;
  std::vector<std::vector<std::string>> values;  // values[field][i], as value_text
  std::size_t size() const { return values.front().size(); }
};

// The list under `where`, every value checked against the field alone (joint rules come later).
std::vector<std::string> field_values(const std::string& where, const ConfigField& f, const ojson& list) {
  if (!list.is_array()) fail(where, "expected a list of values, got " + list.dump());
  if (list.empty()) fail(where, "empty list (allowed: one or more values)");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < list.size(); i++) {
    Config probe;
    try {
      set_config_field(probe, f, value_text(list[i]));
    } catch (const ConfigError& e) {
      fail(where + "[" + std::to_string(i) + "]", e.what());
    }
    out.push_back(value_text(list[i]));
  }
  return out;
}

Config base_config(const ojson& base, const std::string& base_dir) {
  if (!base.is_object()) fail("base", "expected an object with \"preset\" or \"config\", and \"set\"");
  for (auto it = base.begin(); it != base.end(); ++it)
    if (it.key() != "preset" && it.key() != "config" && it.key() != "set")
      fail("base", "unknown key \"" + it.key() + "\" (allowed: preset, config, set)");
  if (base.contains("preset") && base.contains("config")) fail("base", "give \"preset\" or \"config\", not both");
  Config c;
  if (base.contains("preset")) {
    if (!base["preset"].is_string()) fail("base.preset", "expected a preset name");
    try {
      c = preset(base["preset"].get<std::string>()).config;
    } catch (const ConfigError& e) {
      fail("base.preset", e.what());
    }
  } else if (base.contains("config")) {
    if (!base["config"].is_string()) fail("base.config", "expected a file name");
    fs::path file = base["config"].get<std::string>();
    if (file.is_relative()) file = fs::path(base_dir) / file;
    std::string text;
    try {
      text = read_text(file.string(), "base config");
    } catch (const ConfigError& e) {
      fail("base.config", e.what());
    }
    try {
      c = parse_config(text);
    } catch (const ConfigError& e) {
      fail("base.config " + file.string(), e.what());
    }
  }
  if (base.contains("set")) {
    const ojson& set = base["set"];
    if (!set.is_object()) fail("base.set", "expected an object of field: value");
    for (auto it = set.begin(); it != set.end(); ++it) {
      const ConfigField& f = config_field("base.set", it.key());
      try {
        set_config_field(c, f, value_text(it.value()));
      } catch (const ConfigError& e) {
        fail("base.set", e.what());
      }
    }
  }
  return c;
}

std::string run_file(int index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "runs/run-%03d", index);
  return buf;
}

std::vector<SweepRun> expand(const Config& base, const std::vector<Dimension>& dims) {
  std::size_t total = 1;
  for (const Dimension& d : dims) {
    total *= d.size();
    if (total > kMaxRuns) fail("spec", "more than " + std::to_string(kMaxRuns) + " runs (allowed: at most that many)");
  }
  std::vector<SweepRun> runs;
  for (std::size_t index = 0; index < total; index++) {
    SweepRun r;
    r.index = static_cast<int>(index);
    r.config = base;
    // Mixed radix, the last dimension fastest.
    std::vector<std::size_t> at(dims.size());
    std::size_t rest = index;
    for (std::size_t k = dims.size(); k-- > 0;) at[k] = rest % dims[k].size(), rest /= dims[k].size();
    for (std::size_t k = 0; k < dims.size(); k++)
      for (std::size_t f = 0; f < dims[k].fields.size(); f++)
        set_config_field(r.config, *dims[k].fields[f], dims[k].values[f][at[k]]);
    for (const Dimension& d : dims)
      for (const ConfigField* f : d.fields) r.varied.emplace_back(f->name, config_value_text(r.config, *f));
    try {
      validate(r.config);
    } catch (const ConfigError& e) {
      fail("run " + std::to_string(index) + " (" + describe_varied(r) + ")", e.what());
    }
    r.file = run_file(r.index) + ".grok";
    runs.push_back(std::move(r));
  }
  return runs;
}

ojson manifest_json(const std::vector<std::string>& varied, const std::vector<SweepRun>& runs) {
  ojson m;
  m["format"] = kFormat;
  m["version"] = kVersion;
  m["varied"] = varied;
  m["runs"] = ojson::array();
  for (const SweepRun& r : runs) {
    const nlohmann::json cfg = config_to_json(r.config);
    ojson v = ojson::object();
    for (const auto& [name, text] : r.varied) v[name] = ojson::parse(cfg.at(name).dump());
    m["runs"].push_back({{"index", r.index}, {"file", r.file}, {"varied", v}, {"config", ojson::parse(cfg.dump())}});
  }
  return m;
}

bool same_runs(const std::vector<SweepRun>& a, const std::vector<SweepRun>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); i++)
    if (a[i].varied != b[i].varied || config_to_json(a[i].config) != config_to_json(b[i].config)) return false;
  return true;
}

}  // namespace

std::string describe_varied(const SweepRun& r) {
  std::string s;
  for (const auto& [name, value] : r.varied) s += (s.empty() ? "" : " ") + name + "=" + value;
  return s.empty() ? "the base config" : s;
}

const char* to_string(RunState s) {
  switch (s) {
    case RunState::Pending: return "pending";
    case RunState::Running: return "running";
    case RunState::Complete: return "complete";
    case RunState::Failed: return "failed";
  }
  return "?";
}

SweepSpec parse_sweep_spec(const std::string& text, const std::string& base_dir) {
  ojson j;
  try {
    j = parse_json_bounded<ojson>(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail("spec", std::string("not valid JSON (") + e.what() + ")");
  }
  if (!j.is_object()) fail("spec", "expected a JSON object with \"base\", \"grid\", \"zip\" and \"seeds\"");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "base" && it.key() != "grid" && it.key() != "zip" && it.key() != "seeds" &&
        it.key() != "description")
      fail("spec", "unknown key \"" + it.key() + "\" (allowed: base, grid, zip, seeds, description)");
  const Config base = j.contains("base") ? base_config(j["base"], base_dir) : Config{};

  std::vector<Dimension> dims;
  std::vector<std::string> varied;
  auto claim = [&](const std::string& where, const ConfigField& f) {
    for (const std::string& v : varied)
      if (v == f.name)
        fail(where, std::string("\"") + f.name + "\" is varied twice (allowed: once, in grid, zip or seeds)");
    varied.push_back(f.name);
  };
  if (j.contains("grid")) {
    const ojson& grid = j["grid"];
    if (!grid.is_object()) fail("grid", "expected an object of field: [values]");
    for (auto it = grid.begin(); it != grid.end(); ++it) {
      const std::string where = "grid." + it.key();
      const ConfigField& f = config_field("grid", it.key());
      claim(where, f);
      dims.push_back({{&f}, {field_values(where, f, it.value())}});
    }
  }
  if (j.contains("zip")) {
    const ojson& zip = j["zip"];
    if (!zip.is_array()) fail("zip", "expected a list of groups, each an object of field: [values]");
    for (std::size_t g = 0; g < zip.size(); g++) {
      const std::string group = "zip[" + std::to_string(g) + "]";
      if (!zip[g].is_object() || zip[g].empty()) fail(group, "expected an object of field: [values]");
      Dimension d;
      for (auto it = zip[g].begin(); it != zip[g].end(); ++it) {
        const std::string where = group + "." + it.key();
        const ConfigField& f = config_field(group, it.key());
        claim(where, f);
        d.fields.push_back(&f);
        d.values.push_back(field_values(where, f, it.value()));
        if (d.values.back().size() != d.values.front().size())
          fail(where, std::to_string(d.values.back().size()) + " values, but " + d.fields.front()->name + " has " +
                          std::to_string(d.values.front().size()) + " (allowed: lists of one length in a zip group)");
      }
      dims.push_back(std::move(d));
    }
  }
  if (j.contains("seeds")) {
    const ConfigField& f = *find_config_field("seed");
    claim("seeds", f);
    dims.push_back({{&f}, {field_values("seeds", f, j["seeds"])}});
  }
  SweepSpec spec;
  spec.text = text;
  spec.runs = expand(base, dims);
  spec.varied = std::move(varied);
  return spec;
}

SweepSpec read_sweep_spec_file(const std::string& path) {
  const std::string text = read_text(path, "sweep spec");
  try {
    return parse_sweep_spec(text, fs::path(path).parent_path().string());
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

bool Sweep::is_sweep_folder(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && fs::is_regular_file(fs::path(path) / "manifest.json", ec);
}

Sweep Sweep::create(const SweepSpec& spec, const std::string& dir, bool* created) {
  if (created) *created = false;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    if (is_sweep_folder(dir)) {
      Sweep old = open(dir);
      if (old.varied_ == spec.varied && same_runs(old.runs_, spec.runs)) return old;
      fail(dir, "holds a different sweep (allowed: a new folder, or the spec it was made from)");
    }
    if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))
      fail(dir, "exists and is not a sweep folder (allowed: a new folder, or an empty one)");
  }
  // Everything is written beside DIR and renamed into place: a failure leaves nothing behind.
  // "DIR/" names DIR: its last component, not an empty one inside it.
  fs::path target = fs::absolute(dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  const fs::path tmp = target.parent_path() / ("." + target.filename().string() + ".creating");
  fs::remove_all(tmp, ec);
  if (!fs::create_directories(tmp / "runs", ec)) fail(dir, "cannot create the folder (" + ec.message() + ")");
  try {
    write_text(tmp / "spec.json", spec.text);
    write_text(tmp / "manifest.json", manifest_json(spec.varied, spec.runs).dump(1) + "\n");
    fs::rename(tmp, target);
  } catch (const std::exception& e) {
    fs::remove_all(tmp, ec);
    if (dynamic_cast<const ConfigError*>(&e)) throw;
    fail(dir, std::string("cannot create the folder (") + e.what() + ")");
  }
  if (created) *created = true;
  return open(dir);
}

Sweep Sweep::open(const std::string& dir) {
  const std::string path = (fs::path(dir) / "manifest.json").string();
  if (!is_sweep_folder(dir))
    fail(dir, "not a sweep folder (no manifest.json; create one with grokking-cli sweep init)");
  Sweep s;
  s.dir_ = dir;
  try {
    const nlohmann::json m = parse_json_bounded<nlohmann::json>(read_text(path, "manifest"));
    if (m.value("format", "") != kFormat) fail(path, "not a Grokking Lab sweep manifest");
    if (m.value("version", 0) > kVersion)
      fail(path, "written by a newer Grokking Lab (manifest version " + std::to_string(m.value("version", 0)) + ")");
    for (const auto& v : m.at("varied")) s.varied_.push_back(v.get<std::string>());
    if (!m.at("runs").is_array() || m.at("runs").size() > kMaxRuns)
      fail(path, "a sweep holds at most " + std::to_string(kMaxRuns) + " runs; this manifest lists more");
    if (std::error_code ec; !fs::is_directory(fs::path(dir) / "runs", ec)) fail(dir, "its runs/ is not a folder");
    for (const auto& r : m.at("runs")) {
      SweepRun run;
      // As written (an index of 2^32 is not run 0 in 32 bits).
      const std::int64_t index = r.at("index").get<std::int64_t>();
      if (!r.at("index").is_number_integer() || index != static_cast<std::int64_t>(s.runs_.size()))
        fail(path, "runs out of order at index " + r.at("index").dump());
      run.index = static_cast<int>(index);
      run.file = r.at("file").get<std::string>();
      // A manifest from elsewhere is not trusted to name files: only a run file inside runs/.
      const fs::path f = fs::path(run.file).lexically_normal();
      const auto first = f.begin();
      if (f.is_absolute() || f.empty() || first == f.end() || *first != "runs" ||
          std::distance(f.begin(), f.end()) != 2 || f.extension() != ".grok")
        fail(path, "run " + std::to_string(run.index) + ": its file \"" + run.file +
                       "\" is not a run file inside the sweep's runs/ folder");
      try {
        run.config = config_from_json(r.at("config"));
      } catch (const ConfigError& e) {
        fail(path, "run " + std::to_string(run.index) + ": " + e.what());
      }
      for (const std::string& name : s.varied_)
        run.varied.emplace_back(name, config_value_text(run.config, config_field(path, name)));
      s.runs_.push_back(std::move(run));
    }
  } catch (const nlohmann::json::exception& e) {
    fail(path, std::string("damaged manifest (") + e.what() + ")");
  }
  return s;
}

std::string Sweep::run_path(int index) const { return (fs::path(dir_) / runs_.at(index).file).string(); }
std::string Sweep::lock_path(int index) const { return run_lock_path(run_path(index)); }
std::string Sweep::error_path(int index) const { return (fs::path(dir_) / (run_file(index) + ".error")).string(); }

}  // namespace grok
