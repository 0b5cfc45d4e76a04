#include "core/base/config.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace grok {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& field, const std::string& problem, const std::string& range) {
  throw ConfigError(field + ": " + problem + " (allowed: " + range + ")");
}

std::string describe(const json& v) {
  std::string s = v.dump();
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

int get_int(const json& v, const std::string& field, long lo, long hi) {
  const std::string range = "integer " + std::to_string(lo) + ".." + std::to_string(hi);
  if (!v.is_number_integer()) {
    // Accept 40000.0 but not 0.5: JSON writers often emit integral doubles.
    if (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()) {
      const double d = v.get<double>();
      if (d < lo || d > hi) fail(field, "got " + describe(v), range);
      return static_cast<int>(d);
    }
    fail(field, "expected an integer, got " + describe(v), range);
  }
  const long long x = v.get<long long>();
  if (x < lo || x > hi) fail(field, "got " + describe(v), range);
  return static_cast<int>(x);
}

double get_double(const json& v, const std::string& field, double lo, double hi, bool lo_open,
                  bool hi_open, const std::string& range) {
  if (!v.is_number()) fail(field, "expected a number, got " + describe(v), range);
  const double x = v.get<double>();
  const bool bad = !std::isfinite(x) || (lo_open ? x <= lo : x < lo) || (hi_open ? x >= hi : x > hi);
  if (bad) fail(field, "got " + describe(v), range);
  return x;
}

std::string get_string(const json& v, const std::string& field, const std::string& range) {
  if (!v.is_string()) fail(field, "expected a string, got " + describe(v), range);
  return v.get<std::string>();
}

}  // namespace

const char* to_string(Operation op) {
  switch (op) {
    case Operation::Add: return "add";
    case Operation::Subtract: return "subtract";
    case Operation::Multiply: return "multiply";
  }
  return "?";
}

const char* to_string(Regularizer r) {
  switch (r) {
    case Regularizer::WeightDecay: return "weight_decay";
    case Regularizer::Dropout: return "dropout";
    case Regularizer::L1: return "l1";
  }
  return "?";
}

int apply_operation(Operation op, int a, int b, int p) {
  switch (op) {
    case Operation::Add: return (a + b) % p;
    case Operation::Subtract: return ((a - b) % p + p) % p;
    case Operation::Multiply: return static_cast<int>((static_cast<long long>(a) * b) % p);
  }
  return 0;
}

void validate(const Config& c) {
  if (c.p < 3 || c.p > 1021 || c.p % 2 == 0)
    fail("p", "got " + std::to_string(c.p), "odd integer 3..1021");
  if (!(c.train_fraction > 0 && c.train_fraction < 1))
    fail("train_fraction", "got " + std::to_string(c.train_fraction), "number in (0, 1)");
  if (c.n_train() < 1 || c.n_train() >= c.p * c.p)
    fail("train_fraction", "leaves an empty train or test split for p=" + std::to_string(c.p),
         "number in (0, 1) with at least one pair on each side");
  if (c.n_layers < 1 || c.n_layers > 4) fail("n_layers", "got " + std::to_string(c.n_layers), "integer 1..4");
  if (c.d_model < 1 || c.d_model > 4096) fail("d_model", "got " + std::to_string(c.d_model), "integer 1..4096");
  if (c.n_heads < 1 || c.n_heads > 64) fail("n_heads", "got " + std::to_string(c.n_heads), "integer 1..64");
  if (c.d_model % c.n_heads != 0)
    fail("d_model", std::to_string(c.d_model) + " is not divisible by n_heads=" + std::to_string(c.n_heads),
         "a multiple of n_heads");
  if (c.d_head < 1 || c.d_head > 4096) fail("d_head", "got " + std::to_string(c.d_head), "integer 1..4096");
  if (c.d_mlp < 1 || c.d_mlp > 16384) fail("d_mlp", "got " + std::to_string(c.d_mlp), "integer 1..16384");
  if (!(c.lr >= 0 && c.lr <= 1)) fail("lr", "got " + std::to_string(c.lr), "number 0..1");
  if (!(c.beta1 >= 0 && c.beta1 < 1)) fail("beta1", "got " + std::to_string(c.beta1), "number in [0, 1)");
  if (!(c.beta2 >= 0 && c.beta2 < 1)) fail("beta2", "got " + std::to_string(c.beta2), "number in [0, 1)");
  if (!(c.eps > 0 && c.eps <= 1)) fail("eps", "got " + std::to_string(c.eps), "number in (0, 1]");
  if (c.warmup_steps < 0) fail("warmup_steps", "got " + std::to_string(c.warmup_steps), "integer >= 0");
  if (!(c.weight_decay >= 0 && c.weight_decay <= 100))
    fail("weight_decay", "got " + std::to_string(c.weight_decay), "number 0..100");
  if (!(c.dropout >= 0 && c.dropout < 1)) fail("dropout", "got " + std::to_string(c.dropout), "number in [0, 1)");
  if (!(c.l1 >= 0 && c.l1 <= 1)) fail("l1", "got " + std::to_string(c.l1), "number 0..1");
  if (c.epochs < 1) fail("epochs", "got " + std::to_string(c.epochs), "integer 1..10000000");
  if (c.checkpoint_interval < 1)
    fail("checkpoint_interval", "got " + std::to_string(c.checkpoint_interval), "integer >= 1");
  if (c.test_interval < 1) fail("test_interval", "got " + std::to_string(c.test_interval), "integer >= 1");
}

Config config_from_json(const json& j) {
  if (!j.is_object()) throw ConfigError("config: expected a JSON object, got " + describe(j));
  Config c;
  for (const auto& [key, v] : j.items()) {
    if (key == "operation") {
      const std::string s = get_string(v, key, "add, subtract, multiply");
      if (s == "add") c.operation = Operation::Add;
      else if (s == "subtract") c.operation = Operation::Subtract;
      else if (s == "multiply") c.operation = Operation::Multiply;
      else fail(key, "got \"" + s + "\"", "add, subtract, multiply");
    } else if (key == "regularizer") {
      const std::string s = get_string(v, key, "weight_decay, dropout, l1");
      if (s == "weight_decay") c.regularizer = Regularizer::WeightDecay;
      else if (s == "dropout") c.regularizer = Regularizer::Dropout;
      else if (s == "l1") c.regularizer = Regularizer::L1;
      else fail(key, "got \"" + s + "\"", "weight_decay, dropout, l1");
    } else if (key == "p") c.p = get_int(v, key, -2147483647, 2147483647);  // range: validate()
    else if (key == "train_fraction") c.train_fraction = get_double(v, key, 0, 1, true, true, "number in (0, 1)");
    else if (key == "seed") c.seed = static_cast<std::uint64_t>(get_int(v, key, 0, 2147483647));
    else if (key == "n_layers") c.n_layers = get_int(v, key, 1, 4);
    else if (key == "d_model") c.d_model = get_int(v, key, 1, 4096);
    else if (key == "n_heads") c.n_heads = get_int(v, key, 1, 64);
    else if (key == "d_head") c.d_head = get_int(v, key, 1, 4096);
    else if (key == "d_mlp") c.d_mlp = get_int(v, key, 1, 16384);
    else if (key == "lr") c.lr = get_double(v, key, 0, 1, false, false, "number 0..1");
    else if (key == "beta1") c.beta1 = get_double(v, key, 0, 1, false, true, "number in [0, 1)");
    else if (key == "beta2") c.beta2 = get_double(v, key, 0, 1, false, true, "number in [0, 1)");
    else if (key == "eps") c.eps = get_double(v, key, 0, 1, true, false, "number in (0, 1]");
    else if (key == "warmup_steps") c.warmup_steps = get_int(v, key, 0, 1000000);
    else if (key == "weight_decay") c.weight_decay = get_double(v, key, 0, 100, false, false, "number 0..100");
    else if (key == "dropout") c.dropout = get_double(v, key, 0, 1, false, true, "number in [0, 1)");
    else if (key == "l1") c.l1 = get_double(v, key, 0, 1, false, false, "number 0..1");
    else if (key == "epochs") c.epochs = get_int(v, key, 1, 10000000);
    else if (key == "checkpoint_interval") c.checkpoint_interval = get_int(v, key, 1, 10000000);
    else if (key == "test_interval") c.test_interval = get_int(v, key, 1, 10000000);
    else if (key == "name" || key == "description") {
      // Preset metadata: not part of the run's configuration.
    } else {
      throw ConfigError(key + ": unknown key (allowed: operation, p, train_fraction, seed, n_layers, d_model, "
                              "n_heads, d_head, d_mlp, lr, beta1, beta2, eps, warmup_steps, regularizer, "
                              "weight_decay, dropout, l1, epochs, checkpoint_interval, test_interval)");
    }
  }
  validate(c);
  return c;
}

Config parse_config(const std::string& json_text) {
  json j;
  try {
    j = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw ConfigError(std::string("config: not valid JSON (") + e.what() + ")");
  }
  return config_from_json(j);
}

json config_to_json(const Config& c) {
  return json{{"operation", to_string(c.operation)},
              {"p", c.p},
              {"train_fraction", c.train_fraction},
              {"seed", c.seed},
              {"n_layers", c.n_layers},
              {"d_model", c.d_model},
              {"n_heads", c.n_heads},
              {"d_head", c.d_head},
              {"d_mlp", c.d_mlp},
              {"lr", c.lr},
              {"beta1", c.beta1},
              {"beta2", c.beta2},
              {"eps", c.eps},
              {"warmup_steps", c.warmup_steps},
              {"regularizer", to_string(c.regularizer)},
              {"weight_decay", c.weight_decay},
              {"dropout", c.dropout},
              {"l1", c.l1},
              {"epochs", c.epochs},
              {"checkpoint_interval", c.checkpoint_interval},
              {"test_interval", c.test_interval}};
}

std::string config_to_string(const Config& c) { return config_to_json(c).dump(2); }

void set_config_value(Config& c, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError("--set: expected key=value, got \"" + assignment + "\"");
  const std::string key = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  json value;
  try {
    value = json::parse(text);
  } catch (const json::parse_error&) {
    value = text;  // bare words such as add or dropout
  }
  json j = config_to_json(c);
  j[key] = value;
  c = config_from_json(j);
}

}  // namespace grok
