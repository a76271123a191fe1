// phases_golden.hpp: reads the golden suite of automatic phases (tests/data/golden/phases, its
// README gives the columns) for the tests.
#pragma once

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "golden.hpp"
#include "io/csv_reader.hpp"
#include "spc/phases.hpp"

namespace spc::test {

struct golden_phase {
  int part = 0;
  std::size_t first = 0, last = 0;  // 1-based, as in the files
  double cl = na;
  std::string reason;
  std::optional<std::size_t> evidence_first, evidence_last;
  double statistic = na, limit = na;
  std::string notes;
};

struct phase_golden_case {
  std::string id;
  std::string chart;  // run, i, c, p, u, or mdc
  bool runcharter = false;
  bool expect_error = false;
  std::string improvement;  // mdc only
  phase_options phases;
  std::vector<double> y, n;   // n: p and u only (empty otherwise)
  std::vector<int> part;      // expected, per point
  std::vector<double> cl;
  std::vector<golden_phase> expected;

  bool mdc() const { return chart == "mdc"; }
  /// The chart the phases are proposed on (the MDC mode: its I chart).
  chart_options chart_options_() const {
    chart_options o;
    o.chart = mdc() ? chart_type::i : *parse_chart_type(chart);
    return o;
  }
  series_view series() const {
    series_view s{y};
    if (!n.empty()) s.n = n;
    return s;
  }
  /// The command-line options of the case (after `spc chart`), without input and outputs.
  std::string cli_options() const {
    std::string s = mdc() ? "--chart i --rules mdc --improvement " + improvement : "--chart " + chart;
    s += " --phases auto --phase-method " + std::string(to_string(phases.method));
    if (phases.min_phase) s += " --min-phase " + std::to_string(*phases.min_phase);
    if (phases.runlength) s += " --runlength " + std::to_string(*phases.runlength);
    if (phases.direction != phase_direction::both) s += " --direction " + std::string(to_string(phases.direction));
    if (phases.alpha) s += " --alpha " + fmt_number(*phases.alpha);
    if (phases.med_rows) s += " --med-rows " + std::to_string(*phases.med_rows);
    return s;
  }
  static std::string fmt_number(double v) {
    std::string s = std::to_string(v);
    while (!s.empty() && s.back() == '0') s.pop_back();
    return s;
  }
};

namespace detail_golden {

inline std::optional<int> int_cell(const std::string& cell) {
  if (cell.empty()) return std::nullopt;
  return std::stoi(cell);
}

inline void read_phases(const std::string& file, std::vector<phase_golden_case>& cases,
                        const std::map<std::string, std::size_t>& index) {
  const auto t = io::read_csv(data_path(file));
  const auto& id = t.cells[t.column("id")];
  const auto part = t.numbers("part"), first = t.numbers("first"), last = t.numbers("last"), cl = t.numbers("cl");
  const auto& reason = t.cells[t.column("reason")];
  const auto ef = t.numbers("evidence_first"), el = t.numbers("evidence_last");
  const bool stats = t.has("statistic");
  for (std::size_t k = 0; k < t.rows; ++k) {
    golden_phase p;
    p.part = static_cast<int>(part[k]);
    p.first = static_cast<std::size_t>(first[k]);
    p.last = static_cast<std::size_t>(last[k]);
    p.cl = cl[k];
    p.reason = reason[k];
    if (!std::isnan(ef[k])) p.evidence_first = static_cast<std::size_t>(ef[k]);
    if (!std::isnan(el[k])) p.evidence_last = static_cast<std::size_t>(el[k]);
    if (stats) {
      p.statistic = t.numbers("statistic")[k];
      p.limit = t.numbers("limit")[k];
      p.notes = t.cells[t.column("notes")][k];
    }
    cases[index.at(id[k])].expected.push_back(p);
  }
}

}  // namespace detail_golden

/// The anhoej and changepoint cases (auto_*.csv), in file order.
inline const std::vector<phase_golden_case>& auto_phase_cases() {
  static const std::vector<phase_golden_case> cases = [] {
    std::vector<phase_golden_case> out;
    std::map<std::string, std::size_t> index;
    const auto c = io::read_csv(data_path("golden/phases/auto_cases.csv"));
    for (std::size_t k = 0; k < c.rows; ++k) {
      phase_golden_case g;
      auto cell = [&](const char* name) { return c.cells[c.column(name)][k]; };
      g.id = cell("id");
      g.chart = cell("chart");
      g.phases.method = *parse_phase_method(cell("method"));
      g.phases.min_phase = detail_golden::int_cell(cell("min_phase"));
      g.phases.runlength = detail_golden::int_cell(cell("runlength"));
      if (!cell("direction").empty()) g.phases.direction = *parse_phase_direction(cell("direction"));
      if (!cell("alpha").empty()) g.phases.alpha = std::stod(cell("alpha"));
      g.improvement = cell("improvement");
      index[g.id] = out.size();
      out.push_back(std::move(g));
    }
    const auto p = io::read_csv(data_path("golden/phases/auto_points.csv"));
    const auto& id = p.cells[p.column("id")];
    const auto y = p.numbers("y"), n = p.numbers("n"), part = p.numbers("part"), cl = p.numbers("cl");
    for (std::size_t k = 0; k < p.rows; ++k) {
      phase_golden_case& g = out[index.at(id[k])];
      g.y.push_back(y[k]);
      if (g.chart == "p" || g.chart == "u") g.n.push_back(n[k]);
      g.part.push_back(static_cast<int>(part[k]));
      g.cl.push_back(cl[k]);
    }
    detail_golden::read_phases("golden/phases/auto_phases.csv", out, index);
    return out;
  }();
  return cases;
}

/// The runcharter cases (runcharter_*.csv), in file order.
inline const std::vector<phase_golden_case>& runcharter_phase_cases() {
  static const std::vector<phase_golden_case> cases = [] {
    std::vector<phase_golden_case> out;
    std::map<std::string, std::size_t> index;
    const auto c = io::read_csv(data_path("golden/phases/runcharter_cases.csv"));
    for (std::size_t k = 0; k < c.rows; ++k) {
      phase_golden_case g;
      auto cell = [&](const char* name) { return c.cells[c.column(name)][k]; };
      g.id = cell("id");
      g.chart = "run";
      g.runcharter = true;
      g.phases.method = phase_method::runcharter;
      g.phases.med_rows = std::stoi(cell("med_rows"));
      g.phases.runlength = std::stoi(cell("runlength"));
      g.phases.direction = *parse_phase_direction(cell("direction"));
      g.expect_error = cell("expect_error") == "true";
      index[g.id] = out.size();
      out.push_back(std::move(g));
    }
    const auto p = io::read_csv(data_path("golden/phases/runcharter_points.csv"));
    const auto& id = p.cells[p.column("id")];
    const auto y = p.numbers("y"), part = p.numbers("part"), cl = p.numbers("cl");
    for (std::size_t k = 0; k < p.rows; ++k) {
      phase_golden_case& g = out[index.at(id[k])];
      g.y.push_back(y[k]);
      g.part.push_back(std::isnan(part[k]) ? 0 : static_cast<int>(part[k]));
      g.cl.push_back(cl[k]);
    }
    detail_golden::read_phases("golden/phases/runcharter_phases.csv", out, index);
    return out;
  }();
  return cases;
}

}  // namespace spc::test
