#include "core/base/finite_group.h"

#include <fstream>
#include <map>
#include <sstream>

#include "core/base/config.h"
#include "core/base/json_bounded.h"

#include <nlohmann/json.hpp>

// A user's group table, read and checked (finite_group.h): the file formats and their errors.
namespace grok {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw ConfigError(what); }

int parse_count(const std::string& digits) {
  if (digits.empty() || digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoi(digits);
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) {
    const auto b = cell.find_first_not_of(" \t\r\""), e = cell.find_last_not_of(" \t\r\"");
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

}  // namespace

FiniteGroup group_from_table_text(const std::string& text, bool json_format, const std::string& name) {
  std::vector<std::string> labels;
  std::vector<std::vector<std::string>> rows;  // entries as text: integers, or names when labels are given
  if (json_format) {
    nlohmann::json j;
    try {
      j = parse_json_bounded<nlohmann::json>(text);
    } catch (const nlohmann::json::exception& e) {
      refuse(name + ": not valid JSON (" + std::string(e.what()).substr(0, 120) + ")");
    }
    nlohmann::json t = j;
    if (j.is_object()) {
      if (!j.contains("table")) refuse(name + ": a JSON object needs \"table\" (and may name \"elements\")");
      t = j["table"];
      if (j.contains("elements")) {
        if (!j["elements"].is_array()) refuse(name + ": \"elements\" is not a list of names");
        for (const auto& e : j["elements"]) labels.push_back(e.is_string() ? e.get<std::string>() : e.dump());
      }
    }
    if (!t.is_array()) refuse(name + ": the table is not a list of rows");
    for (const auto& r : t) {
      if (!r.is_array()) refuse(name + ": row " + std::to_string(rows.size()) + " is not a list");
      rows.emplace_back();
      // A JSON integer is an element's index even where elements have names ("\x01" marks it).
      for (const auto& v : r) rows.back().push_back(v.is_string() ? v.get<std::string>() : "\x01" + v.dump());
    }
  } else {
    std::stringstream ss(text);
    std::string line;
    while (std::getline(ss, line))
      if (line.find_first_not_of(" \t\r") != std::string::npos) rows.push_back(split_csv_line(line));
    const bool labelled = !rows.empty() && !rows[0].empty() && parse_count(rows[0][0]) < 0;
    if (labelled) {  // a Cayley table: a header row of names, each row led by its element's name
      labels.assign(rows[0].begin() + 1, rows[0].end());
      rows.erase(rows.begin());
      for (std::size_t r = 0; r < rows.size(); r++) {
        if (rows[r].empty() || r >= labels.size() || rows[r][0] != labels[r])
          refuse(name + ": row " + std::to_string(r + 1) + " does not start with the header's element " +
                 (r < labels.size() ? labels[r] : "(none)"));
        rows[r].erase(rows[r].begin());
      }
    }
  }
  const std::size_t n = rows.size();
  if (n < 2 || n > static_cast<std::size_t>(kMaxGroupOrder))
    refuse(name + ": " + std::to_string(n) + " rows (allowed: 2.." + std::to_string(kMaxGroupOrder) + ")");
  if (!labels.empty() && labels.size() != n)
    refuse(name + ": " + std::to_string(labels.size()) + " element names for " + std::to_string(n) + " rows");
  std::map<std::string, int> by_name;
  for (std::size_t i = 0; i < labels.size(); i++)
    if (!by_name.emplace(labels[i], static_cast<int>(i)).second)
      refuse(name + ": element " + labels[i] + " named twice");
  std::vector<int> table;
  for (std::size_t r = 0; r < n; r++) {
    if (rows[r].size() != n)
      refuse(name + ": row " + std::to_string(r) + " has " + std::to_string(rows[r].size()) + " entries, expected " +
             std::to_string(n));
    for (std::size_t c = 0; c < n; c++) {
      const std::string& v = rows[r][c];
      if (v.empty()) refuse(name + ": row " + std::to_string(r) + ", column " + std::to_string(c) + " is empty");
      const bool index = v[0] == '\x01' || labels.empty();
      const auto named = by_name.find(v);
      const int x = index ? parse_count(v[0] == '\x01' ? v.substr(1) : v) : named != by_name.end() ? named->second : -1;
      if (x < 0 || x >= static_cast<int>(n))
        refuse(name + ": not closed: row " + std::to_string(r) + ", column " + std::to_string(c) + " holds " +
               (v[0] == '\x01' ? v.substr(1, 32) : v.substr(0, 32)) + ", not an element");
      table.push_back(x);
    }
  }
  return checked_group(std::move(table), std::move(labels), name);
}

std::string group_table_json(const FiniteGroup& g) {
  nlohmann::json t = nlohmann::json::array();
  for (int i = 0; i < g.n; i++) {
    nlohmann::json row = nlohmann::json::array();
    for (int k = 0; k < g.n; k++) row.push_back(g.compose(i, k));
    t.push_back(std::move(row));
  }
  return nlohmann::json{{"elements", g.labels}, {"table", std::move(t)}}.dump();
}

FiniteGroup group_from_table_file(const std::string& path) {
  const std::string name = "table:" + path;
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(name + ": cannot open the file");
  constexpr std::size_t kMaxTableBytes = 16u << 20;
  std::string text(kMaxTableBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxTableBytes) refuse(name + ": larger than 16 MiB");
  const auto dot = path.rfind('.');
  const std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  const bool json_format =
      ext == "json" ||
      (ext != "csv" && text.find_first_not_of(" \t\r\n") != std::string::npos &&
       (text[text.find_first_not_of(" \t\r\n")] == '[' || text[text.find_first_not_of(" \t\r\n")] == '{'));
  return group_from_table_text(text, json_format, name);
}

}  // namespace grok
