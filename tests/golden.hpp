// golden.hpp: reads the golden suites (tests/data/golden) for the tests.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "io/csv_writer.hpp"
#include "spc/chart.hpp"
#include "spc/mdc.hpp"

namespace spc::test {

inline std::string data_path(const std::string& relative) { return std::string(SPC_TEST_DATA) + "/" + relative; }

/// Relative closeness as the golden README asks: |a - b| <= tol * max(|a|, |b|), both missing, or
/// both (near) zero.
inline bool close(double a, double b, double tol = 1e-9) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  const double scale = std::max(std::abs(a), std::abs(b));
  return std::abs(a - b) <= tol * scale || std::abs(a - b) < 1e-12;
}

inline std::vector<std::size_t> positions(const std::string& cell) {
  std::vector<std::size_t> out;
  std::size_t start = 0;
  while (start < cell.size()) {
    std::size_t end = cell.find(';', start);
    if (end == std::string::npos) end = cell.size();
    if (end > start) out.push_back(std::stoul(cell.substr(start, end - start)));
    start = end + 1;
  }
  return out;
}

inline bool truth(const std::string& cell) { return cell == "TRUE" || cell == "true" || cell == "True"; }

struct golden_point {
  double value, denominator, subgroup_sd, y, cl, lcl, ucl, lcl_95, ucl_95;
  int part;
  bool baseline, include, sigma_signal;
};

struct golden_case {
  int id = 0;
  chart_options options;
  std::vector<double> value, denominator, subgroup_sd;
  std::vector<golden_point> points;
  std::vector<runs_result> parts;
  series_view series() const {
    series_view s{value};
    if (needs_denominator(options.chart)) s.n = denominator;
    if (needs_subgroup_sd(options.chart)) s.sd = subgroup_sd;
    return s;
  }
};

/// Every case of tests/data/golden/qicharts2, in id order.
inline const std::vector<golden_case>& qicharts2_cases() {
  static const std::vector<golden_case> cases = [] {
    const auto c = io::read_csv(data_path("golden/qicharts2/cases.csv"));
    const auto p = io::read_csv(data_path("golden/qicharts2/points.csv"));
    const auto r = io::read_csv(data_path("golden/qicharts2/parts.csv"));
    std::vector<golden_case> out;
    std::map<int, std::size_t> index;
    const auto ids = c.numbers("id"), freeze = c.numbers("freeze"), fixed = c.numbers("fixed_cl");
    for (std::size_t k = 0; k < c.rows; ++k) {
      golden_case g;
      g.id = static_cast<int>(ids[k]);
      g.options.chart = *parse_chart_type(c.cells[c.column("chart")][k]);
      g.options.freeze = std::isnan(freeze[k]) ? 0 : static_cast<std::size_t>(freeze[k]);
      g.options.parts = positions(c.cells[c.column("parts")][k]);
      g.options.exclude = positions(c.cells[c.column("exclude")][k]);
      g.options.method = *parse_runs_method(c.cells[c.column("method")][k]);
      g.options.cl = fixed[k];
      index[g.id] = out.size();
      out.push_back(std::move(g));
    }
    const auto pid = p.numbers("id"), value = p.numbers("value"), den = p.numbers("denominator"),
               sd = p.numbers("subgroup_sd"), y = p.numbers("y"), cl = p.numbers("cl"), lcl = p.numbers("lcl"),
               ucl = p.numbers("ucl"), lcl95 = p.numbers("lcl_95"), ucl95 = p.numbers("ucl_95"),
               part = p.numbers("part");
    const auto& base = p.cells[p.column("baseline")];
    const auto& inc = p.cells[p.column("include")];
    const auto& sig = p.cells[p.column("sigma_signal")];
    for (std::size_t k = 0; k < p.rows; ++k) {
      auto& g = out[index.at(static_cast<int>(pid[k]))];
      g.value.push_back(value[k]);
      g.denominator.push_back(den[k]);
      g.subgroup_sd.push_back(sd[k]);
      g.points.push_back({value[k], den[k], sd[k], y[k], cl[k], lcl[k], ucl[k], lcl95[k], ucl95[k],
                          static_cast<int>(part[k]), truth(base[k]), truth(inc[k]), truth(sig[k])});
    }
    const auto rid = r.numbers("id"), n_obs = r.numbers("n_obs"), n_useful = r.numbers("n_useful"),
               lr = r.numbers("longest_run"), lrm = r.numbers("longest_run_max"), nc = r.numbers("n_crossings"),
               ncm = r.numbers("n_crossings_min");
    const auto& rs = r.cells[r.column("runs_signal")];
    auto as_int = [](double x) { return std::isnan(x) ? 0 : static_cast<std::int32_t>(x); };
    for (std::size_t k = 0; k < r.rows; ++k) {
      runs_result rr;
      rr.n_obs = as_int(n_obs[k]);
      rr.n_useful = as_int(n_useful[k]);
      rr.longest_run = as_int(lr[k]);
      rr.longest_run_max = as_int(lrm[k]);
      rr.n_crossings = as_int(nc[k]);
      rr.n_crossings_min = as_int(ncm[k]);
      rr.runs_signal = truth(rs[k]);
      out[index.at(static_cast<int>(rid[k]))].parts.push_back(rr);
    }
    return out;
  }();
  return cases;
}

/// Checks a computed chart against a golden case, point by point and part by part; returns the
/// number of mismatches (each reported with its case, point and column).
inline int compare(const golden_case& g, const chart_result& r) {
  int bad = 0;
  auto num = [&](const char* column, std::size_t i, double got, double want) {
    if (!close(got, want)) {
      ++bad;
      MESSAGE("case " << g.id << " (" << to_string(g.options.chart) << ") point " << i + 1 << " " << column
                      << ": got " << got << ", want " << want);
    }
  };
  auto flag = [&](const char* column, std::size_t i, long got, long want) {
    if (got != want) {
      ++bad;
      MESSAGE("case " << g.id << " (" << to_string(g.options.chart) << ") point " << i + 1 << " " << column
                      << ": got " << got << ", want " << want);
    }
  };
  if (r.size() != g.points.size()) {
    MESSAGE("case " << g.id << ": " << r.size() << " points, want " << g.points.size());
    return 1;
  }
  for (std::size_t i = 0; i < r.size(); ++i) {
    const auto& w = g.points[i];
    num("y", i, r.y[i], w.y);
    num("cl", i, r.cl[i], w.cl);
    num("lcl", i, r.lcl[i], w.lcl);
    num("ucl", i, r.ucl[i], w.ucl);
    num("lcl_95", i, r.lcl_95[i], w.lcl_95);
    num("ucl_95", i, r.ucl_95[i], w.ucl_95);
    flag("part", i, r.part[i], w.part);
    flag("baseline", i, r.baseline[i], w.baseline);
    flag("include", i, r.include[i], w.include);
    flag("sigma_signal", i, r.sigma_signal[i], w.sigma_signal);
  }
  if (r.parts.size() != g.parts.size()) {
    MESSAGE("case " << g.id << ": " << r.parts.size() << " parts, want " << g.parts.size());
    return bad + 1;
  }
  for (std::size_t k = 0; k < r.parts.size(); ++k) {
    const auto& got = r.parts[k].runs;
    const auto& want = g.parts[k];
    if (!(got == want)) {
      ++bad;
      MESSAGE("case " << g.id << " (" << to_string(g.options.chart) << ") part " << k + 1 << " runs: got n_obs "
                      << got.n_obs << " n_useful " << got.n_useful << " L " << got.longest_run << "/"
                      << got.longest_run_max << " C " << got.n_crossings << "/" << got.n_crossings_min << " signal "
                      << got.runs_signal << "; want n_obs " << want.n_obs << " n_useful " << want.n_useful << " L "
                      << want.longest_run << "/" << want.longest_run_max << " C " << want.n_crossings << "/"
                      << want.n_crossings_min << " signal " << want.runs_signal);
    }
  }
  return bad;
}

// --- The Making Data Count suite (tests/data/golden/mdc, NHSRplotthedots 0.2.2) ----------------

struct mdc_golden_point {
  double value, mean, lpl, upl;
  int rebase_group;
  std::string cause, type;
};

struct mdc_golden_case {
  int id = 0;
  mdc_options options;
  std::string variation, assurance;
  std::vector<double> value;
  std::vector<mdc_golden_point> points;
};

/// Every case of tests/data/golden/mdc, in file order.
inline const std::vector<mdc_golden_case>& mdc_golden_cases() {
  static const std::vector<mdc_golden_case> cases = [] {
    const auto c = io::read_csv(data_path("golden/mdc/mdc_cases.csv"));
    const auto p = io::read_csv(data_path("golden/mdc/mdc_points.csv"));
    std::vector<mdc_golden_case> out;
    std::map<int, std::size_t> index;
    const auto ids = c.numbers("id"), fix = c.numbers("fix_after_n_points"),
               target = c.numbers("target");
    for (std::size_t k = 0; k < c.rows; ++k) {
      mdc_golden_case g;
      g.id = static_cast<int>(ids[k]);
      const auto& direction = c.cells[c.column("improvement_direction")][k];
      g.options.direction = *parse_improvement_direction(direction);
      g.options.fix_after_n_points = std::isnan(fix[k]) ? 0 : static_cast<std::size_t>(fix[k]);
      g.options.rebase = positions(c.cells[c.column("rebase")][k]);
      g.options.screen_outliers = truth(c.cells[c.column("screen_outliers")][k]);
      g.options.target = target[k];
      g.variation = c.cells[c.column("variation")][k];
      g.assurance = c.cells[c.column("assurance")][k];
      index[g.id] = out.size();
      out.push_back(std::move(g));
    }
    const auto pid = p.numbers("id"), value = p.numbers("value"), group = p.numbers("rebase_group"),
               mean = p.numbers("mean"), lpl = p.numbers("lpl"), upl = p.numbers("upl");
    const auto& cause = p.cells[p.column("special_cause_type")];
    const auto& type = p.cells[p.column("point_type")];
    for (std::size_t k = 0; k < p.rows; ++k) {
      auto& g = out[index.at(static_cast<int>(pid[k]))];
      g.value.push_back(value[k]);
      g.points.push_back(
          {value[k], mean[k], lpl[k], upl[k], static_cast<int>(group[k]), cause[k], type[k]});
    }
    return out;
  }();
  return cases;
}

}  // namespace spc::test
