// spc._core: the pybind11 bindings of the spc library for the Python package `spc`.
//
// The Python front end (bindings/python/spc) turns DataFrames and arrays into flat float64
// columns with series offsets (one series per group of `by=`, or a single series) and makes one
// call here:
//   - `compute_batch`: every chart of the batch, with its special-cause rules when asked for, by
//     the library's batch engine (spc::compute_batch, OpenMP over series);
//   - `compute_mdc_batch`: NHS "Making Data Count" charts for every series, by the same engine in
//     its MDC mode (spc::compute_mdc per series, with any other rules per period);
//   - `summarise_subgroups`: subgroup mean, size and sd of raw measurements (xbar, s).
// Every number of every chart is computed by the C++ library, never in Python. Bad data in a
// series is reported back as a list of problems (series, argument, index, problem), which the
// front end raises in the user's terms (column, row, group) or turns into a warning; a malformed
// call raises `spc._core.EngineError(argument, index, problem, series)`, a ValueError.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "spc/batch.hpp"
#include "spc/chart.hpp"
#include "spc/mdc.hpp"
#include "spc/rules.hpp"
#include "spc/subgroups.hpp"
#include "spc/types.hpp"
#include "spc/version.hpp"

namespace py = pybind11;

namespace {

using f64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using i64 = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
constexpr std::size_t no_series = std::numeric_limits<std::size_t>::max();

py::handle engine_error_type;  // spc._core.EngineError, set at module import

[[noreturn]] void raise_engine_error(const std::string& argument, std::size_t index, const std::string& problem,
                                     std::size_t series = no_series) {
  py::object idx = index == spc::input_error::npos ? py::object(py::none()) : py::object(py::int_(index));
  py::object ser = series == no_series ? py::object(py::none()) : py::object(py::int_(series));
  py::tuple args = py::make_tuple(argument, idx, problem, ser);
  PyErr_SetObject(engine_error_type.ptr(), args.ptr());
  throw py::error_already_set();
}

[[noreturn]] void bad_argument(const std::string& argument, const std::string& problem) {
  raise_engine_error(argument, spc::input_error::npos, problem);
}

template <class T>
std::span<const T> view(const py::array_t<T, py::array::c_style | py::array::forcecast>& a) {
  return {a.data(), static_cast<std::size_t>(a.size())};
}

template <class T>
std::span<T> mut(py::array_t<T>& a) {
  return {a.mutable_data(), static_cast<std::size_t>(a.size())};
}

std::span<std::uint8_t> bytes(py::array_t<bool>& a) {
  return {reinterpret_cast<std::uint8_t*>(a.mutable_data()), static_cast<std::size_t>(a.size())};
}

template <class T>
py::array_t<T> array_of(std::size_t size) {
  return py::array_t<T>(static_cast<py::ssize_t>(size));
}

// Series boundaries as the library takes them (std::size_t), checked.
std::vector<std::size_t> boundaries(const i64& offsets, std::size_t rows) {
  const auto off = view(offsets);
  if (off.empty()) bad_argument("offsets", "needs at least one boundary (0)");
  std::vector<std::size_t> out(off.size());
  for (std::size_t k = 0; k < off.size(); ++k) {
    if (off[k] < 0 || (k > 0 && off[k] < off[k - 1])) bad_argument("offsets", "must not decrease from 0");
    out[k] = static_cast<std::size_t>(off[k]);
  }
  if (out.front() != 0 || out.back() != rows) bad_argument("offsets", "must run from 0 to the number of rows");
  return out;
}

// Checks a CSR pair (values, offsets) of per-series 1-based positions.
void check_csr(const char* what, std::span<const std::int64_t> values, std::span<const std::int64_t> offsets,
               std::size_t groups) {
  if (offsets.size() != groups + 1 || offsets[0] != 0 ||
      offsets[groups] != static_cast<std::int64_t>(values.size()))
    bad_argument(what, "the offsets do not match the series");
  for (std::size_t g = 0; g < groups; ++g)
    if (offsets[g + 1] < offsets[g]) bad_argument(what, "the offsets must not decrease");
  for (auto v : values)
    if (v < 1) bad_argument(what, "positions are 1-based (the first point is 1)");
}

std::vector<std::size_t> positions_of(std::span<const std::int64_t> values, std::span<const std::int64_t> offsets,
                                      std::size_t g) {
  return {values.begin() + offsets[g], values.begin() + offsets[g + 1]};
}

bool same_options(const spc::chart_options& a, const spc::chart_options& b) {
  const bool same_cl = (std::isnan(a.cl) && std::isnan(b.cl)) || a.cl == b.cl;
  return a.freeze == b.freeze && same_cl && a.parts == b.parts && a.exclude == b.exclude;
}

py::list problems_list(const std::vector<spc::series_problem>& problems) {
  py::list out;
  for (const auto& p : problems) {
    const std::size_t index = p.error.index();
    out.append(py::make_tuple(p.series, p.error.argument(),
                              index == spc::input_error::npos ? py::object(py::none()) : py::object(py::int_(index)),
                              p.error.problem()));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Charts (the batch engine) and rules
// ---------------------------------------------------------------------------------------------

// Series g is y[offsets[g]:offsets[g+1]] (and n, sd alike); its options are freeze[g], cl[g],
// parts[parts_offsets[g]:parts_offsets[g+1]] and exclude[...] (1-based positions within the
// series). `rules` (comma-separated set or rule names) adds the rule engine's columns.
py::dict compute_batch(const f64& y, const std::optional<f64>& n, const std::optional<f64>& sd, const i64& offsets,
                       const std::string& chart, const std::string& method, bool screen, const i64& freeze,
                       const f64& cl, const i64& parts, const i64& parts_offsets, const i64& exclude,
                       const i64& exclude_offsets, const std::optional<std::string>& rules, int threads,
                       int mdc_trend, int mdc_shift, const std::string& two_in_three) {
  spc::chart_options base;
  const auto c = spc::parse_chart_type(chart);
  if (!c) bad_argument("chart", "unknown chart '" + chart + "'");
  base.chart = *c;
  const auto m = spc::parse_runs_method(method);
  if (!m) bad_argument("method", "unknown runs-analysis method '" + method + "'");
  base.method = *m;
  base.screen_mr = screen;

  spc::rule_options rule_opts;
  const bool with_rules = rules.has_value();
  if (with_rules) {
    const auto mask = spc::parse_rules(*rules);
    if (!mask) bad_argument("rules", "unknown rule or rule set in '" + *rules + "'");
    rule_opts.rules = *mask;
    rule_opts.mdc.trend = mdc_trend;
    rule_opts.mdc.shift = mdc_shift;
    const auto p23 = spc::parse_two_in_three_policy(two_in_three);
    if (!p23) bad_argument("two_in_three", "unknown policy '" + two_in_three + "'");
    rule_opts.mdc.two_in_three = *p23;
    if (auto problem = spc::find_problem(rule_opts)) raise_engine_error("rules", problem->index(), problem->problem());
  }

  const std::size_t N = static_cast<std::size_t>(y.size());
  const std::vector<std::size_t> off = boundaries(offsets, N);
  const std::size_t G = off.size() - 1;
  if (static_cast<std::size_t>(freeze.size()) != G || static_cast<std::size_t>(cl.size()) != G)
    bad_argument("options", "freeze and cl need one value per series");
  const auto fr = view(freeze), pv = view(parts), po = view(parts_offsets), ev = view(exclude),
             eo = view(exclude_offsets);
  const auto clv = view(cl);
  check_csr("part", pv, po, G);
  check_csr("exclude", ev, eo, G);
  for (std::size_t g = 0; g < G; ++g)
    if (fr[g] < 0) bad_argument("freeze", "must not be negative");

  // Option sets: consecutive series with the same options share one (usually one for all).
  std::vector<spc::chart_options> sets;
  std::vector<std::uint32_t> set_of_series(G);
  for (std::size_t g = 0; g < G; ++g) {
    spc::chart_options o = base;
    o.freeze = static_cast<std::size_t>(fr[g]);
    o.cl = clv[g];
    o.parts = positions_of(pv, po, g);
    o.exclude = positions_of(ev, eo, g);
    if (sets.empty() || !same_options(sets.back(), o)) sets.push_back(std::move(o));
    set_of_series[g] = static_cast<std::uint32_t>(sets.size() - 1);
  }
  if (sets.empty()) sets.push_back(base);

  py::array_t<double> o_y = array_of<double>(N), o_cl = array_of<double>(N), o_lcl = array_of<double>(N),
                      o_ucl = array_of<double>(N), o_lcl95 = array_of<double>(N), o_ucl95 = array_of<double>(N);
  py::array_t<std::int32_t> o_part = array_of<std::int32_t>(N);
  py::array_t<bool> o_base = array_of<bool>(N), o_inc = array_of<bool>(N), o_sig = array_of<bool>(N);
  const spc::chart_columns cols{mut(o_y),     mut(o_cl),     mut(o_lcl),   mut(o_ucl),   mut(o_lcl95),
                                mut(o_ucl95), mut(o_part),   bytes(o_base), bytes(o_inc), bytes(o_sig)};

  const std::span<const double> yv = view(y);
  const std::span<const double> nv = n ? view(*n) : std::span<const double>{};
  const std::span<const double> sv = sd ? view(*sd) : std::span<const double>{};
  spc::batch_input in{yv, nv, sv, off};
  spc::batch_options bo;
  bo.sets = sets;
  bo.set_of_series = set_of_series;
  bo.ratio = n.has_value();
  bo.threads = threads;
  spc::batch_summary sum;

  // Rule outputs (per point; per part in the summary): the same rules for every option set.
  py::array_t<std::uint32_t> r_fired = array_of<std::uint32_t>(with_rules ? N : 0);
  py::array_t<std::uint8_t> r_label = array_of<std::uint8_t>(with_rules ? N : 0);
  py::array_t<std::int8_t> r_dir = array_of<std::int8_t>(with_rules ? N : 0);
  std::vector<spc::batch_rules> rule_sets;
  spc::batch_rule_columns rule_cols;
  if (with_rules) {
    spc::batch_rules br;
    br.rules = rule_opts;
    rule_sets.assign(sets.size(), br);
    bo.rules = rule_sets;
    rule_cols.fired = mut(r_fired);
    rule_cols.label = std::span<spc::rule>(reinterpret_cast<spc::rule*>(r_label.mutable_data()), N);
    rule_cols.direction = mut(r_dir);
  }

  try {
    py::gil_scoped_release release;
    spc::compute_batch(in, bo, cols, rule_cols, sum);
  } catch (const spc::input_error& e) {
    raise_engine_error(e.argument(), e.index(), e.problem());
  }
  const std::vector<spc::rules_summary>& rule_parts = sum.rules;

  const std::size_t P = sum.parts.size();
  py::array_t<std::int64_t> p_series = array_of<std::int64_t>(P), p_first = array_of<std::int64_t>(P),
                            p_last = array_of<std::int64_t>(P);
  py::array_t<std::int32_t> p_part = array_of<std::int32_t>(P), p_nsig = array_of<std::int32_t>(P),
                            p_nobs = array_of<std::int32_t>(P), p_nuse = array_of<std::int32_t>(P),
                            p_lr = array_of<std::int32_t>(P), p_lrm = array_of<std::int32_t>(P),
                            p_nc = array_of<std::int32_t>(P), p_ncm = array_of<std::int32_t>(P);
  py::array_t<double> p_cl = array_of<double>(P), p_lcl = array_of<double>(P), p_ucl = array_of<double>(P);
  py::array_t<bool> p_signal = array_of<bool>(P), p_defined = array_of<bool>(P);
  {
    auto ps = mut(p_series), pf = mut(p_first), pl = mut(p_last);
    auto pp = mut(p_part), pns = mut(p_nsig), pno = mut(p_nobs), pnu = mut(p_nuse), plr = mut(p_lr),
         plrm = mut(p_lrm), pnc = mut(p_nc), pncm = mut(p_ncm);
    auto pcl = mut(p_cl), plcl = mut(p_lcl), pucl = mut(p_ucl);
    auto psig = bytes(p_signal), pdef = bytes(p_defined);
    for (std::size_t r = 0; r < P; ++r) {
      const spc::series_part& row = sum.parts[r];
      const spc::part_summary& p = row.summary;
      ps[r] = static_cast<std::int64_t>(row.series);
      pp[r] = p.part;
      pf[r] = static_cast<std::int64_t>(p.first);
      pl[r] = static_cast<std::int64_t>(p.last);
      pcl[r] = p.cl;
      plcl[r] = p.lcl;
      pucl[r] = p.ucl;
      pns[r] = p.n_sigma_signals;
      pno[r] = p.runs.n_obs;
      pnu[r] = p.runs.n_useful;
      plr[r] = p.runs.longest_run;
      plrm[r] = p.runs.longest_run_max;
      pnc[r] = p.runs.n_crossings;
      pncm[r] = p.runs.n_crossings_min;
      psig[r] = p.runs.runs_signal;
      pdef[r] = p.runs.defined();
    }
  }
  py::array_t<std::int64_t> o_part_off = array_of<std::int64_t>(G + 1);
  std::copy(sum.part_offsets.begin(), sum.part_offsets.end(), o_part_off.mutable_data());

  py::dict points;
  points["y"] = o_y;
  points["cl"] = o_cl;
  points["lcl"] = o_lcl;
  points["ucl"] = o_ucl;
  points["lcl_95"] = o_lcl95;
  points["ucl_95"] = o_ucl95;
  points["part"] = o_part;
  points["baseline"] = o_base;
  points["include"] = o_inc;
  points["sigma_signal"] = o_sig;
  py::dict partcols;
  partcols["series"] = p_series;
  partcols["part"] = p_part;
  partcols["first"] = p_first;
  partcols["last"] = p_last;
  partcols["cl"] = p_cl;
  partcols["lcl"] = p_lcl;
  partcols["ucl"] = p_ucl;
  partcols["n_sigma_signals"] = p_nsig;
  partcols["n_obs"] = p_nobs;
  partcols["n_useful"] = p_nuse;
  partcols["longest_run"] = p_lr;
  partcols["longest_run_max"] = p_lrm;
  partcols["n_crossings"] = p_nc;
  partcols["n_crossings_min"] = p_ncm;
  partcols["runs_signal"] = p_signal;
  partcols["runs_defined"] = p_defined;

  py::dict result;
  result["points"] = points;
  result["parts"] = partcols;
  result["part_offsets"] = o_part_off;
  result["problems"] = problems_list(sum.problems);
  result["option_sets"] = sets.size();

  if (with_rules) {
    py::array_t<std::uint32_t> q_eval = array_of<std::uint32_t>(P), q_fired = array_of<std::uint32_t>(P);
    py::array_t<std::int32_t> q_points(std::vector<py::ssize_t>{static_cast<py::ssize_t>(P),
                                                                static_cast<py::ssize_t>(spc::rule_count)});
    py::array_t<std::int32_t> q_ihi_useful = array_of<std::int32_t>(P), q_ihi_runs = array_of<std::int32_t>(P);
    py::array_t<double> q_ihi_lower = array_of<double>(P), q_ihi_upper = array_of<double>(P);
    auto ev_ = mut(q_eval), fi_ = mut(q_fired);
    auto iu = mut(q_ihi_useful), ir = mut(q_ihi_runs);
    auto il = mut(q_ihi_lower), iup = mut(q_ihi_upper);
    std::int32_t* qp = q_points.mutable_data();
    for (std::size_t r = 0; r < P; ++r) {
      const spc::rules_summary& s = rule_parts[r];
      ev_[r] = s.evaluated;
      fi_[r] = s.fired;
      iu[r] = s.ihi_useful;
      ir[r] = s.ihi_runs;
      il[r] = s.ihi_runs_lower;
      iup[r] = s.ihi_runs_upper;
      std::copy(s.points.begin(), s.points.end(), qp + r * spc::rule_count);
    }
    py::dict rp;
    rp["fired"] = r_fired;
    rp["label"] = r_label;
    rp["direction"] = r_dir;
    py::dict rs;
    rs["evaluated"] = q_eval;
    rs["fired"] = q_fired;
    rs["points"] = q_points;
    rs["ihi_useful"] = q_ihi_useful;
    rs["ihi_runs"] = q_ihi_runs;
    rs["ihi_runs_lower"] = q_ihi_lower;
    rs["ihi_runs_upper"] = q_ihi_upper;
    result["rule_points"] = rp;
    result["rule_parts"] = rs;
    result["rules_mask"] = rule_opts.rules;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// NHS Making Data Count
// ---------------------------------------------------------------------------------------------

py::dict compute_mdc_batch(const f64& y, const i64& offsets, const std::string& direction, const i64& rebase,
                           const i64& rebase_offsets, std::int64_t fix_after, bool screen, double target,
                           int trend, int shift, const std::string& two_in_three, int threads,
                           const std::optional<std::string>& rules, const std::optional<f64>& n) {
  spc::mdc_options base;
  const auto d = spc::parse_improvement_direction(direction);
  if (!d) bad_argument("improvement", "unknown improvement direction '" + direction + "'");
  base.direction = *d;
  if (fix_after < 0) bad_argument("freeze", "must not be negative");
  base.fix_after_n_points = static_cast<std::size_t>(fix_after);
  base.screen_outliers = screen;
  base.target = target;
  base.trend = trend;
  base.shift = shift;
  const auto p23 = spc::parse_two_in_three_policy(two_in_three);
  if (!p23) bad_argument("two_in_three", "unknown policy '" + two_in_three + "'");
  base.two_in_three = *p23;
  // Options wrong for every series alike, named as the library names them.
  if (auto problem = spc::find_problem(std::span<const double>{}, base))
    raise_engine_error(problem->argument(), problem->index(), problem->problem());

  // Other rules on top of the MDC rules, on each period's y, mean and process limits (as
  // `spc chart --rules mdc,...` does).
  spc::rule_options others;
  others.rules = 0;
  if (rules) {
    const auto mask = spc::parse_rules(*rules);
    if (!mask) bad_argument("rules", "unknown rule or rule set in '" + *rules + "'");
    others.rules = *mask & ~spc::rules_in(spc::rule_set::mdc);
    others.mdc.trend = trend;
    others.mdc.shift = shift;
    others.mdc.two_in_three = base.two_in_three;
    if (auto problem = spc::find_problem(others)) raise_engine_error("rules", problem->index(), problem->problem());
  }

  const std::size_t N = static_cast<std::size_t>(y.size());
  const std::vector<std::size_t> off = boundaries(offsets, N);
  const std::size_t G = off.size() - 1;
  const auto rv = view(rebase), ro = view(rebase_offsets);
  check_csr("rebase", rv, ro, G);

  // Option sets: consecutive series with the same rebase positions share one.
  std::vector<spc::chart_options> sets;
  std::vector<spc::batch_rules> rule_sets;
  std::vector<std::uint32_t> set_of_series(G);
  spc::chart_options i_chart;
  i_chart.chart = spc::chart_type::i;
  for (std::size_t g = 0; g < G; ++g) {
    std::vector<std::size_t> at = positions_of(rv, ro, g);
    for (std::size_t k = 1; k < at.size(); ++k)
      if (at[k] <= at[k - 1]) raise_engine_error("rebase", spc::input_error::npos, "positions must be strictly increasing", g);
    if (rule_sets.empty() || rule_sets.back().mdc->rebase != at) {
      spc::batch_rules br;
      br.rules = others;
      br.mdc = base;
      br.mdc->rebase = std::move(at);
      rule_sets.push_back(std::move(br));
      sets.push_back(i_chart);
    }
    set_of_series[g] = static_cast<std::uint32_t>(sets.size() - 1);
  }
  if (sets.empty()) {
    spc::batch_rules br;
    br.mdc = base;
    rule_sets.push_back(std::move(br));
    sets.push_back(i_chart);
  }

  py::array_t<double> o_y = array_of<double>(N);
  py::array_t<std::int32_t> o_period = array_of<std::int32_t>(N);
  py::array_t<double> o_mean = array_of<double>(N), o_lpl = array_of<double>(N), o_upl = array_of<double>(N);
  py::array_t<std::uint8_t> o_cause = array_of<std::uint8_t>(N), o_type = array_of<std::uint8_t>(N),
                            o_label = array_of<std::uint8_t>(N);
  py::array_t<std::uint32_t> o_fired = array_of<std::uint32_t>(N);
  spc::chart_columns cols;
  cols.y = mut(o_y);
  cols.cl = mut(o_mean);
  cols.lcl = mut(o_lpl);
  cols.ucl = mut(o_upl);
  cols.part = mut(o_period);
  spc::batch_rule_columns rule_cols;
  rule_cols.fired = mut(o_fired);
  rule_cols.label = std::span<spc::rule>(reinterpret_cast<spc::rule*>(o_label.mutable_data()), N);
  rule_cols.cause = std::span<spc::special_cause>(reinterpret_cast<spc::special_cause*>(o_cause.mutable_data()), N);
  rule_cols.type = std::span<spc::point_type>(reinterpret_cast<spc::point_type*>(o_type.mutable_data()), N);

  spc::batch_input in{view(y), n ? view(*n) : std::span<const double>{}, {}, off};
  spc::batch_options bo;
  bo.sets = sets;
  bo.set_of_series = set_of_series;
  bo.rules = rule_sets;
  bo.ratio = n.has_value();
  bo.threads = threads;
  spc::batch_summary sum;
  try {
    py::gil_scoped_release release;
    spc::compute_batch(in, bo, cols, rule_cols, sum);
  } catch (const spc::input_error& e) {
    raise_engine_error(e.argument(), e.index(), e.problem());
  }

  // The series results: the variation of the last period with a value, the assurance of the last
  // period (as spc::compute_mdc reports them).
  py::array_t<std::uint8_t> s_var = array_of<std::uint8_t>(G), s_ass = array_of<std::uint8_t>(G);
  py::array_t<bool> s_ok = array_of<bool>(G);
  {
    auto var = mut(s_var), ass = mut(s_ass);
    auto ok = bytes(s_ok);
    for (std::size_t g = 0; g < G; ++g) {
      var[g] = static_cast<std::uint8_t>(spc::point_type::common_cause);
      ass[g] = static_cast<std::uint8_t>(spc::assurance_type::none);
      ok[g] = sum.status[g] == spc::series_status::ok;
      for (std::size_t k = sum.part_offsets[g]; k < sum.part_offsets[g + 1]; ++k) {
        const spc::mdc_period& p = sum.periods[k];
        if (p.n_points > p.n_missing) var[g] = static_cast<std::uint8_t>(p.variation);
        ass[g] = static_cast<std::uint8_t>(p.assurance);
      }
    }
  }

  // One row per period of every computed series.
  const std::size_t K = sum.parts.size();
  py::array_t<std::int64_t> q_series = array_of<std::int64_t>(K), q_first = array_of<std::int64_t>(K),
                            q_last = array_of<std::int64_t>(K);
  py::array_t<std::int32_t> q_period = array_of<std::int32_t>(K), q_np = array_of<std::int32_t>(K),
                            q_nm = array_of<std::int32_t>(K), q_imp = array_of<std::int32_t>(K),
                            q_con = array_of<std::int32_t>(K), q_nh = array_of<std::int32_t>(K),
                            q_nl = array_of<std::int32_t>(K), q_cc = array_of<std::int32_t>(K);
  py::array_t<double> q_mean = array_of<double>(K), q_amr = array_of<double>(K), q_lpl = array_of<double>(K),
                      q_upl = array_of<double>(K);
  py::array_t<std::uint8_t> q_var = array_of<std::uint8_t>(K), q_ass = array_of<std::uint8_t>(K);
  py::array_t<bool> q_trial = array_of<bool>(K);
  py::array_t<std::uint32_t> q_fired = array_of<std::uint32_t>(K);
  py::array_t<std::int32_t> q_rule_points(std::vector<py::ssize_t>{static_cast<py::ssize_t>(K),
                                                                   static_cast<py::ssize_t>(spc::rule_count)});
  py::array_t<std::int32_t> q_ihi_useful = array_of<std::int32_t>(K), q_ihi_runs = array_of<std::int32_t>(K);
  py::array_t<double> q_ihi_lower = array_of<double>(K), q_ihi_upper = array_of<double>(K);
  {
    auto se = mut(q_series), fi = mut(q_first), la = mut(q_last);
    auto pe = mut(q_period), np_ = mut(q_np), nm = mut(q_nm), im = mut(q_imp), co = mut(q_con), nh = mut(q_nh),
         nl = mut(q_nl), cc = mut(q_cc);
    auto me = mut(q_mean), am = mut(q_amr), lp = mut(q_lpl), up = mut(q_upl);
    auto va = mut(q_var), as = mut(q_ass);
    auto tr = bytes(q_trial);
    auto fd = mut(q_fired);
    auto iu = mut(q_ihi_useful), ir = mut(q_ihi_runs);
    auto il = mut(q_ihi_lower), ih = mut(q_ihi_upper);
    std::int32_t* counts = q_rule_points.mutable_data();
    for (std::size_t r = 0; r < K; ++r) {
      const spc::mdc_period& p = sum.periods[r];
      const spc::rules_summary& rs = sum.rules[r];
      se[r] = static_cast<std::int64_t>(sum.parts[r].series);
      fi[r] = static_cast<std::int64_t>(p.first);
      la[r] = static_cast<std::int64_t>(p.last);
      pe[r] = p.period;
      np_[r] = p.n_points;
      nm[r] = p.n_missing;
      im[r] = p.improvement;
      co[r] = p.concern;
      nh[r] = p.neutral_high;
      nl[r] = p.neutral_low;
      cc[r] = p.common_cause;
      me[r] = p.mean;
      am[r] = p.amr;
      lp[r] = p.lpl;
      up[r] = p.upl;
      va[r] = static_cast<std::uint8_t>(p.variation);
      as[r] = static_cast<std::uint8_t>(p.assurance);
      tr[r] = p.trial_limits;
      // The rules of the period: which fired, and at how many points each.
      fd[r] = rs.fired;
      std::copy(rs.points.begin(), rs.points.end(), counts + r * spc::rule_count);
      iu[r] = rs.ihi_useful;
      ir[r] = rs.ihi_runs;
      il[r] = rs.ihi_runs_lower;
      ih[r] = rs.ihi_runs_upper;
    }
  }
  py::array_t<std::int64_t> o_koff = array_of<std::int64_t>(G + 1);
  std::copy(sum.part_offsets.begin(), sum.part_offsets.end(), o_koff.mutable_data());

  py::dict points;
  points["y"] = o_y;
  points["period"] = o_period;
  points["mean"] = o_mean;
  points["lpl"] = o_lpl;
  points["upl"] = o_upl;
  points["cause"] = o_cause;
  points["type"] = o_type;
  points["fired"] = o_fired;
  points["label"] = o_label;
  py::dict per;
  per["series"] = q_series;
  per["period"] = q_period;
  per["first"] = q_first;
  per["last"] = q_last;
  per["n_points"] = q_np;
  per["n_missing"] = q_nm;
  per["mean"] = q_mean;
  per["amr"] = q_amr;
  per["lpl"] = q_lpl;
  per["upl"] = q_upl;
  per["improvement"] = q_imp;
  per["concern"] = q_con;
  per["neutral_high"] = q_nh;
  per["neutral_low"] = q_nl;
  per["common_cause"] = q_cc;
  per["variation"] = q_var;
  per["assurance"] = q_ass;
  per["trial_limits"] = q_trial;
  per["rules_fired"] = q_fired;
  per["rule_points"] = q_rule_points;
  per["ihi_useful"] = q_ihi_useful;
  per["ihi_runs"] = q_ihi_runs;
  per["ihi_runs_lower"] = q_ihi_lower;
  per["ihi_runs_upper"] = q_ihi_upper;
  py::dict series;
  series["variation"] = s_var;
  series["assurance"] = s_ass;
  series["ok"] = s_ok;
  py::dict result;
  result["points"] = points;
  result["periods"] = per;
  result["period_offsets"] = o_koff;
  result["series"] = series;
  result["problems"] = problems_list(sum.problems);
  result["rules_mask"] = spc::rules_in(spc::rule_set::mdc) | others.rules;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Subgroups, names
// ---------------------------------------------------------------------------------------------

// Subgroup mean, size and sd of raw measurements (Xbar and S charts); codes are 0-based.
py::tuple summarise_subgroups(const f64& values, const i64& codes, std::int64_t count) {
  if (values.size() != codes.size()) bad_argument("subgroup", "needs one subgroup code per measurement");
  if (count < 0) bad_argument("subgroup", "the number of subgroups must not be negative");
  std::vector<std::size_t> sub(static_cast<std::size_t>(codes.size()));
  const auto cv = view(codes);
  for (std::size_t k = 0; k < sub.size(); ++k) {
    if (cv[k] < 0 || cv[k] >= count) bad_argument("subgroup", "a subgroup code is out of range");
    sub[k] = static_cast<std::size_t>(cv[k]);
  }
  spc::subgroup_summary s;
  try {
    py::gil_scoped_release release;
    s = spc::summarise_subgroups(view(values), sub, static_cast<std::size_t>(count));
  } catch (const spc::input_error& e) {
    raise_engine_error(e.argument(), e.index(), e.problem());
  }
  auto to_array = [](const std::vector<double>& v) {
    py::array_t<double> a = array_of<double>(v.size());
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
  };
  return py::make_tuple(to_array(s.mean), to_array(s.size), to_array(s.sd));
}

template <class E, class F>
py::list names(std::size_t count, F&& name) {
  py::list out;
  for (std::size_t k = 0; k < count; ++k) out.append(std::string(name(static_cast<E>(k))));
  return out;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "The C++ engine of spc (statistical process control); use spc.qic() instead.";
  static py::exception<spc::input_error> engine_error(m, "EngineError", PyExc_ValueError);
  engine_error_type = engine_error;
  m.attr("__version__") = SPC_VERSION_STRING;
#ifdef _OPENMP
  m.attr("openmp") = true;
#else
  m.attr("openmp") = false;
#endif
  m.def("chart_names", [] { return names<spc::chart_type>(spc::chart_type_count, [](auto c) { return spc::to_string(c); }); });
  m.def("method_names", [] { return names<spc::runs_method>(3, [](auto c) { return spc::to_string(c); }); });
  m.def("rule_names", [] { return names<spc::rule>(spc::rule_count + 1, [](auto r) { return spc::to_string(r); }); },
        "Rule names by rule number (the last is 'none').");
  m.def("rule_descriptions",
        [] { return names<spc::rule>(spc::rule_count + 1, [](auto r) { return spc::describe(r); }); });
  m.def("rule_set_names",
        [] { return names<spc::rule_set>(spc::rule_set_count, [](auto s) { return spc::to_string(s); }); });
  m.def("rule_mask", [](const std::string& list) -> py::object {
    const auto mask = spc::parse_rules(list);
    if (!mask) return py::none();
    return py::int_(*mask);
  }, "The rule mask of a comma-separated list of rule sets and rules, or None if unknown.");
  m.def("series_rules_mask", [] { return spc::series_rules; });
  m.def("special_cause_names",
        [] { return names<spc::special_cause>(9, [](auto c) { return spc::to_string(c); }); });
  m.def("special_cause_labels",
        [] { return names<spc::special_cause>(9, [](auto c) { return spc::ptd_label(c); }); },
        "NHSRplotthedots' special_cause_type labels, by special cause number.");
  m.def("point_type_names", [] { return names<spc::point_type>(5, [](auto t) { return spc::to_string(t); }); });
  m.def("point_type_labels", [] { return names<spc::point_type>(5, [](auto t) { return spc::ptd_label(t); }); },
        "NHSRplotthedots' point_type labels, by point type number.");
  m.def("assurance_names", [] { return names<spc::assurance_type>(4, [](auto a) { return spc::to_string(a); }); });
  m.def("compute_batch", &compute_batch, py::arg("y"), py::arg("n"), py::arg("sd"), py::arg("offsets"),
        py::arg("chart"), py::arg("method"), py::arg("screen"), py::arg("freeze"), py::arg("cl"), py::arg("parts"),
        py::arg("parts_offsets"), py::arg("exclude"), py::arg("exclude_offsets"), py::arg("rules") = py::none(),
        py::arg("threads") = 0, py::arg("mdc_trend") = 7, py::arg("mdc_shift") = 7,
        py::arg("two_in_three") = "band_only", "Every chart of a batch in one call of the batch engine (and the rule engine).");
  m.def("compute_mdc_batch", &compute_mdc_batch, py::arg("y"), py::arg("offsets"), py::arg("improvement"),
        py::arg("rebase"), py::arg("rebase_offsets"), py::arg("fix_after"), py::arg("screen"), py::arg("target"),
        py::arg("trend") = 7, py::arg("shift") = 7, py::arg("two_in_three") = "band_only", py::arg("threads") = 0,
        py::arg("rules") = py::none(), py::arg("n") = py::none(),
        "Every Making Data Count chart of a batch in one call (of y, or y / n with n, as the I chart plots it).");
  m.def("summarise_subgroups", &summarise_subgroups, py::arg("values"), py::arg("codes"), py::arg("count"),
        "Subgroup mean, size and standard deviation of raw measurements.");
}
