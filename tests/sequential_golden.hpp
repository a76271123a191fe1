// sequential_golden.hpp: reads the golden suite of the sequential charts
// (tests/data/golden/sequential, copied from the shared suite; its README lists the columns and
// the tolerances) for the library and command-line tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "golden.hpp"
#include "io/csv_reader.hpp"
#include "spc/sequential.hpp"

namespace spc::test {

/// One case of a chart suite: its options as text (empty = not given), the values expected on
/// every row (`expected_*`), and its points: input `value` (and `risk`), expected numbers and
/// flags by column name.
struct sequential_case {
  int id = 0;
  std::string source;
  std::map<std::string, std::string> option;
  std::map<std::string, double> expected;
  std::vector<double> value, risk;
  std::map<std::string, std::vector<double>> number;
  std::map<std::string, std::vector<std::string>> flag;

  bool given(const std::string& name) const { return option.count(name) && !option.at(name).empty(); }
  double get(const std::string& name) const { return std::stod(option.at(name)); }
  std::string label() const { return "case " + std::to_string(id) + " (" + source + ")"; }
};

/// The cases of one suite ("cusum", "ewma", "bernoulli", "racusum"), in id order.
inline const std::vector<sequential_case>& sequential_cases(const std::string& suite) {
  static std::map<std::string, std::vector<sequential_case>> loaded;
  auto found = loaded.find(suite);
  if (found != loaded.end()) return found->second;
  const auto c = io::read_csv(data_path("golden/sequential/" + suite + "_cases.csv"));
  const auto p = io::read_csv(data_path("golden/sequential/" + suite + "_points.csv"));
  std::vector<sequential_case> out;
  std::map<int, std::size_t> index;
  const auto ids = c.numbers("id");
  for (std::size_t k = 0; k < c.rows; ++k) {
    sequential_case g;
    g.id = static_cast<int>(ids[k]);
    g.source = c.cells[c.column("source")][k];
    for (const auto& name : c.header) {
      if (name == "id" || name == "source" || name == "n_points") continue;
      const std::string& cell = c.cells[c.column(name)][k];
      if (name.rfind("expected_", 0) == 0)
        g.expected[name.substr(9)] = cell.empty() ? na : std::stod(cell);
      else
        g.option[name] = cell;
    }
    index[g.id] = out.size();
    out.push_back(std::move(g));
  }
  const auto pid = p.numbers("id");
  for (const auto& name : p.header) {
    if (name == "id" || name == "i") continue;
    const bool is_flag = name.rfind("signal", 0) == 0;
    const auto& cells = p.cells[p.column(name)];
    const std::vector<double> numbers = is_flag ? std::vector<double>{} : p.numbers(name);
    for (std::size_t r = 0; r < p.rows; ++r) {
      auto& g = out[index.at(static_cast<int>(pid[r]))];
      if (name == "value") g.value.push_back(numbers[r]);
      else if (name == "risk") g.risk.push_back(numbers[r]);
      else if (is_flag) g.flag[name].push_back(cells[r]);
      else g.number[name].push_back(numbers[r]);
    }
  }
  return loaded[suite] = std::move(out);
}

/// The library's options for a case.
inline cusum_options cusum_options_of(const sequential_case& g) {
  cusum_options o;
  if (g.given("target")) o.target = g.get("target");
  if (g.given("sigma")) o.sigma = g.get("sigma");
  if (g.given("freeze")) o.freeze = static_cast<std::size_t>(g.get("freeze"));
  if (g.given("screen")) o.screen_mr = truth(g.option.at("screen"));
  if (g.given("k")) o.k = g.get("k");
  if (g.given("h")) o.h = g.get("h");
  if (g.given("headstart")) o.headstart = g.get("headstart");
  if (g.given("reset")) o.reset = truth(g.option.at("reset"));
  return o;
}

inline ewma_options ewma_options_of(const sequential_case& g) {
  ewma_options o;
  if (g.given("target")) o.target = g.get("target");
  if (g.given("sigma")) o.sigma = g.get("sigma");
  if (g.given("freeze")) o.freeze = static_cast<std::size_t>(g.get("freeze"));
  if (g.given("screen")) o.screen_mr = truth(g.option.at("screen"));
  if (g.given("lambda")) o.lambda = g.get("lambda");
  if (g.given("L")) o.L = g.get("L");
  if (g.given("asymptotic")) o.asymptotic = truth(g.option.at("asymptotic"));
  return o;
}

inline bernoulli_cusum_options bernoulli_options_of(const sequential_case& g) {
  bernoulli_cusum_options o;
  if (g.given("p0")) o.p0 = g.get("p0");
  if (g.given("freeze")) o.freeze = static_cast<std::size_t>(g.get("freeze"));
  if (g.given("or")) o.odds_ratio = g.get("or");
  if (g.given("limit")) o.limit = g.get("limit");
  if (g.given("reset")) o.reset = truth(g.option.at("reset"));
  return o;
}

inline racusum_options racusum_options_of(const sequential_case& g) {
  racusum_options o;
  if (g.given("ra")) o.ra = g.get("ra");
  if (g.given("r0")) o.r0 = g.get("r0");
  if (g.given("h")) o.h = g.get("h");
  if (g.given("reset")) o.reset = truth(g.option.at("reset"));
  return o;
}

/// The golden README's closeness: |a - b| <= 1e-9 max(|a|, |b|, scale); both missing, or neither.
inline bool close_scaled(double a, double b, double scale, double tol = 1e-9) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= tol * std::max({std::abs(a), std::abs(b), scale});
}

/// The largest |got - want| / max(|got|, |want|, scale) seen by compare_column, for the report.
inline double& worst_scaled_error() {
  static double worst = 0;
  return worst;
}

/// Compares one computed column with the expected one; returns the mismatches (each reported).
inline int compare_column(const sequential_case& g, const std::string& column, const std::vector<double>& got,
                          double scale) {
  const std::vector<double>& want = g.number.at(column);
  if (got.size() != want.size()) {
    MESSAGE(g.label() << " " << column << ": " << got.size() << " points, want " << want.size());
    return 1;
  }
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!std::isnan(got[i]) && !std::isnan(want[i]))
      worst_scaled_error() = std::max(worst_scaled_error(), std::abs(got[i] - want[i]) /
                                                                std::max({std::abs(got[i]), std::abs(want[i]), scale}));
    if (!close_scaled(got[i], want[i], scale)) {
      if (++bad <= 3)
        MESSAGE(g.label() << " point " << i + 1 << " " << column << ": got " << fmt::format("{:.17g}", got[i])
                          << ", want " << fmt::format("{:.17g}", want[i]));
    }
  }
  return bad;
}

inline int compare_flags(const sequential_case& g, const std::string& column, const std::vector<std::uint8_t>& got) {
  const std::vector<std::string>& want = g.flag.at(column);
  if (got.size() != want.size()) return 1;
  int bad = 0;
  for (std::size_t i = 0; i < got.size(); ++i)
    if ((got[i] != 0) != truth(want[i])) {
      if (++bad <= 3) MESSAGE(g.label() << " point " << i + 1 << " " << column << ": got " << int(got[i]) << ", want " << want[i]);
    }
  return bad;
}

/// Parameters: 1e-9 relative.
inline int compare_parameter(const sequential_case& g, const std::string& name, double got) {
  const double want = g.expected.at(name);
  if (close(got, want)) return 0;
  MESSAGE(g.label() << " " << name << ": got " << fmt::format("{:.17g}", got) << ", want " << want);
  return 1;
}

}  // namespace spc::test
