// The chart engine: validation, baseline flags (freeze, parts, exclude), the per-part dispatch to
// the chart functions, sigma signals and the runs analysis of each part.
#include "spc/chart.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "charts.hpp"

namespace spc {

namespace {

std::string number(double x) { return fmt::format("{:.15g}", x); }

// The common case first: passes without branches on the data that tell whether any value breaks
// a rule of check_values below (the same rules, not worded); only then does check_values look for
// the first such value. Problems are counted in a double so that the compiler can vectorise.
// (Comparisons with NaN are false: a missing value is never a problem.) The rules are the chart
// table's (spc/chart_type.hpp).
bool all_values_valid(const series_view& s, const chart_info& ci) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const bool subgroups = ci.subgroup_sd;
  const double below = ci.y_domain == value_domain::nonnegative ? 0.0 : -inf;  // y < below: a problem
  const double at_most = ci.y_domain == value_domain::positive ? 0.0 : -inf;   // y <= at_most: a problem
  const std::size_t m = s.y.size();
  double problems = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const double y = s.y[i];
    problems += (std::abs(y) == inf || y < below || y <= at_most) ? 1.0 : 0.0;
  }
  if (!s.n.empty() && subgroups) {
    for (std::size_t i = 0; i < m; ++i) {
      const double n = s.n[i];
      problems += (std::abs(n) == inf || n < 1 || (n != std::floor(n) && n == n)) ? 1.0 : 0.0;
    }
  } else if (!s.n.empty()) {
    const bool at_most_n = ci.y_at_most_n;
    const double* y = s.y.data();
    const double* n = s.n.data();
    for (std::size_t i = 0; i < m; ++i)
      problems += (std::abs(n[i]) == inf || n[i] <= 0 || (at_most_n && y[i] > n[i])) ? 1.0 : 0.0;
  }
  if (!s.sd.empty())
    for (std::size_t i = 0; i < m; ++i)
      problems += (std::abs(s.sd[i]) == inf || (subgroups && s.sd[i] < 0)) ? 1.0 : 0.0;
  return problems == 0;
}

std::optional<input_error> check_values(const series_view& s, const chart_info& ci) {
  if (all_values_valid(s, ci)) return std::nullopt;
  const std::string_view name = ci.name;
  const bool subgroups = ci.subgroup_sd;
  for (std::size_t i = 0; i < s.y.size(); ++i) {
    const double y = s.y[i];
    if (std::isinf(y)) return input_error("y", i, fmt::format("the value {} is not finite", number(y)));
    if (!s.n.empty() && std::isinf(s.n[i]))
      return input_error("n", i, fmt::format("the denominator {} is not finite", number(s.n[i])));
    if (!s.sd.empty() && std::isinf(s.sd[i]))
      return input_error("sd", i, fmt::format("the standard deviation {} is not finite", number(s.sd[i])));
    if (ci.y_domain == value_domain::nonnegative && y < 0)
      return input_error("y", i, fmt::format("{} cannot be negative ({}) in a {} chart", ci.y_noun, number(y), name));
    if (ci.y_domain == value_domain::positive && y <= 0)
      return input_error("y", i, fmt::format("{} must be positive ({}) in a {} chart", ci.y_noun, number(y), name));
    if (!s.n.empty() && !std::isnan(s.n[i])) {
      const double n = s.n[i];
      if (subgroups) {
        if (n < 1 || n != std::floor(n))
          return input_error("n", i, fmt::format("the subgroup size must be a whole number of at least 1 ({})",
                                                 number(n)));
      } else if (n <= 0) {
        return input_error("n", i, fmt::format("the denominator must be positive ({})", number(n)));
      }
      if (ci.y_at_most_n && y > n)
        return input_error("y", i, fmt::format("the numerator {} is above its denominator {} in a {} chart",
                                               number(y), number(n), name));
    }
    if (subgroups && !s.sd.empty() && s.sd[i] < 0)
      return input_error("sd", i, fmt::format("a standard deviation cannot be negative ({})", number(s.sd[i])));
  }
  return std::nullopt;
}

}  // namespace

std::optional<input_error> check_inputs(const chart_info& ci, bool has_n, bool has_sd) {
  const std::string_view name = ci.name;
  if (ci.denominator == denominator_use::required && !has_n)
    return input_error("n", input_error::npos,
                       ci.subgroup_sd ? fmt::format("a {} chart needs the subgroup sizes", name)
                                      : fmt::format("a {} chart needs a denominator", name));
  if (ci.subgroup_sd && !has_sd)
    return input_error("sd", input_error::npos,
                       fmt::format("a {} chart needs the subgroup standard deviations", name));
  if (has_n && ci.denominator == denominator_use::none)
    return input_error("n", input_error::npos,
                       fmt::format("a {} chart takes no denominator (for rates use the u chart, for "
                                   "proportions the p chart)",
                                   name));
  if (has_sd && !ci.subgroup_sd)
    return input_error("sd", input_error::npos,
                       fmt::format("a {} chart takes no subgroup standard deviations (only the xbar and "
                                   "s charts do)",
                                   name));
  return std::nullopt;
}

std::optional<input_error> find_problem(const series_view& s, const chart_options& o) {
  const std::size_t m = s.y.size();
  const chart_info& ci = info(o.chart);
  if (ci.sequential())
    return input_error("chart", input_error::npos,
                       fmt::format("the {} chart is a sequential chart: spc::qic computes the run and Shewhart "
                                   "charts; use spc::{} (spc/sequential.hpp)",
                                   ci.name, ci.type == chart_type::bernoulli ? "bernoulli_cusum" : ci.name));
  if (!s.n.empty() && s.n.size() != m)
    return input_error("n", input_error::npos,
                       fmt::format("has {} values but y has {}: the columns must have the same length",
                                   s.n.size(), m));
  if (!s.sd.empty() && s.sd.size() != m)
    return input_error("sd", input_error::npos,
                       fmt::format("has {} values but y has {}: the columns must have the same length",
                                   s.sd.size(), m));
  if (auto problem = check_inputs(ci, !s.n.empty(), !s.sd.empty())) return problem;
  if (o.freeze > m)
    return input_error("freeze", input_error::npos,
                       fmt::format("{} is beyond the series, which has {} points", o.freeze, m));
  for (std::size_t k = 0; k < o.parts.size(); ++k) {
    const std::size_t p = o.parts[k];
    if (p < 1 || p >= m)
      return input_error("parts", input_error::npos,
                         fmt::format("a part must end at a position from 1 to {} (the last point "
                                     "ends the last part), not {}",
                                     m > 0 ? m - 1 : 0, p));
    if (k > 0 && p <= o.parts[k - 1])
      return input_error("parts", input_error::npos,
                         fmt::format("positions must be strictly increasing ({} after {})", p, o.parts[k - 1]));
  }
  for (std::size_t p : o.exclude)
    if (p < 1 || p > m)
      return input_error("exclude", input_error::npos,
                         fmt::format("position {} does not exist (the series has {} points)", p, m));
  if (std::isinf(o.cl)) return input_error("cl", input_error::npos, "the centre line must be finite");
  return check_values(s, ci);
}

void validate(const series_view& s, const chart_options& o) {
  if (auto problem = find_problem(s, o)) throw *problem;
}

void qic_into(const series_view& s, const chart_options& o, const chart_columns& out,
              std::vector<part_summary>& parts, workspace& workspace) {
  validate(s, o);
  parts.clear();
  detail::chart_scratch& ws = workspace.scratch;
  const std::size_t m = s.y.size();
  if (m == 0) return;

  // Columns the caller did not ask for are computed in the workspace.
  auto column = [m](std::span<double> given, std::vector<double>& own) {
    if (!given.empty()) return given;
    own.resize(m);
    return std::span<double>(own);
  };
  const std::span<double> y = column(out.y, ws.y), cl = column(out.cl, ws.cl),
                          lcl = column(out.lcl, ws.lcl), ucl = column(out.ucl, ws.ucl),
                          lcl_95 = column(out.lcl_95, ws.lcl_95), ucl_95 = column(out.ucl_95, ws.ucl_95);

  // Flags: include (not excluded); use = in the estimation set B (included and within freeze;
  // everything when parts are given).
  const std::size_t freeze = (o.parts.empty() && o.freeze > 0) ? o.freeze : m;
  ws.include.assign(m, 1);
  for (std::size_t p : o.exclude) ws.include[p - 1] = 0;
  ws.use.assign(ws.include.begin(), ws.include.end());
  std::fill(ws.use.begin() + static_cast<std::ptrdiff_t>(freeze), ws.use.end(), std::uint8_t{0});

  const detail::chart_function fn = detail::chart_function_for(o.chart);
  const chart_info& fn_info = info(o.chart);
  // Byte columns are written through local spans: a store through a byte pointer may alias
  // anything, which would make the compiler reload every span from memory in every iteration.
  const std::span<std::uint8_t> signal_out = out.sigma_signal;
  const std::span<std::int32_t> part_out = out.part;
  std::size_t first = 0;
  for (std::size_t k = 0; k <= o.parts.size(); ++k) {
    const std::size_t end = k < o.parts.size() ? o.parts[k] : m;
    const std::size_t len = end - first;
    auto slice = [&](auto span) { return span.empty() ? span : span.subspan(first, len); };
    detail::part_input in;
    in.value = s.y.subspan(first, len);
    in.n = slice(s.n);
    in.sd = slice(s.sd);
    in.use = std::span<const std::uint8_t>(ws.use).subspan(first, len);
    in.fixed_cl = o.cl;
    in.screen_mr = o.screen_mr;
    const detail::part_output po{y.subspan(first, len),      cl.subspan(first, len),
                                 lcl.subspan(first, len),    ucl.subspan(first, len),
                                 lcl_95.subspan(first, len), ucl_95.subspan(first, len)};
    fn(in, po, ws);

    part_summary ps;
    ps.part = static_cast<std::int32_t>(k + 1);
    ps.first = first;
    ps.last = end - 1;
    ps.cl = cl[end - 1];
    ps.lcl = lcl[end - 1];
    ps.ucl = ucl[end - 1];
    // Sigma signals: strictly outside the limits; a missing y or limit never signals.
    std::int32_t signals = 0, missing = 0;
    const double *py = y.data(), *plcl = lcl.data(), *pucl = ucl.data();
    if (signal_out.empty()) {
      for (std::size_t i = first; i < end; ++i) {
        signals += (py[i] > pucl[i]) | (py[i] < plcl[i]);
        missing += py[i] != py[i];
      }
    } else {
      std::uint8_t* flag = signal_out.data();
      for (std::size_t i = first; i < end; ++i) {
        const bool signal = (py[i] > pucl[i]) | (py[i] < plcl[i]);
        signals += signal;
        missing += py[i] != py[i];
        flag[i] = signal;
      }
    }
    std::int32_t excluded = 0;
    if (!o.exclude.empty())
      for (std::size_t i = first; i < end; ++i) excluded += ws.include[i] == 0;
    ps.n_missing = missing;
    ps.n_excluded = excluded;
    ps.n_sigma_signals = signals;
    if (!part_out.empty()) std::fill(part_out.begin() + static_cast<std::ptrdiff_t>(first),
                                     part_out.begin() + static_cast<std::ptrdiff_t>(end), ps.part);
    ps.runs = runs_analysis(po.y, po.cl, std::span<const std::uint8_t>(ws.include).subspan(first, len),
                            o.method);
    // chart_info::runs_signal: an MR chart's runs analysis never signals.
    if (!fn_info.runs_signal) ps.runs.runs_signal = false;
    parts.push_back(ps);
    first = end;
  }
  if (!out.baseline.empty()) {
    const std::span<std::uint8_t> baseline = out.baseline;
    std::fill(baseline.begin(), baseline.begin() + static_cast<std::ptrdiff_t>(freeze), std::uint8_t{1});
    std::fill(baseline.begin() + static_cast<std::ptrdiff_t>(freeze), baseline.end(), std::uint8_t{0});
  }
  if (!out.include.empty()) std::copy(ws.include.begin(), ws.include.end(), out.include.begin());
}

chart_columns chart_result::columns() noexcept {
  return chart_columns{y, cl, lcl, ucl, lcl_95, ucl_95, part, baseline, include, sigma_signal};
}

chart_result qic(const series_view& s, const chart_options& o) {
  chart_result r;
  r.chart = o.chart;
  const std::size_t m = s.y.size();
  for (auto* v : {&r.y, &r.cl, &r.lcl, &r.ucl, &r.lcl_95, &r.ucl_95}) v->resize(m);
  r.part.resize(m);
  r.baseline.resize(m);
  r.include.resize(m);
  r.sigma_signal.resize(m);
  workspace ws;
  qic_into(s, o, r.columns(), r.parts, ws);
  return r;
}

chart_result qic(std::span<const double> y, std::span<const double> n, const chart_options& o) {
  return qic(series_view{y, n, {}}, o);
}

void multiply(chart_result& r, double k) noexcept {
  for (auto* column : {&r.y, &r.cl, &r.lcl, &r.ucl, &r.lcl_95, &r.ucl_95})
    for (double& v : *column) v *= k;
  for (part_summary& p : r.parts) {
    p.cl *= k;
    p.lcl *= k;
    p.ucl *= k;
  }
}

}  // namespace spc
