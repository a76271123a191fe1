// The batch engine: many series through spc::qic_into (and the rule engine, or spc::mdc_chart_into in
// the Making Data Count mode), in parallel over series (OpenMP).
//
// Determinism: every series is computed by spc::qic_into (spc::mdc_chart_into) alone with a workspace
// of its thread, and writes only to its own rows of the per-point columns and to its own summary
// rows, whose positions are counted (as an upper bound) before the parallel loop. The results
// therefore do not depend on the number of threads or on the order in which the threads take the
// series.
#include "spc/batch.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "offsets.hpp"

#if defined(SPC_HAVE_OPENMP)
#include <omp.h>
#endif

namespace spc {

namespace {

// The chart that automatic phases propose on: the set's own, or in the MDC mode the I chart of the
// values with the MDC screening.
chart_options phase_chart(const chart_options& set, const batch_rules* r) {
  if (!r || !r->mdc) return set;
  chart_options i;
  i.chart = chart_type::i;
  i.screen_mr = r->mdc->screen_outliers;
  return i;
}

void check_call(const batch_input& in, const batch_options& o, const chart_columns& out) {
  const std::size_t rows = in.y.size();
  detail::check_offsets(in.offsets, rows);
  if (!in.n.empty() && in.n.size() != rows)
    throw input_error("n", input_error::npos,
                      fmt::format("has {} values but y has {}: the columns must have the same length", in.n.size(), rows));
  if (!in.sd.empty() && in.sd.size() != rows)
    throw input_error("sd", input_error::npos,
                      fmt::format("has {} values but y has {}: the columns must have the same length", in.sd.size(), rows));

  const std::size_t S = in.series_count();
  if (o.sets.empty()) throw input_error("sets", input_error::npos, "a batch needs at least one option set");
  if (o.set_of_series.empty()) {
    if (o.sets.size() != 1 && o.sets.size() != S)
      throw input_error("sets", input_error::npos,
                        fmt::format("has {} option sets for {} series: give one, one per series, or "
                                    "set_of_series",
                                    o.sets.size(), S));
  } else {
    if (o.set_of_series.size() != S)
      throw input_error("set_of_series", input_error::npos,
                        fmt::format("has {} entries for {} series", o.set_of_series.size(), S));
    for (std::size_t s = 0; s < S; ++s)
      if (o.set_of_series[s] >= o.sets.size())
        throw input_error("set_of_series", s,
                          fmt::format("option set {} does not exist (there are {})", o.set_of_series[s], o.sets.size()));
  }

  if (!o.rules.empty()) {
    if (o.rules.size() != o.sets.size())
      throw input_error("rules", input_error::npos,
                        fmt::format("has {} entries for {} option sets: give one per option set, or none",
                                    o.rules.size(), o.sets.size()));
    for (std::size_t k = 0; k < o.rules.size(); ++k) {
      const batch_rules& r = o.rules[k];
      if (auto e = find_problem(r.rules))
        throw input_error(e->argument(), input_error::npos, fmt::format("option set {}: {}", k, e->problem()));
      if (!r.mdc) continue;
      const chart_options& c = o.sets[k];
      if (c.chart != chart_type::i || c.freeze != 0 || !c.parts.empty() || !c.exclude.empty() || !std::isnan(c.cl))
        throw input_error("mdc", k,
                          fmt::format("option set {}: the Making Data Count mode needs a plain I chart (chart i, "
                                      "no freeze, parts, exclude or cl; rebase and fix_after_n_points take "
                                      "their place)",
                                      k));
      // Everything but the rebase positions beyond a series is wrong for every series alike.
      mdc_options bare = *r.mdc;
      bare.rebase.clear();
      if (auto e = find_problem(std::span<const double>{}, bare))
        throw input_error(e->argument(), input_error::npos, fmt::format("option set {}: {}", k, e->problem()));
      std::size_t previous = 0;
      for (const std::size_t at : r.mdc->rebase) {
        if (at <= previous)
          throw input_error("rebase", input_error::npos,
                            fmt::format("option set {}: positions must be strictly increasing from 1", k));
        previous = at;
      }
    }
  }

  if (!o.phases.empty()) {
    if (o.phases.size() != o.sets.size())
      throw input_error("phases", input_error::npos,
                        fmt::format("has {} entries for {} option sets: give one per option set, or none",
                                    o.phases.size(), o.sets.size()));
    for (std::size_t k = 0; k < o.phases.size(); ++k) {
      if (!o.phases[k]) continue;
      const batch_rules* r = o.rules.empty() ? nullptr : &o.rules[k];
      if (r && r->mdc) {
        if (!r->mdc->rebase.empty())
          throw input_error("rebase", input_error::npos,
                            fmt::format("option set {}: not with automatic phases, which propose the periods", k));
        if (r->mdc->fix_after_n_points != 0)
          throw input_error("fix_after_n_points", input_error::npos,
                            fmt::format("option set {}: not with automatic phases, where each period's mean and "
                                        "limits come from all of its points",
                                        k));
      }
      if (auto e = find_problem(*o.phases[k], phase_chart(o.sets[k], r)))
        throw input_error(e->argument(), input_error::npos, fmt::format("option set {}: {}", k, e->problem()));
    }
  }

  auto check_size = [rows](const char* name, std::size_t size) {
    if (size != 0 && size != rows)
      throw input_error(name, input_error::npos,
                        fmt::format("the output column has {} rows, the batch {}", size, rows));
  };
  check_size("y", out.y.size());
  check_size("cl", out.cl.size());
  check_size("lcl", out.lcl.size());
  check_size("ucl", out.ucl.size());
  check_size("lcl_95", out.lcl_95.size());
  check_size("ucl_95", out.ucl_95.size());
  check_size("part", out.part.size());
  check_size("baseline", out.baseline.size());
  check_size("include", out.include.size());
  check_size("sigma_signal", out.sigma_signal.size());
}

void check_rule_columns(const batch_input& in, const batch_rule_columns& out) {
  const std::size_t rows = in.y.size();
  auto check_size = [rows](const char* name, std::size_t size) {
    if (size != 0 && size != rows)
      throw input_error(name, input_error::npos,
                        fmt::format("the output column has {} rows, the batch {}", size, rows));
  };
  check_size("fired", out.fired.size());
  check_size("label", out.label.size());
  check_size("direction", out.direction.size());
  check_size("cause", out.cause.size());
  check_size("type", out.type.size());
}

std::size_t set_index(const batch_options& o, std::size_t s) {
  if (!o.set_of_series.empty()) return o.set_of_series[s];
  return o.sets.size() == 1 ? 0 : s;
}

const chart_options& options_of(const batch_options& o, std::size_t s) { return o.sets[set_index(o, s)]; }

// The rules of series s, or nullptr when it has none.
const batch_rules* rules_of(const batch_options& o, std::size_t s) {
  if (o.rules.empty()) return nullptr;
  const batch_rules& r = o.rules[set_index(o, s)];
  return r.any() ? &r : nullptr;
}

// The automatic phases of series s, or nullptr when it has none.
const phase_options* phases_of(const batch_options& o, std::size_t s) {
  if (o.phases.empty()) return nullptr;
  const std::optional<phase_options>& p = o.phases[set_index(o, s)];
  return p ? &*p : nullptr;
}

// The most phases a series of m points can get (every phase has at least min_phase points;
// runcharter: the first med_rows points, then at least runlength points per phase).
std::size_t most_phases(const phase_options& p, std::size_t m) {
  if (p.method != phase_method::runcharter)
    return std::max<std::size_t>(1, m / static_cast<std::size_t>(p.min_phase_value()));
  const auto M = static_cast<std::size_t>(p.med_rows_value()), L = static_cast<std::size_t>(p.runcharter_runlength());
  if (L == 0 || M == 0 || m <= M) return 1;
  return 1 + (m - M) / L;
}

// Summary rows counted for series s of m points before the loop (an upper bound in the MDC mode,
// where a rebase at position 1 starts no new period, and with automatic phases).
std::size_t rows_reserved(const batch_options& o, std::size_t s, std::size_t m) {
  if (m == 0) return 0;
  if (const phase_options* p = phases_of(o, s)) return most_phases(*p, m);
  const batch_rules* r = rules_of(o, s);
  if (r && r->mdc) return r->mdc->rebase.size() + 1;
  return options_of(o, s).parts.size() + 1;
}

// The columns of series s as spc::qic_into sees them: n only for the charts that read it.
series_view series_of(const batch_input& in, const batch_options& o, const chart_options& opt, std::size_t s) {
  const std::size_t first = in.offsets[s], m = in.offsets[s + 1] - first;
  series_view v{in.y.subspan(first, m)};
  const denominator_use d = info(opt.chart).denominator;
  const bool reads_n = d == denominator_use::required || (o.ratio && d == denominator_use::optional);
  if (reads_n && !in.n.empty()) v.n = in.n.subspan(first, m);
  if (needs_subgroup_sd(opt.chart) && !in.sd.empty()) v.sd = in.sd.subspan(first, m);
  return v;
}

template <class T>
std::span<T> rows_of(std::span<T> column, std::size_t first, std::size_t m) {
  return column.empty() ? column : column.subspan(first, m);
}

chart_columns rows_of(const chart_columns& c, std::size_t first, std::size_t m) {
  return chart_columns{rows_of(c.y, first, m),      rows_of(c.cl, first, m),       rows_of(c.lcl, first, m),
                       rows_of(c.ucl, first, m),    rows_of(c.lcl_95, first, m),   rows_of(c.ucl_95, first, m),
                       rows_of(c.part, first, m),   rows_of(c.baseline, first, m), rows_of(c.include, first, m),
                       rows_of(c.sigma_signal, first, m)};
}

batch_rule_columns rows_of(const batch_rule_columns& c, std::size_t first, std::size_t m) {
  return batch_rule_columns{rows_of(c.fired, first, m), rows_of(c.label, first, m), rows_of(c.direction, first, m),
                            rows_of(c.cause, first, m), rows_of(c.type, first, m)};
}

// A failed series: its points are written as missing, part 0, flags 0.
void write_missing(const chart_columns& c) {
  for (auto col : {c.y, c.cl, c.lcl, c.ucl, c.lcl_95, c.ucl_95}) std::fill(col.begin(), col.end(), na);
  std::fill(c.part.begin(), c.part.end(), 0);
  for (auto col : {c.baseline, c.include, c.sigma_signal}) std::fill(col.begin(), col.end(), std::uint8_t{0});
}

// The rule columns of a series without rules, or of a failed series.
void write_no_rules(const batch_rule_columns& c) {
  std::fill(c.fired.begin(), c.fired.end(), rule_mask{0});
  std::fill(c.label.begin(), c.label.end(), rule::none);
  std::fill(c.direction.begin(), c.direction.end(), std::int8_t{0});
  std::fill(c.cause.begin(), c.cause.end(), special_cause::none);
  std::fill(c.type.begin(), c.type.end(), point_type::common_cause);
}

// A caller's column, or (when the caller did not ask for it) m elements of a thread's buffer.
template <class T>
std::span<T> column_or(std::span<T> given, std::vector<T>& buffer, std::size_t m) {
  if (!given.empty()) return given;
  if (buffer.size() < m) buffer.resize(m);
  return std::span<T>(buffer.data(), m);
}

// What one thread keeps between series.
struct thread_state {
  workspace ws;
  std::vector<part_summary> parts;
  std::vector<double> y;  // the plotted statistic when the caller does not keep it
  // With rules: the columns the rules read and write, when the caller does not keep them.
  std::vector<double> cl, lcl, ucl;
  std::vector<std::uint8_t> include;
  rules_workspace rules;
  std::vector<rule_mask> fired;
  std::vector<rule> label;
  std::vector<std::int8_t> direction;
  // The MDC mode.
  mdc_workspace mdc;
  std::vector<mdc_period> periods;
  // Automatic phases; in the MDC mode with the proposals as the rebase positions.
  phase_workspace phase_ws;
  std::vector<phase_proposal> phases;
  mdc_options phased_mdc;
  std::vector<series_problem> problems;
  std::exception_ptr failure;  // anything but input_error (e.g. bad_alloc), rethrown after the loop
  std::size_t failure_series = 0;
};

// Where the results of a call go.
struct batch_target {
  const chart_columns& out;
  const batch_rule_columns& rules_out;
  batch_summary& sum;
  bool rule_columns = false;  // some per-point rule column is asked for
};

// The rule fields of a summary row from the per-point rule columns of its part: the points with a
// point rule, and the label and variation of the last point with a value.
void summarise_rules(series_part& row, const rules_summary& rs, std::span<const double> y,
                     std::span<const rule_mask> fired, std::span<const rule> label,
                     std::span<const std::int8_t> direction) {
  row.rules_fired = rs.fired;
  std::int32_t flagged = 0;
  for (std::size_t i = 0; i < fired.size(); ++i) flagged += (fired[i] & ~series_rules) != 0;
  row.n_rule_points = flagged;
  row.last_rule = rule::none;
  row.last_variation = variation::none;
  for (std::size_t i = y.size(); i-- > 0;) {
    if (std::isnan(y[i])) continue;
    row.last_rule = label[i];
    if (label[i] == rule::none)
      row.last_variation = variation::common_cause;
    else
      row.last_variation = direction[i] > 0   ? variation::special_cause_high
                           : direction[i] < 0 ? variation::special_cause_low
                                              : variation::special_cause;
    break;
  }
}

// The phase entry of a summary row of a series without automatic phases.
phase_proposal given_phase(std::size_t first, std::size_t last) {
  phase_proposal p;
  p.first = first;
  p.last = last;
  p.reason = phase_reason::none;
  return p;
}

// A series in the Making Data Count mode. Returns the number of summary rows written (periods).
std::size_t compute_mdc_series(const batch_input& in, const batch_options& o, const batch_rules& br,
                               const batch_target& to, std::size_t s, thread_state& t) {
  const std::size_t first = in.offsets[s], m = in.offsets[s + 1] - first;
  const chart_columns c = rows_of(to.out, first, m);
  const batch_rule_columns rc = rows_of(to.rules_out, first, m);
  const mdc_options& mo = *br.mdc;

  // The values as the I chart plots them (y, or y / n), with the I chart's checks.
  chart_options i_chart;
  i_chart.chart = chart_type::i;
  series_view v{in.y.subspan(first, m)};
  if (o.ratio && !in.n.empty()) v.n = in.n.subspan(first, m);
  validate(v, i_chart);
  const std::span<double> y = column_or(c.y, t.y, m);
  if (v.n.empty())
    std::copy(v.y.begin(), v.y.end(), y.begin());
  else
    for (std::size_t i = 0; i < m; ++i) y[i] = v.y[i] / v.n[i];  // as the I chart divides

  // The chart, with the MDC rules and any others merged (spc::mdc_chart_into).
  const std::span<rule_mask> fired = column_or(rc.fired, t.fired, m);
  const std::span<rule> label = column_or(rc.label, t.label, m);
  const std::span<std::int8_t> direction = column_or(rc.direction, t.direction, m);
  const mdc_columns mc{c.part, c.cl, c.lcl, c.ucl, rc.cause, rc.type, fired, label, direction};
  const phase_options* phases = phases_of(o, s);
  if (phases) {
    // The proposals on the values as the I chart plots them, as rebase positions (phases.md §8.1).
    propose_phases_into(series_view{y}, phase_chart(i_chart, &br), *phases, t.phases, t.phase_ws);
    t.phased_mdc = mo;
    t.phased_mdc.rebase.clear();
    for (std::size_t k = 1; k < t.phases.size(); ++k) t.phased_mdc.rebase.push_back(t.phases[k].first + 1);
  }
  mdc_chart_into(y, phases ? t.phased_mdc : mo, br.rules, mc, t.periods, t.mdc);

  series_part* row = to.sum.parts.data() + to.sum.part_offsets[s];
  const std::size_t row0 = to.sum.part_offsets[s];
  for (std::size_t k = 0; k < t.periods.size(); ++k, ++row) {
    const mdc_period& p = t.periods[k];
    const std::size_t a = p.first, len = p.last - p.first + 1;
    std::int32_t outside = 0;
    for (std::size_t i = a; i < a + len; ++i) {
      const bool beyond = y[i] > p.upl || y[i] < p.lpl;
      outside += beyond;
      if (!c.sigma_signal.empty()) c.sigma_signal[i] = beyond;
      if (!c.baseline.empty())
        c.baseline[i] = mo.fix_after_n_points == 0 || i - a < mo.fix_after_n_points;
    }
    row->series = s;
    row->n_points = static_cast<std::size_t>(p.n_points);
    row->summary = part_summary{};
    row->summary.part = p.period;
    row->summary.first = p.first;
    row->summary.last = p.last;
    row->summary.cl = p.mean;
    row->summary.lcl = p.lpl;
    row->summary.ucl = p.upl;
    row->summary.n_sigma_signals = outside;
    row->summary.n_missing = p.n_missing;
    row->last_y = y[p.last];
    row->last_sigma_signal = y[p.last] > p.upl || y[p.last] < p.lpl;
    summarise_rules(*row, p.rules, y.subspan(a, len), fired.subspan(a, len), label.subspan(a, len),
                    direction.subspan(a, len));
    if (!to.sum.rules.empty()) to.sum.rules[row0 + k] = p.rules;
    to.sum.periods[row0 + k] = p;
    if (!to.sum.phases.empty()) to.sum.phases[row0 + k] = phases ? t.phases[k] : given_phase(p.first, p.last);
  }
  for (auto col : {c.lcl_95, c.ucl_95}) std::fill(col.begin(), col.end(), na);
  std::fill(c.include.begin(), c.include.end(), std::uint8_t{1});
  return t.periods.size();
}

// Computes series s; returns the number of summary rows written (0 when it failed).
std::size_t compute_series(const batch_input& in, const batch_options& o, const batch_target& to, std::size_t s,
                           thread_state& t) {
  const chart_options& opt = options_of(o, s);
  const batch_rules* br = rules_of(o, s);
  const std::size_t first = in.offsets[s], m = in.offsets[s + 1] - first;
  batch_summary& sum = to.sum;
  try {
    if (br && br->mdc) return compute_mdc_series(in, o, *br, to, s, t);

    const series_view v = series_of(in, o, opt, s);
    chart_columns c = rows_of(to.out, first, m);
    // The last point's y is part of the summary: keep y in the thread's buffer when not asked for;
    // the rules read the centre line, the limits and the flags of exclusion as well.
    c.y = column_or(c.y, t.y, m);
    const bool with_rules = br && br->rules.rules != 0;
    if (with_rules) {
      c.cl = column_or(c.cl, t.cl, m);
      c.lcl = column_or(c.lcl, t.lcl, m);
      c.ucl = column_or(c.ucl, t.ucl, m);
      c.include = column_or(c.include, t.include, m);
    }
    t.parts.clear();
    if (m == 0) {
      // An empty slice of a column reads as "not given" to spc::qic_into: check the options only
      // (freeze, parts, exclude, cl), as for a chart that needs no column, when the batch has the
      // columns the chart needs.
      const bool has_columns = (!needs_denominator(opt.chart) || !in.n.empty()) &&
                               (!needs_subgroup_sd(opt.chart) || !in.sd.empty());
      if (has_columns) {
        chart_options bare = opt;
        bare.chart = chart_type::run;
        validate(v, bare);
        return 0;
      }
    }
    const phase_options* phases = phases_of(o, s);
    if (phases)
      qic_phased_into(v, opt, *phases, c, t.parts, t.phases, t.phase_ws);
    else
      qic_into(v, opt, c, t.parts, t.ws);

    const batch_rule_columns rc = to.rule_columns ? rows_of(to.rules_out, first, m) : batch_rule_columns{};
    if (!with_rules && to.rule_columns) write_no_rules(rc);
    const std::size_t row0 = sum.part_offsets[s];
    series_part* row = sum.parts.data() + row0;
    for (std::size_t k = 0; k < t.parts.size(); ++k, ++row) {
      const part_summary& p = t.parts[k];
      row->series = s;
      row->n_points = p.last - p.first + 1;
      row->summary = p;
      row->last_y = c.y[p.last];
      // As spc::qic_into decides a sigma signal: strictly outside; a missing y or limit never signals.
      row->last_sigma_signal = row->last_y > p.ucl || row->last_y < p.lcl;
      row->rules_fired = 0;
      row->n_rule_points = 0;
      row->last_rule = rule::none;
      row->last_variation = variation::none;
      if (!sum.rules.empty()) sum.rules[row0 + k] = rules_summary{};
      if (!sum.periods.empty()) sum.periods[row0 + k] = mdc_period{};
      if (!sum.phases.empty()) sum.phases[row0 + k] = phases ? t.phases[k] : given_phase(p.first, p.last);
      if (!with_rules) continue;
      // The rules of the part, as spc::apply_rules evaluates them on the chart.
      const std::size_t a = p.first, len = p.last - p.first + 1;
      if (t.rules.points.size() < len) t.rules.points.resize(len);
      const std::span<detail::rule_point> pts(t.rules.points.data(), len);
      detail::classify(c.y.subspan(a, len), c.cl.subspan(a, len), c.lcl.subspan(a, len),
                       c.ucl.subspan(a, len), c.include.subspan(a, len), pts);
      const rule_columns cols{column_or(rows_of(rc.fired, a, len), t.fired, len),
                              column_or(rows_of(rc.label, a, len), t.label, len),
                              column_or(rows_of(rc.direction, a, len), t.direction, len)};
      const rules_summary rs = detail::evaluate(std::span<const detail::rule_point>(pts), br->rules, cols);
      sum.rules[row0 + k] = rs;
      summarise_rules(*row, rs, c.y.subspan(a, len), cols.fired, cols.label, cols.direction);
    }
    if (with_rules) {
      std::fill(rc.cause.begin(), rc.cause.end(), special_cause::none);
      std::fill(rc.type.begin(), rc.type.end(), point_type::common_cause);
    }
    return t.parts.size();
  } catch (const input_error& e) {
    sum.status[s] = series_status::failed;
    const std::size_t row = e.index() == input_error::npos ? input_error::npos : first + e.index();
    t.problems.push_back(series_problem{s, row, e});
    write_missing(rows_of(to.out, first, m));
    write_no_rules(rows_of(to.rules_out, first, m));
    return 0;
  }
}

// Drops the summary rows counted but not written (failed series; MDC series with a rebase at
// position 1; series with fewer phases than they could have had) and renumbers part_offsets. `used[s]`: the rows series s wrote; empty = all rows of
// every series that did not fail.
void drop_unused_rows(batch_summary& sum, const std::vector<std::uint32_t>& used) {
  const std::size_t S = sum.status.size();
  std::size_t to = 0;
  for (std::size_t s = 0; s < S; ++s) {
    const std::size_t from = sum.part_offsets[s];
    std::size_t end = sum.part_offsets[s + 1];
    sum.part_offsets[s] = to;
    if (sum.status[s] == series_status::failed) continue;
    if (!used.empty()) end = from + used[s];
    for (std::size_t k = from; k < end; ++k, ++to) {
      if (k == to) continue;
      sum.parts[to] = sum.parts[k];
      if (!sum.rules.empty()) sum.rules[to] = sum.rules[k];
      if (!sum.periods.empty()) sum.periods[to] = sum.periods[k];
      if (!sum.phases.empty()) sum.phases[to] = sum.phases[k];
    }
  }
  sum.part_offsets[S] = to;
  sum.parts.resize(to);
  if (!sum.rules.empty()) sum.rules.resize(to);
  if (!sum.periods.empty()) sum.periods.resize(to);
  if (!sum.phases.empty()) sum.phases.resize(to);
}

}  // namespace

const series_problem* batch_summary::problem(std::size_t series) const noexcept {
  auto it = std::lower_bound(problems.begin(), problems.end(), series,
                             [](const series_problem& p, std::size_t s) { return p.series < s; });
  return it != problems.end() && it->series == series ? &*it : nullptr;
}

std::string_view to_string(variation v) noexcept {
  switch (v) {
    case variation::none: return "";
    case variation::common_cause: return "common_cause";
    case variation::special_cause: return "special_cause";
    case variation::special_cause_high: return "special_cause_high";
    case variation::special_cause_low: return "special_cause_low";
  }
  return "";
}

chart_columns batch_result::columns() noexcept {
  return chart_columns{y, cl, lcl, ucl, lcl_95, ucl_95, part, baseline, include, sigma_signal};
}

batch_rule_columns batch_result::rule_columns() noexcept {
  return batch_rule_columns{fired, label, direction, cause, type};
}

void qic_batch_into(const batch_input& in, const batch_options& o, const chart_columns& out, batch_summary& sum) {
  qic_batch_into(in, o, out, batch_rule_columns{}, sum);
}

void qic_batch_into(const batch_input& in, const batch_options& o, const chart_columns& out,
                   const batch_rule_columns& rule_out, batch_summary& sum) {
  check_call(in, o, out);
  check_rule_columns(in, rule_out);
  const std::size_t S = in.series_count();
  const bool any_rules = std::any_of(o.rules.begin(), o.rules.end(), [](const batch_rules& r) { return r.any(); });
  const bool any_mdc = std::any_of(o.rules.begin(), o.rules.end(), [](const batch_rules& r) { return r.mdc.has_value(); });
  const bool any_phases =
      std::any_of(o.phases.begin(), o.phases.end(), [](const std::optional<phase_options>& p) { return p.has_value(); });

  // Summary rows are counted before the loop: a series of m > 0 points has one per part (MDC: at
  // most one per period).
  sum.status.assign(S, series_status::ok);
  sum.problems.clear();
  sum.part_offsets.resize(S + 1);
  sum.part_offsets[0] = 0;
  for (std::size_t s = 0; s < S; ++s)
    sum.part_offsets[s + 1] = sum.part_offsets[s] + rows_reserved(o, s, in.offsets[s + 1] - in.offsets[s]);
  // Every row of a computed series is overwritten below, and the rows of failed series are
  // dropped: a summary reused from an earlier call keeps its memory and is not cleared.
  sum.parts.resize(sum.part_offsets[S]);
  if (any_rules)
    sum.rules.resize(sum.part_offsets[S]);
  else
    sum.rules.clear();
  if (any_mdc)
    sum.periods.resize(sum.part_offsets[S]);
  else
    sum.periods.clear();
  if (any_phases)
    sum.phases.resize(sum.part_offsets[S]);
  else
    sum.phases.clear();
  // The rows each series wrote, where that can be fewer than counted (MDC, automatic phases).
  std::vector<std::uint32_t> used(any_mdc || any_phases ? S : 0);
  const bool rule_columns = !rule_out.fired.empty() || !rule_out.label.empty() || !rule_out.direction.empty() ||
                            !rule_out.cause.empty() || !rule_out.type.empty();
  const batch_target target{out, rule_out, sum, rule_columns};

  int threads = 1;
#if defined(SPC_HAVE_OPENMP)
  threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  if (static_cast<std::size_t>(threads) > S) threads = static_cast<int>(std::max<std::size_t>(S, 1));
#endif
  // Chunks of series taken dynamically: small enough to balance a mix of long and short series,
  // large enough that taking one costs nothing beside computing it.
  const auto chunk = static_cast<long long>(std::clamp<std::size_t>(S / (static_cast<std::size_t>(threads) * 64), 1, 1024));
  const auto count = static_cast<long long>(S);
  std::exception_ptr failure;  // anything but bad data (e.g. out of memory) fails the call
  std::size_t failure_series = S;

#if defined(SPC_HAVE_OPENMP)
#pragma omp parallel num_threads(threads)
#endif
  {
    // Each thread's state is made by that thread, on its own stack and heap. (State made by the
    // first thread for all, in one vector, ran a third slower on two threads: most likely cache
    // lines shared with the data the first thread writes for every series.)
    thread_state t;
#if defined(SPC_HAVE_OPENMP)
#pragma omp for schedule(dynamic, chunk) nowait
#endif
    for (long long s = 0; s < count; ++s) {
      if (t.failure) continue;
      try {
        const std::size_t rows = compute_series(in, o, target, static_cast<std::size_t>(s), t);
        if (!used.empty()) used[static_cast<std::size_t>(s)] = static_cast<std::uint32_t>(rows);
      } catch (...) {
        t.failure = std::current_exception();
        t.failure_series = static_cast<std::size_t>(s);
      }
    }
#if defined(SPC_HAVE_OPENMP)
#pragma omp critical(spc_batch_results)
#endif
    {
      for (auto& p : t.problems) sum.problems.push_back(std::move(p));
      if (t.failure && t.failure_series < failure_series) {
        failure = t.failure;
        failure_series = t.failure_series;
      }
    }
  }
  (void)chunk;
  if (failure) std::rethrow_exception(failure);  // the first such series' exception

  if (!sum.problems.empty())
    std::sort(sum.problems.begin(), sum.problems.end(),
              [](const series_problem& a, const series_problem& b) { return a.series < b.series; });
  if (!sum.problems.empty() || !used.empty()) drop_unused_rows(sum, used);
}

batch_result qic_batch(const batch_input& in, const batch_options& o, bool per_point) {
  batch_result r;
  if (per_point) {
    const std::size_t rows = in.y.size();
    for (auto* v : {&r.y, &r.cl, &r.lcl, &r.ucl, &r.lcl_95, &r.ucl_95}) v->resize(rows);
    r.part.resize(rows);
    r.baseline.resize(rows);
    r.include.resize(rows);
    r.sigma_signal.resize(rows);
    if (std::any_of(o.rules.begin(), o.rules.end(), [](const batch_rules& b) { return b.any(); })) {
      r.fired.resize(rows);
      r.label.resize(rows);
      r.direction.resize(rows);
    }
    if (std::any_of(o.rules.begin(), o.rules.end(), [](const batch_rules& b) { return b.mdc.has_value(); })) {
      r.cause.resize(rows);
      r.type.resize(rows);
    }
  }
  qic_batch_into(in, o, r.columns(), r.rule_columns(), r.summary);
  return r;
}

void multiply(batch_result& r, double k) noexcept {
  for (auto* column : {&r.y, &r.cl, &r.lcl, &r.ucl, &r.lcl_95, &r.ucl_95})
    for (double& v : *column) v *= k;
  for (series_part& p : r.summary.parts) {
    p.summary.cl *= k;
    p.summary.lcl *= k;
    p.summary.ucl *= k;
    p.last_y *= k;
  }
  for (mdc_period& p : r.summary.periods) {
    p.mean *= k;
    p.amr *= k;
    p.lpl *= k;
    p.upl *= k;
  }
  for (phase_proposal& p : r.summary.phases) {
    p.reference_cl *= k;
    p.after_level *= k;
    p.cl *= k;
  }
}

}  // namespace spc
