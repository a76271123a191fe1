// The report for people of `spc chart` (report.hpp).
#include "report.hpp"

#include <cmath>
#include <cstdio>
#include <variant>

#include <fmt/format.h>

namespace spc::cli {

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NA";
  if (std::fabs(v) >= 1e5 && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
  return fmt::format("{:.5g}", v);
}

std::string plural(std::size_t count, std::string_view noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

struct reporter {
  const output_context& o;
  const series_table& t = o.table;
  const batch_result& r = o.result;
  const bool labelled = !o.cmd.x.empty();

  // A point for the reader: its 1-based position, and its label when there is one.
  std::string point(std::size_t i) const {
    if (labelled && !t.x_of(i).empty()) return fmt::format("{} ({})", i + 1, t.x_of(i));
    return fmt::format("{}", i + 1);
  }
  // A list of points (0-based), shortened after the first twenty.
  std::string points(const std::vector<std::size_t>& where) const {
    constexpr std::size_t max_shown = 20;
    std::string s = where.size() == 1 ? "point " : "points ";
    for (std::size_t k = 0; k < where.size() && k < max_shown; ++k) s += (k ? ", " : "") + point(where[k]);
    if (where.size() > max_shown) s += fmt::format(" and {} more", where.size() - max_shown);
    return s;
  }
  // "Part 2: points 25-36 (2014-11-01 to 2015-10-01)"
  std::string span(std::string_view what, std::int32_t number, std::size_t first, std::size_t last) const {
    std::string s = first == last ? fmt::format("{} {}: point {}", what, number, first + 1)
                                  : fmt::format("{} {}: points {}-{}", what, number, first + 1, last + 1);
    if (labelled)
      s += first == last ? fmt::format(" ({})", t.x_of(first)) : fmt::format(" ({} to {})", t.x_of(first), t.x_of(last));
    return s;
  }

  // What a rule means, with the MDC rules' lengths and variant as chosen on the command line.
  std::string rule_text(rule rl) const {
    const auto& mdc = o.req.rules.mdc;
    if (rl == rule::mdc_trend && mdc.trend != 7)
      return fmt::format("{} points steadily increasing or decreasing", mdc.trend);
    if (rl == rule::mdc_shift && mdc.shift != 7) return fmt::format("{} points on the same side of the mean", mdc.shift);
    if (rl == rule::mdc_two_in_three && mdc.two_in_three == two_in_three_policy::beyond_2sigma)
      return "2 of 3 points beyond 2 sigma (outside the limits too), all 3 on the same side of the mean";
    return std::string(describe(rl));
  }

  // The rules that fired in one part (or period): each with what it means and where.
  void rule_lines(std::size_t row) const {
    const rules_summary& s = r.summary.rules[row];
    const series_part& p = r.summary.parts[row];
    if (s.fired == 0) {
      fmt::print("  rules ({}): none fired\n", o.cmd.rules);
      return;
    }
    for (std::size_t k = 0; k < rule_count; ++k) {
      const rule rl = static_cast<rule>(k);
      if (!s.fired_rule(rl)) continue;
      if (has_rule(series_rules, rl)) {
        fmt::print("  rule {}: {}\n", to_string(rl), rule_text(rl));
        continue;
      }
      std::vector<std::size_t> where;
      for (std::size_t i = p.summary.first; i <= p.summary.last; ++i)
        if (has_rule(r.fired[i], rl)) where.push_back(i);
      fmt::print("  rule {}: {}; at {}\n", to_string(rl), rule_text(rl), points(where));
    }
  }

  std::string runs_verdict(const runs_result& runs) const {
    if (!runs.defined()) return "not possible (no useful points)";
    const bool long_run = runs.longest_run > runs.longest_run_max;
    const bool few_crossings = runs.n_crossings < runs.n_crossings_min;
    const std::string detail =
        fmt::format("longest run {} {} {}; crossings {} {} {}", runs.longest_run, long_run ? ">" : "<=",
                    runs.longest_run_max, runs.n_crossings, few_crossings ? "<" : ">=", runs.n_crossings_min);
    const runs_method method = o.req.options.method;
    const std::string by = method == runs_method::anhoej ? "" : fmt::format(", {} method", to_string(method));
    return fmt::format("{} ({}{})", runs.runs_signal ? "signal: shift" : "no signal", detail, by);
  }

  // --- Automatic phases (--phases auto; phases.md §8.1) ----------------------------------------

  bool phased() const { return o.req.phases.has_value(); }
  std::size_t proposed_count() const {
    std::size_t k = 0;
    for (const phase_proposal& p : r.summary.phases) k += p.proposed();
    return k;
  }

  // What the chart's centre line of a set of points is.
  std::string_view level_noun() const {
    if (o.req.mdc) return "mean";
    switch (o.req.chart) {
      case chart_type::run: return "median";
      case chart_type::p: return "proportion";
      case chart_type::u: return "rate";
      default: return "mean";
    }
  }

  std::string range(std::size_t first, std::size_t last) const {
    return first == last ? fmt::format("point {}", first + 1) : fmt::format("points {}-{}", first + 1, last + 1);
  }

  // "the anhoej method, --min-phase 12": the method and the parameters it used.
  std::string phase_settings() const {
    const phase_options& p = *o.req.phases;
    std::string s = fmt::format("the {} method", to_string(p.method));
    if (p.method == phase_method::runcharter) {
      s += fmt::format(", --med-rows {}, --runlength {}", p.med_rows_value(), p.runcharter_runlength());
    } else {
      s += fmt::format(", --min-phase {}", p.min_phase_value());
      if (p.runlength) s += fmt::format(", --runlength {}", *p.runlength);
      if (p.method == phase_method::changepoint) s += fmt::format(", --alpha {}", number(p.alpha_value()));
    }
    if (p.direction != phase_direction::both) s += fmt::format(", --direction {}", to_string(p.direction));
    return s;
  }

  void phase_header() const {
    if (!phased()) return;
    const phase_options& p = *o.req.phases;
    const std::size_t k = proposed_count(), m = t.rows();
    std::string why;
    if (k == 0) {
      const auto min_phase = static_cast<std::size_t>(p.min_phase_value());
      bool noted = false;
      for (const phase_proposal& q : r.summary.phases) noted |= !q.note.empty();
      if (p.method != phase_method::runcharter && m < 2 * min_phase)
        why = fmt::format(": {} points are too few, a proposal needs at least 2 x {} = {}", m, min_phase, 2 * min_phase);
      else if (p.method == phase_method::runcharter && p.med_rows_value() == 0)
        why = ": --med-rows 0 gives no baseline";
      else if (p.method == phase_method::runcharter && p.runcharter_runlength() == 0)
        why = ": --runlength 0 turns re-phasing off";
      else if (noted)
        why = fmt::format(": a {} was seen but not proposed (the note below says why)",
                          p.method == phase_method::changepoint ? "change" : "shift");
      else if (p.method == phase_method::changepoint)
        why = ": no change beyond the limit";
      else
        why = ": no sustained run against a baseline";
    }
    fmt::print("Phases proposed automatically (--phases auto, {}): {}{}\n", phase_settings(),
               k == 0 ? std::string("none") : plural(k, "shift"), why);
  }

  // Under a phase: why it was proposed, and the note of a shift seen but not proposed.
  void phase_lines(std::size_t row) const {
    if (!phased()) return;
    const phase_proposal& p = r.summary.phases[row];
    const phase_options& opt = *o.req.phases;
    if (p.proposed()) {
      const bool up = p.reason == phase_reason::shift_up;
      const std::string head = fmt::format("  proposed: shift {} at point {}: ", up ? "up" : "down", point(p.first));
      const std::string_view side = up ? "above" : "below";
      switch (opt.method) {
        case phase_method::anhoej: {
          const std::string limit = opt.runlength
                                        ? fmt::format("--runlength {}: {} or more is a shift", *opt.runlength, p.limit)
                                        : fmt::format("{} or more is a shift for {} useful points", p.limit, p.n_useful);
          fmt::print("{}a run of {} points {} the baseline {} {} of {} ({})\n", head, p.statistic, side, level_noun(),
                     number(p.reference_cl), range(p.reference_first, p.reference_last), limit);
          break;
        }
        case phase_method::changepoint: {
          const std::string rest = fmt::format("; limit {:.2f} (alpha {}, {})", p.limit, number(opt.alpha_value()),
                                               plural(static_cast<std::size_t>(p.candidates), "candidate"));
          if (o.req.chart == chart_type::run && !o.req.mdc)
            fmt::print("{}the values of {} (median {}) rank {:.2f} standard errors {} those of {} (median {}){}\n",
                       head, range(p.first, p.after_last), number(p.after_level), p.statistic, side,
                       range(p.reference_first, p.reference_last), number(p.reference_cl), rest);
          else
            fmt::print("{}the {} of {} ({}) is {:.2f} standard errors {} that of {} ({}){}\n", head, level_noun(),
                       range(p.first, p.after_last), number(p.after_level), p.statistic, side,
                       range(p.reference_first, p.reference_last), number(p.reference_cl), rest);
          break;
        }
        case phase_method::runcharter:
          fmt::print("{}a run of {} points {} the median {} of {} (--runlength {}); the new median {} is that of "
                     "the run's first {} points, {}\n",
                     head, p.statistic, side, number(p.reference_cl), range(p.reference_first, p.reference_last),
                     opt.runcharter_runlength(), number(p.cl), p.statistic, range(p.evidence_first, p.evidence_last));
          break;
      }
    }
    if (!p.note.empty()) fmt::print("  note: {}\n", to_string(p.note));
  }

  void phase_footer() const {
    if (!phased()) return;
    std::string positions;
    for (const phase_proposal& p : r.summary.phases)
      if (p.proposed()) positions += fmt::format("{}{}", positions.empty() ? "" : ",", o.req.mdc ? p.first + 1 : p.first);
    if (positions.empty()) {
      fmt::print("No split proposed\n");
      return;
    }
    fmt::print("Proposed split: --{} {} (adopt it when the change has a known cause{})\n",
               o.req.mdc ? "rebase" : "parts", positions,
               o.req.phases->method == phase_method::runcharter
                   ? "; --parts gives each part its own median, not runcharter's"
                   : "");
  }

  std::string what() const {
    if (o.req.raw_subgroups)
      return fmt::format("'{}' by subgroup '{}' ({} measurements)", o.cmd.y, o.cmd.x, t.measurements);
    if (!o.cmd.n.empty()) return fmt::format("'{}' / '{}'", o.cmd.y, o.cmd.n);
    return fmt::format("'{}'", o.cmd.y);
  }

  void chart() const {
    const chart_options& options = o.req.options;
    const std::size_t m = t.rows(), parts = r.summary.parts.size();
    fmt::print("{} of {} from {}: {}, {}; written to {}\n", o.req.info->title, what(), t.source, plural(m, "point"),
               plural(parts, "part"), o.cmd.output);
    if (options.freeze > 0 && options.parts.empty())
      fmt::print("Baseline: centre line and limits from points 1-{}\n", options.freeze);
    if (!std::isnan(options.cl)) fmt::print("Centre line given: {}\n", number(options.cl));
    phase_header();
    for (std::size_t k = 0; k < parts; ++k) {
      const part_summary& p = r.summary.parts[k].summary;
      std::vector<std::size_t> signals, excluded;
      std::size_t last_limits = m;
      bool varying = false;
      for (std::size_t i = p.first; i <= p.last; ++i) {
        if (r.sigma_signal[i]) signals.push_back(i);
        if (!r.include[i]) excluded.push_back(i);
        if (!std::isnan(r.lcl[i]) || !std::isnan(r.ucl[i])) {
          if (last_limits < m && (std::fabs(r.ucl[i] - r.ucl[last_limits]) > 1e-12 * std::fabs(r.ucl[i]) ||
                                  std::fabs(r.lcl[i] - r.lcl[last_limits]) > 1e-12 * std::fabs(r.lcl[i])))
            varying = true;
          last_limits = i;
        }
      }
      std::string line = span("Part", p.part, p.first, p.last);
      if (p.n_missing) line += fmt::format("; {} missing", p.n_missing);
      if (!excluded.empty()) line += "; excluded from the calculations: " + points(excluded);
      fmt::print("{}\n", line);
      phase_lines(k);
      line = fmt::format("  {} {}", o.req.info->has_limits ? "centre line" : "median", number(p.cl));
      if (last_limits < m) {
        line += fmt::format("; 3-sigma limits {} to {}", number(r.lcl[last_limits]), number(r.ucl[last_limits]));
        if (varying) line += fmt::format(" at point {} (the limits vary from point to point)", last_limits + 1);
      }
      fmt::print("{}\n", line);
      fmt::print("  runs analysis: {}\n", runs_verdict(p.runs));
      if (o.req.info->has_limits) {
        if (signals.empty())
          fmt::print("  no points outside the 3-sigma limits\n");
        else
          fmt::print("  sigma signals (outside the 3-sigma limits) at {}\n", points(signals));
      }
      if (o.req.any_rules()) rule_lines(k);
    }
    phase_footer();
  }

  static std::string_view variation_text(point_type v) {
    switch (v) {
      case point_type::common_cause: return "common cause variation";
      case point_type::improvement: return "special cause variation \u2014 improvement";
      case point_type::concern: return "special cause variation \u2014 concern";
      case point_type::neutral_high: return "special cause variation \u2014 neutral, high";
      case point_type::neutral_low: return "special cause variation \u2014 neutral, low";
    }
    return "";
  }

  // The assurance of the target against a period's process limits, in words.
  std::string assurance_text(const mdc_period& p) const {
    const mdc_options& m = *o.req.mdc;
    if (std::isnan(m.target)) return "no target given (--target), so no assurance";
    const std::string target = number(m.target);
    if (m.direction == improvement_direction::neutral)
      return fmt::format("no assurance for the target {}: the improvement direction is neutral", target);
    const bool increase = m.direction == improvement_direction::increase;
    const std::string limits = fmt::format("process limits {} to {}", number(p.lpl), number(p.upl));
    switch (p.assurance) {
      case assurance_type::consistent_fail:
        return fmt::format("the target {} lies {}: consistently fails ({})", target,
                           increase ? "above the upper process limit" : "below the lower process limit", limits);
      case assurance_type::consistent_pass:
        return fmt::format("the target {} lies {}: consistently passes ({})", target,
                           increase ? "below the lower process limit" : "above the upper process limit", limits);
      case assurance_type::inconsistent:
        if (std::isnan(p.lpl) || std::isnan(p.upl))
          return fmt::format("the process limits are unknown, so the target {} is inconsistent", target);
        return fmt::format(
            "the target {} lies between the process limits {} and {}: inconsistent (it will be met some of the "
            "time)",
            target, number(p.lpl), number(p.upl));
      case assurance_type::none: break;
    }
    return "none";
  }

  void mdc() const {
    const mdc_options& mo = *o.req.mdc;
    const std::vector<mdc_period>& periods = r.summary.periods;
    const std::size_t m = t.rows();
    const std::string what_text =
        o.cmd.n.empty() ? fmt::format("'{}'", o.cmd.y) : fmt::format("'{}' / '{}'", o.cmd.y, o.cmd.n);
    fmt::print("Making Data Count XmR chart of {} from {}: {}, {}; improvement direction: {}; written to {}\n",
               what_text, t.source, plural(m, "point"), plural(periods.size(), "period"), to_string(mo.direction),
               o.cmd.output);
    if (!mo.screen_outliers) fmt::print("Moving ranges not screened (--no-screen)\n");
    phase_header();
    const bool other_rules = (o.req.rules.rules & ~rules_in(rule_set::mdc)) != 0;
    for (std::size_t k = 0; k < periods.size(); ++k) {
      const mdc_period& p = periods[k];
      std::string line = span("Period", p.period, p.first, p.last);
      if (p.n_missing) line += fmt::format("; {} missing", p.n_missing);
      fmt::print("{}\n", line);
      phase_lines(k);
      line = fmt::format("  mean {}; process limits {} to {}", number(p.mean), number(p.lpl), number(p.upl));
      if (mo.fix_after_n_points > 0 && static_cast<std::size_t>(p.n_points) > mo.fix_after_n_points)
        line += fmt::format(" (from the first {} points)", mo.fix_after_n_points);
      if (p.trial_limits) line += fmt::format("; trial limits (fewer than {} points)", mo.trial_limit_points);
      fmt::print("{}\n", line);
      std::vector<std::string> causes;
      for (const point_type type :
           {point_type::improvement, point_type::concern, point_type::neutral_high, point_type::neutral_low}) {
        std::vector<std::size_t> where;
        for (std::size_t i = p.first; i <= p.last; ++i)
          if (r.type[i] == type) where.push_back(i);
        if (!where.empty())
          causes.push_back(fmt::format("{} at {}",
                                       type == point_type::neutral_high  ? "neutral high"
                                       : type == point_type::neutral_low ? "neutral low"
                                                                         : to_string(type),
                                       points(where)));
      }
      if (causes.empty()) {
        fmt::print("  no special cause: common cause variation only\n");
      } else {
        std::string joined;
        for (const auto& c : causes) joined += (joined.empty() ? "" : "; ") + c;
        fmt::print("  special cause: {}\n", joined);
      }
      if (other_rules) rule_lines(k);
    }
    std::size_t last = m;
    for (std::size_t i = m; i-- > 0;)
      if (!std::isnan(r.y[i])) {
        last = i;
        break;
      }
    if (last < m)
      fmt::print("Variation (the last point, {}): {}\n", point(last), variation_text(r.type[last]));
    else
      fmt::print("Variation: no point has a value\n");
    if (!periods.empty())
      fmt::print("Assurance{}: {}\n", periods.size() > 1 ? " (the last period)" : "", assurance_text(periods.back()));
    phase_footer();
  }

  // --- The sequential charts: the parameters used (given or estimated) and the signals ----------

  static const char* how(bool estimated) { return estimated ? "estimated" : "given"; }

  std::string baseline_text(std::size_t freeze) const {
    return freeze > 0 ? fmt::format("points 1-{}", freeze) : std::string("every point");
  }

  // The positions (0-based, of series 0) where a per-point flag is set.
  std::vector<std::size_t> where(const std::vector<std::uint8_t>& flag) const {
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < flag.size(); ++i)
      if (flag[i]) at.push_back(i);
    return at;
  }

  void signal_line(std::string_view side, const std::vector<std::uint8_t>& flag) const {
    const std::vector<std::size_t> at = where(flag);
    if (at.empty())
      fmt::print("  {}: no signal\n", side);
    else
      fmt::print("  {}: {} at {}\n", side, plural(at.size(), "signal"), points(at));
  }

  void sequential() const {
    const sequential_batch_result& q = *o.sequential;
    const sequential_summary& summary = q.summary.series[0];
    const sequential_counts& c = counts_of(summary);
    const std::size_t freeze = o.cmd.freeze;
    std::string head = fmt::format("{} of '{}'", o.req.info->title, o.cmd.y);
    if (o.req.info->reads_risk) head += fmt::format(" against the predicted risks '{}'", o.cmd.risk);
    fmt::print("{} from {}: {}{}; written to {}\n", head, t.source, plural(c.n_points, "point"),
               c.n_missing ? fmt::format(" ({} missing, skipped)", c.n_missing) : std::string(), o.cmd.output);
    if (const auto* u = std::get_if<cusum_summary>(&summary)) {
      const cusum_state& st = u->state;
      fmt::print("Target {} ({}); sigma {} ({}{}{})\n", number(st.target), how(u->target_estimated), number(st.sigma),
                 how(u->sigma_estimated), u->sigma_estimated ? " from the moving ranges of " + baseline_text(freeze) : "",
                 u->sigma_estimated && !o.req.sequential->cusum.screen_mr ? ", not screened" : "");
      fmt::print("k {} (reference value {}), h {} (decision interval +-{}), headstart {}; {}\n", number(st.k),
                 number(st.k * st.sigma), number(st.h), number(u->ucl()), number(st.headstart),
                 st.reset ? "a side restarts after its signal" : "no reset (--no-reset)");
      fmt::print("Signals:\n");
      signal_line("upper (an increase)", q.signal_upper);
      signal_line("lower (a decrease)", q.signal_lower);
    } else if (const auto* e = std::get_if<ewma_summary>(&summary)) {
      const ewma_state& st = e->state;
      fmt::print("Target {} ({}); sigma {} ({}{})\n", number(st.target), how(e->target_estimated), number(st.sigma),
                 how(e->sigma_estimated), e->sigma_estimated ? " from the moving ranges of " + baseline_text(freeze) : "");
      double lcl = 0, ucl = 0;
      ewma_state steady = st;
      steady.asymptotic = true;
      ewma_limits(steady, 0, lcl, ucl);
      fmt::print("lambda {}, L {}; {} (steady state {} to {})\n", number(st.lambda), number(st.L),
                 st.asymptotic ? "asymptotic limits" : "exact limits, narrower for the first points", number(lcl),
                 number(ucl));
      if (!st.asymptotic)
        fmt::print("Note: 'spc arl' gives the ARL with the asymptotic limits; with the exact limits the in-control "
                   "ARL is a few per cent lower (--asymptotic charts with the limits spc arl assumes)\n");
      std::vector<std::uint8_t> above(q.signal_upper.size()), below(q.signal_upper.size());
      for (std::size_t i = 0; i < above.size(); ++i) {
        above[i] = q.signal_upper[i] && q.statistic[i] > q.ucl[i];
        below[i] = q.signal_upper[i] && q.statistic[i] < q.lcl[i];
      }
      fmt::print("Signals:\n");
      signal_line("above the upper limit", above);
      signal_line("below the lower limit", below);
    } else if (const auto* b = std::get_if<bernoulli_cusum_summary>(&summary)) {
      const bernoulli_cusum_state& st = b->state;
      fmt::print("Baseline risk p0 {} ({}{})\n", number(st.p0), how(b->p0_estimated),
                 b->p0_estimated ? " from the outcomes of " + baseline_text(freeze) : "");
      fmt::print("Odds ratio {}: the upper side tests a risk of {}, the lower side {}; limit +-{}; {}\n",
                 number(st.odds_ratio), number(bernoulli_p1(st)), number(bernoulli_p2(st)), number(st.limit),
                 st.reset ? "a side restarts after its signal" : "no reset (--no-reset)");
      fmt::print("Signals:\n");
      signal_line("upper (deterioration)", q.signal_upper);
      signal_line("lower (improvement)", q.signal_lower);
    } else if (const auto* a = std::get_if<racusum_summary>(&summary)) {
      const racusum_state& st = a->state;
      fmt::print("Odds ratio {} against {} ({}), h {}; {}\n", number(st.ra), number(st.r0),
                 st.ra > st.r0 ? "detects a deterioration" : "detects an improvement", number(st.h),
                 st.reset ? "restarts after a signal" : "no reset (--no-reset)");
      fmt::print("Signals:\n");
      signal_line(st.ra > st.r0 ? "deterioration" : "improvement", q.signal_upper);
    } else if (const auto* v = std::get_if<vlad_summary>(&summary)) {
      const vlad_state& st = v->state;
      if (st.values == 0) {
        fmt::print("No patient has both an outcome and a risk\n");
      } else {
        const double lives = st.vlad;
        fmt::print("VLAD after {}: {} (expected minus observed outcomes: {} {} than predicted)\n",
                   plural(st.values, "patient"), number(lives), number(std::fabs(lives)),
                   lives >= 0 ? "fewer" : "more");
      }
    }
  }
};

}  // namespace

void print_report(const output_context& out) {
  const reporter r{out};
  if (out.sequential)
    r.sequential();
  else if (out.req.mdc)
    r.mdc();
  else
    r.chart();
  std::fflush(stdout);
}

}  // namespace spc::cli
