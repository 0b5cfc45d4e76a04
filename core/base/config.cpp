#include "core/base/config.h"

#include "core/base/json_bounded.h"
#include "core/base/task.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace grok {
namespace {

using nlohmann::json;
using Kind = ConfigField::Kind;

std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

ConfigField integer(const char* name, ConfigField::Member m, long long lo, long long hi, const char* help,
                    bool odd = false) {
  const std::string range =
      std::string(odd ? "odd " : "") + "integer " + std::to_string(lo) + ".." + std::to_string(hi);
  return {name, Kind::Integer, m, double(lo), double(hi), false, false, odd, {}, range, help};
}

// `ends`: "[]" closed (written lo..hi), or "()", "[)", "(]" with the open ends excluded.
ConfigField number(const char* name, double Config::*m, double lo, double hi, const char* ends, const char* help) {
  const bool lo_open = ends[0] == '(', hi_open = ends[1] == ')';
  const std::string range = lo_open || hi_open ? "number in " + std::string(1, ends[0]) + number_text(lo) + ", " +
                                                     number_text(hi) + std::string(1, ends[1])
                                               : "number " + number_text(lo) + ".." + number_text(hi);
  return {name, Kind::Number, m, lo, hi, lo_open, hi_open, false, {}, range, help};
}

ConfigField boolean(const char* name, bool Config::*m, const char* help) {
  return {name, Kind::Boolean, m, 0, 1, false, false, false, {"false", "true"}, "true or false", help};
}

ConfigField choice(const char* name, ConfigField::Member m, std::vector<const char*> names, const char* help) {
  std::string range;
  for (const char* n : names) range += (range.empty() ? "" : ", ") + std::string(n);
  return {name, Kind::Choice, m, 0, 0, false, false, false, std::move(names), range, help};
}

// A string naming one of a registry's entries; its range is the registry's names at the time asked.
ConfigField name_field(const char* name, std::string Config::*m, const char* help) {
  return {name, Kind::Name, m, 0, 0, false, false, false, {}, "a registered name", help};
}

std::string names_range() {
  std::string range;
  for (const std::string& n : model_names()) range += (range.empty() ? "" : ", ") + n;
  return range;
}

// The one description of every field (see config.h). Integer and number ranges are checked when
// parsing and again by validate(), so a Config built in code meets the same rules as one read
// from a file; the rules that join two fields follow in validate(). A function's static, so that
// it is built before any caller, however early.
const std::vector<ConfigField>& table() {
  static const std::vector<ConfigField> fields = {
      {"task",
       Kind::Task,
       &Config::task,
       0,
       0,
       false,
       false,
       false,
       {"add", "subtract", "multiply", "divide", "mixed", "x2+y2", "x2+xy+y2", "x2+xy+y2+x", "x3+xy", "x3+xy2+y", "Z12",
        "Z2xZ2xZ3", "D12", "S4", "S5", "A5", "S5-conj", "S5-aba"},
       task_names_help(),
       "what the run learns: an operation mod p, a group's composition (S5, D12, table:FILE)"},
      integer("p", &Config::p, 3, 1021, "modulus of the mod-p tasks (odd); unused by group tasks", /*odd=*/true),
      number("train_fraction", &Config::train_fraction, 0, 1, "()", "share of the task's pairs used for training"),
      integer("seed", &Config::seed, 0, 2147483647, "data split and initialisation seed"),
      name_field("model", &Config::model, "the model family (the paper's one-layer transformer unless named)"),
      integer("n_layers", &Config::n_layers, 1, 4, "transformer layers"),
      integer("d_model", &Config::d_model, 1, 4096, "residual stream width"),
      integer("n_heads", &Config::n_heads, 1, 64, "attention heads"),
      integer("d_head", &Config::d_head, 1, 4096, "width of each head"),
      integer("d_mlp", &Config::d_mlp, 1, 16384, "MLP neurons (the MLP families' hidden width)"),
      number("attention_rate", &Config::attention_rate, 0, 1, "[]",
             "attention rate alpha: alpha softmax + (1 - alpha) constant attention (Zhong et al. 2023)"),
      choice("activation", &Config::activation, {"relu", "gelu", "quadratic"},
             "the MLP families' hidden nonlinearity: ReLU, GELU or x^2 (Gromov 2023)"),
      number("label_noise", &Config::label_noise, 0, 1, "[)",
             "share of the training pairs given a random label (Doshi et al. 2024)"),
      number("lr", &Config::lr, 0, 1, "[]", "AdamW learning rate"),
      number("beta1", &Config::beta1, 0, 1, "[)", "AdamW beta1"),
      number("beta2", &Config::beta2, 0, 1, "[)", "AdamW beta2"),
      number("eps", &Config::eps, 0, 1, "(]", "AdamW epsilon, added to the root of the second moment"),
      integer("warmup_steps", &Config::warmup_steps, 0, 1000000, "linear learning-rate warm-up steps"),
      choice("regularizer", &Config::regularizer, {"weight_decay", "dropout", "l1"},
             "the active regulariser; the others' strengths are not used"),
      number("weight_decay", &Config::weight_decay, 0, 100, "[]", "AdamW weight decay (regulariser weight_decay)"),
      number("dropout", &Config::dropout, 0, 1, "[)", "MLP dropout probability (regulariser dropout)"),
      number("l1", &Config::l1, 0, 1, "[]", "L1 coefficient (regulariser l1)"),
      integer("epochs", &Config::epochs, 1, 10000000, "full-batch steps to train"),
      integer("checkpoint_interval", &Config::checkpoint_interval, 1, 10000000,
              "epochs between checkpoints (what the scrubber steps through)"),
      integer("test_interval", &Config::test_interval, 1, 10000000, "epochs between test evaluations"),
      integer("stop_after_grok", &Config::stop_after_grok, 0, 10000000,
              "stop this many epochs after test accuracy first reaches 99 % (0: train to epochs)"),
      choice("loss", &Config::loss, {"softmax64", "softmax32", "stablemax", "mse"},
             "cross-entropy over softmax in float64 (the paper's), softmax in float32, StableMax, or MSE "
             "against the one-hot label"),
      choice("grad_filter", &Config::grad_filter, {"none", "ema", "ma"},
             "Grokfast gradient filter: none, exponential (ema) or windowed (ma) moving average"),
      number("grokfast_alpha", &Config::grokfast_alpha, 0, 1, "[)", "Grokfast EMA momentum alpha"),
      number("grokfast_lambda", &Config::grokfast_lambda, 0, 100, "[]", "Grokfast amplification lambda"),
      integer("grokfast_window", &Config::grokfast_window, 1, 1000, "Grokfast MA window (gradients held)"),
      boolean("orthogonal_gradient", &Config::orthogonal_gradient,
              "⊥Grad: each gradient made orthogonal to its weights, at its own norm, before AdamW"),
      number("init_scale", &Config::init_scale, 0, 100, "(]", "every initial parameter multiplied by this"),
      choice("norm_constraint", &Config::norm_constraint, {"none", "global"},
             "global: all parameters rescaled to the initial global norm after every step"),
  };
  return fields;
}

[[noreturn]] void fail(const std::string& field, const std::string& problem, const std::string& range) {
  throw ConfigError(field + ": " + problem + " (allowed: " + range + ")");
}

std::string describe(const json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

const ConfigField& field(std::string_view name) { return *find_config_field(name); }

bool integer_ok(const ConfigField& f, long long x) { return x >= f.lo && x <= f.hi && (!f.odd || x % 2 != 0); }

bool number_ok(const ConfigField& f, double x) {
  return std::isfinite(x) && (f.lo_open ? x > f.lo : x >= f.lo) && (f.hi_open ? x < f.hi : x <= f.hi);
}

// The member's value as JSON: a number, or a Choice's name.
json value_json(const Config& c, const ConfigField& f) {
  return std::visit(
      [&](auto member) -> json {
        using T = std::decay_t<decltype(c.*member)>;
        if constexpr (std::is_enum_v<T>) {
          const auto i = static_cast<std::size_t>(c.*member);
          return i < f.choices.size() ? json(f.choices[i]) : json();  // null: not a valid choice
        } else if constexpr (std::is_same_v<T, bool>) {
          return json(static_cast<bool>(c.*member));
        } else if constexpr (std::is_same_v<T, std::string>) {
          return json(c.*member);
        } else {
          return c.*member;
        }
      },
      f.member);
}

// Checks `v` against the field's kind and range, then stores it.
void assign(Config& c, const ConfigField& f, const json& v) {
  switch (f.kind) {
    case Kind::Choice: {
      if (!v.is_string()) fail(f.name, "expected a string, got " + describe(v), f.range);
      const std::string s = v.get<std::string>();
      for (std::size_t i = 0; i < f.choices.size(); i++)
        if (s == f.choices[i]) {
          std::visit(
              [&](auto member) {
                using T = std::decay_t<decltype(c.*member)>;
                if constexpr (std::is_enum_v<T>) c.*member = static_cast<T>(i);
              },
              f.member);
          return;
        }
      fail(f.name, "got \"" + s + "\"", f.range);
    }
    case Kind::Name: {
      if (!v.is_string()) fail(f.name, "expected a string, got " + describe(v), names_range());
      const std::string s = v.get<std::string>();
      if (!is_model_name(s)) fail(f.name, "unknown family \"" + s + "\"", names_range());
      std::visit(
          [&](auto member) {
            if constexpr (std::is_same_v<std::decay_t<decltype(c.*member)>, std::string>) c.*member = s;
          },
          f.member);
      return;
    }
    case Kind::Task: {
      if (!v.is_string()) fail(f.name, "expected a string, got " + describe(v), f.range);
      const std::string s = v.get<std::string>();
      check_task_name(s);
      const bool table = s.find("table:") != std::string::npos;
      if (table && c.task_table.empty()) {  // the table travels with the config from here on
        const std::string file = s.substr(s.find("table:"));
        const auto dash = file.rfind('-');
        const bool on = dash != std::string::npos && (file.substr(dash) == "-conj" || file.substr(dash) == "-aba");
        c.task_table = group_table_json(group_from_table_file(on ? file.substr(6, dash - 6) : file.substr(6)));
      }
      if (!table) c.task_table.clear();
      c.task = s;
      return;
    }
    case Kind::Boolean: {
      if (!v.is_boolean()) fail(f.name, "expected true or false, got " + describe(v), f.range);
      std::visit(
          [&](auto member) {
            if constexpr (std::is_same_v<std::decay_t<decltype(c.*member)>, bool>) c.*member = v.get<bool>();
          },
          f.member);
      return;
    }
    case Kind::Integer: {
      long long x = 0;
      if (v.is_number_integer()) {
        x = v.get<long long>();
      } else if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
        // Accept 40000.0 but not 0.5: JSON writers often emit integral doubles.
        if (v.get<double>() < f.lo || v.get<double>() > f.hi) fail(f.name, "got " + describe(v), f.range);
        x = static_cast<long long>(v.get<double>());
      } else {
        fail(f.name, "expected an integer, got " + describe(v), f.range);
      }
      if (!integer_ok(f, x)) fail(f.name, "got " + describe(v), f.range);
      std::visit(
          [&](auto member) {
            using T = std::decay_t<decltype(c.*member)>;
            if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) c.*member = static_cast<T>(x);
          },
          f.member);
      return;
    }
    case Kind::Number: {
      if (!v.is_number()) fail(f.name, "expected a number, got " + describe(v), f.range);
      const double x = v.get<double>();
      if (!number_ok(f, x)) fail(f.name, "got " + describe(v), f.range);
      std::visit(
          [&](auto member) {
            if constexpr (std::is_floating_point_v<std::decay_t<decltype(c.*member)>>) c.*member = x;
          },
          f.member);
      return;
    }
  }
}

std::string field_names() {
  std::string names;
  for (const ConfigField& f : table()) names += (names.empty() ? "" : ", ") + std::string(f.name);
  return names;
}

}  // namespace

const std::vector<ConfigField>& config_fields() { return table(); }

const ConfigField* find_config_field(std::string_view name) {
  if (name == "operation") name = "task";  // the alias older configs, run files and sweep specs use
  for (const ConfigField& f : table())
    if (name == f.name) return &f;
  return nullptr;
}

std::vector<std::string> config_field_choices(const ConfigField& f) {
  if (f.kind == Kind::Name) return model_names();
  return std::vector<std::string>(f.choices.begin(), f.choices.end());
}

std::string config_value_text(const Config& c, const ConfigField& f) {
  const json v = value_json(c, f);
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void set_config_field(Config& c, const ConfigField& f, const std::string& text) {
  if (f.kind == Kind::Task && text != c.task) c.task_table.clear();  // a new task reads its own table
  json value;
  try {
    value = parse_json_bounded<json>(text);
  } catch (const json::parse_error&) {
    value = text;  // bare words such as add or dropout
  }
  assign(c, f, value);
}

namespace {
// The name a Choice field gives its enum's value `i`.
const char* choice_name(const char* field_name, std::size_t i) {
  const auto& names = field(field_name).choices;
  return i < names.size() ? names[i] : "?";
}
}  // namespace

const char* to_string(Regularizer r) { return choice_name("regularizer", static_cast<std::size_t>(r)); }
const char* to_string(LossKind l) { return choice_name("loss", static_cast<std::size_t>(l)); }
const char* to_string(Activation a) { return choice_name("activation", static_cast<std::size_t>(a)); }
const char* to_string(GradFilter g) { return choice_name("grad_filter", static_cast<std::size_t>(g)); }

std::string recipe_summary(const Config& c) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
  if (c.loss != LossKind::Softmax64) add(std::string("loss ") + to_string(c.loss));
  if (c.grad_filter == GradFilter::Ema)
    add("Grokfast ema (alpha " + number_text(c.grokfast_alpha) + ", lambda " + number_text(c.grokfast_lambda) + ")");
  if (c.grad_filter == GradFilter::Ma)
    add("Grokfast ma (window " + std::to_string(c.grokfast_window) + ", lambda " + number_text(c.grokfast_lambda) +
        ")");
  if (c.orthogonal_gradient) add("⊥Grad");
  if (c.init_scale != 1.0) add("init scale " + number_text(c.init_scale));
  if (c.norm_constraint == NormConstraint::Global) add("global norm held");
  return out;
}

void validate(const Config& c) {
  for (const ConfigField& f : table()) {
    const json v = value_json(c, f);
    if (f.kind == Kind::Integer && !integer_ok(f, v.get<long long>())) fail(f.name, "got " + v.dump(), f.range);
    if (f.kind == Kind::Number && !number_ok(f, v.get<double>())) fail(f.name, "got " + v.dump(), f.range);
    if (f.kind == Kind::Choice && v.is_null()) fail(f.name, "got an unnamed value", f.range);
    if (f.kind == Kind::Name && !is_model_name(v.get<std::string>()))
      fail(f.name, "unknown family \"" + v.get<std::string>() + "\"", names_range());
  }
  const Task task(c);  // the task's own rules: a prime p for multiply and divide, a group's bounds
  const int n_train = task.n_train(c.train_fraction);
  if (n_train < 1 || n_train >= task.domain_size())
    fail("train_fraction", "leaves an empty train or test split for " + task.describe(),
         "number in (0, 1) with at least one pair on each side");
  if (c.d_model % c.n_heads != 0)
    fail("d_model", std::to_string(c.d_model) + " is not divisible by n_heads=" + std::to_string(c.n_heads),
         "a multiple of n_heads");
}

Config config_from_json(const json& j) {
  if (!j.is_object()) throw ConfigError("config: expected a JSON object, got " + describe(j));
  Config c;
  if (j.contains("operation") && j.contains("task") && j["operation"] != j["task"])
    throw ConfigError("operation: " + describe(j["operation"]) + " disagrees with task " + describe(j["task"]) +
                      " (operation is an alias of task)");
  if (j.contains("task_table")) {  // before task, which would otherwise read the file again
    if (!j["task_table"].is_object()) throw ConfigError("task_table: expected a JSON object");
    c.task_table = j["task_table"].dump();
  }
  if (j.contains("operation") && !j.contains("task")) assign(c, field("task"), j["operation"]);
  for (const auto& [key, v] : j.items()) {
    if (key == "operation" || key == "task_table") continue;
    if (const ConfigField* f = find_config_field(key))
      assign(c, *f, v);
    else if (key != "name" && key != "description")  // preset metadata, not part of the run's configuration
      throw ConfigError(key + ": unknown key (allowed: " + field_names() + ")");
  }
  validate(c);
  return c;
}

Config parse_config(const std::string& json_text) {
  json j;
  try {
    j = parse_json_bounded<json>(json_text);
  } catch (const json::parse_error& e) {
    throw ConfigError(std::string("config: not valid JSON (") + e.what() + ")");
  }
  return config_from_json(j);
}

json config_to_json(const Config& c) {
  json j = json::object();
  for (const ConfigField& f : table()) j[f.name] = value_json(c, f);
  if (!c.task_table.empty()) j["task_table"] = json::parse(c.task_table);
  return j;
}

std::string config_to_string(const Config& c) { return config_to_json(c).dump(2); }

void set_config_value(Config& c, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) throw ConfigError("--set: expected key=value, got \"" + assignment + "\"");
  std::string key = assignment.substr(0, eq);
  if (key == "operation") key = "task";  // the alias: `--set operation=subtract` sets the task
  const std::string text = assignment.substr(eq + 1);
  json value;
  try {
    value = parse_json_bounded<json>(text);
  } catch (const json::parse_error&) {
    value = text;  // bare words such as add or dropout
  }
  json j = config_to_json(c);
  if (key == "task") j.erase("task_table");  // a new task reads its own table, if any
  j[key] = value;
  c = config_from_json(j);
}

}  // namespace grok
