// mdc.cpp: the NHS "Making Data Count" method, as NHSRplotthedots 0.2.2 ptd_spc() computes it
// (see spc/mdc.hpp for the algorithm and the handling of missing values).
#include "spc/mdc.hpp"

#include <bit>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "spc/constants.hpp"

namespace spc {

namespace {

constexpr std::array<std::string_view, 3> direction_names = {"increase", "decrease", "neutral"};
constexpr std::array<std::string_view, 9> cause_names = {
    "none",          "above_ucl",          "below_lcl",          "trend_increasing",
    "trend_decreasing", "two_in_three_above", "two_in_three_below", "shift_above",
    "shift_below"};
constexpr std::array<std::string_view, 9> cause_ptd = {"Common Cause",
                                                       "Above UCL",
                                                       "Below LCL",
                                                       "7 Point Trend (Increasing)",
                                                       "7 Point Trend (Decreasing)",
                                                       "2 in 3 Above CL",
                                                       "2 in 3 Below CL",
                                                       "7 Points Above CL",
                                                       "7 Points Below CL"};
constexpr std::array<std::string_view, 5> type_names = {"common_cause", "improvement", "concern",
                                                        "neutral_high", "neutral_low"};
constexpr std::array<std::string_view, 5> type_ptd = {
    "common_cause", "special_cause_improvement", "special_cause_concern",
    "special_cause_neutral_high", "special_cause_neutral_low"};
constexpr std::array<std::string_view, 4> assurance_names = {"", "consistent_pass",
                                                             "consistent_fail", "inconsistent"};

template <class E, std::size_t N>
std::optional<E> find_name(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t k = 0; k < N; ++k)
    if (names[k] == s) return static_cast<E>(k);
  return std::nullopt;
}

// Wheeler's XmR constant 3 / d2 = 2.66 and the "close to the limits" band at two thirds of it,
// computed as NHSRplotthedots does (ptd_spc_standard: limit, limitclose), so that points on the
// edge of a band fall on the same side.
constexpr double limit = 2.66;
constexpr double limit_close = 2 * (limit / 3);

// R's mean() of doubles (summary.c): a long double sum, then one correction pass. Matching it
// keeps the limits bit-for-bit close to NHSRplotthedots, so points on a band edge read alike.
// `get(j, v)` yields the j-th candidate and says whether it takes part.
template <class Get>
double r_mean(std::size_t first, std::size_t last, Get get) {
  long double s = 0;
  std::size_t n = 0;
  double v = 0;
  for (std::size_t j = first; j < last; ++j)
    if (get(j, v)) {
      s += v;
      ++n;
    }
  if (n == 0) return na;
  s /= static_cast<long double>(n);
  if (std::isfinite(static_cast<double>(s))) {
    long double t = 0;
    for (std::size_t j = first; j < last; ++j)
      if (get(j, v)) t += v - s;
    s += t / static_cast<long double>(n);
  }
  return static_cast<double>(s);
}

template <class T>
void fill(std::span<T> out, std::size_t first, std::size_t last, T value) {
  if (!out.empty()) std::fill(out.begin() + first, out.begin() + last, value);
}

}  // namespace

std::string_view to_string(improvement_direction d) noexcept {
  return direction_names[static_cast<std::size_t>(d)];
}
std::string_view to_string(special_cause c) noexcept {
  return cause_names[static_cast<std::size_t>(c)];
}
std::string_view to_string(point_type t) noexcept {
  return type_names[static_cast<std::size_t>(t)];
}
std::string_view to_string(assurance_type a) noexcept {
  return assurance_names[static_cast<std::size_t>(a)];
}
std::optional<improvement_direction> parse_improvement_direction(std::string_view s) noexcept {
  return find_name<improvement_direction>(direction_names, s);
}
std::optional<special_cause> parse_special_cause(std::string_view s) noexcept {
  return find_name<special_cause>(cause_names, s);
}
std::optional<point_type> parse_point_type(std::string_view s) noexcept {
  return find_name<point_type>(type_names, s);
}
std::optional<assurance_type> parse_assurance(std::string_view s) noexcept {
  if (s == "none") return assurance_type::none;
  return find_name<assurance_type>(assurance_names, s);
}
std::string_view ptd_label(special_cause c) noexcept {
  return cause_ptd[static_cast<std::size_t>(c)];
}
std::string_view ptd_label(point_type t) noexcept { return type_ptd[static_cast<std::size_t>(t)]; }
std::optional<special_cause> parse_ptd_special_cause(std::string_view s) noexcept {
  return find_name<special_cause>(cause_ptd, s);
}
std::optional<point_type> parse_ptd_point_type(std::string_view s) noexcept {
  return find_name<point_type>(type_ptd, s);
}

assurance_type assurance_of(double target, double lpl, double upl,
                            improvement_direction d) noexcept {
  // ptd_calculate_assurance_type: strict comparisons; missing limits read as inconsistent.
  if (std::isnan(target) || d == improvement_direction::neutral) return assurance_type::none;
  const bool increase = d == improvement_direction::increase;
  using a = assurance_type;
  if (target > upl) return increase ? a::consistent_fail : a::consistent_pass;
  if (target < lpl) return increase ? a::consistent_pass : a::consistent_fail;
  return a::inconsistent;
}

std::optional<input_error> find_problem(std::span<const double> y, const mdc_options& o) {
  for (std::size_t i = 0; i < y.size(); ++i)
    if (std::isinf(y[i])) return input_error("y", i, "is not finite");
  std::size_t prev = 0;
  for (const std::size_t r : o.rebase) {
    if (r < 1 || r > y.size())
      return input_error("rebase", input_error::npos,
                         "position " + std::to_string(r) + " is not between 1 and " +
                             std::to_string(y.size()));
    if (r <= prev)
      return input_error("rebase", input_error::npos, "positions must be strictly increasing");
    prev = r;
  }
  if (o.fix_after_n_points > 0 && o.fix_after_n_points < mdc_min_fix_points)
    return input_error("fix_after_n_points", input_error::npos,
                       "must be at least " + std::to_string(mdc_min_fix_points) +
                           " (0 = use every point)");
  if (std::isinf(o.target)) return input_error("target", input_error::npos, "is not finite");
  return std::nullopt;
}

namespace {

// The other rules of a period (`--rules mdc,we`) on its values, mean and process limits, merged
// into the MDC rules' per-point masks; returns the period's rules summary with the MDC rules
// counted from the points. The one place where MDC and other rules meet.
rules_summary merge_rules(std::span<const double> y, const mdc_period& p, const rule_options& others,
                          std::span<rule_mask> fired, detail::mdc_scratch& ws) {
  constexpr rule_mask mdc_set = rules_in(rule_set::mdc);
  const std::size_t a = p.first, len = p.last - p.first + 1;
  rules_summary rs;
  if (ws.other_direction.size() < len) ws.other_direction.resize(len);
  if (others.rules != 0) {
    for (auto* v : {&ws.cl, &ws.lcl, &ws.ucl}) v->resize(len);
    std::fill(ws.cl.begin(), ws.cl.end(), p.mean);
    std::fill(ws.lcl.begin(), ws.lcl.end(), p.lpl);
    std::fill(ws.ucl.begin(), ws.ucl.end(), p.upl);
    for (auto* v : {&ws.other_fired}) v->resize(len);
    ws.other_label.resize(len);
    ws.other_points.resize(len);
    const std::span<detail::rule_point> pts(ws.other_points.data(), len);
    detail::classify(y.subspan(a, len), ws.cl, ws.lcl, ws.ucl, {}, pts);
    const rule_columns oc{std::span<rule_mask>(ws.other_fired.data(), len),
                          std::span<rule>(ws.other_label.data(), len),
                          std::span<std::int8_t>(ws.other_direction.data(), len)};
    rs = detail::evaluate(std::span<const detail::rule_point>(pts), others, oc);
    for (std::size_t i = 0; i < len; ++i) fired[a + i] |= oc.fired[i];
  } else {
    std::fill(ws.other_direction.begin(), ws.other_direction.begin() + static_cast<std::ptrdiff_t>(len),
              std::int8_t{0});
  }
  rs.evaluated |= mdc_set;
  rs.n_points = p.n_points;
  for (std::size_t i = a; i < a + len; ++i) {
    const rule_mask mine = fired[i] & mdc_set;
    rs.fired |= mine;
    for (rule_mask bits = mine; bits != 0; bits &= bits - 1)
      ++rs.points[static_cast<std::size_t>(std::countr_zero(bits))];
  }
  return rs;
}

}  // namespace

mdc_columns mdc_result::columns() noexcept {
  return {period, mean, lpl, upl, cause, type, fired, label, direction};
}

mdc_series_result mdc_chart_into(std::span<const double> y, const mdc_options& options,
                                 const rule_options& asked, const mdc_columns& out,
                                 std::vector<mdc_period>& periods, mdc_workspace& workspace) {
  using detail::rule_point;
  if (auto e = find_problem(y, options)) throw *e;
  if (auto e = find_problem(asked)) throw *e;
  detail::mdc_scratch& ws = workspace.scratch;
  const std::size_t n = y.size();
  const auto check = [n](const char* name, std::size_t size) {
    if (size != 0 && size != n)
      throw input_error(name, input_error::npos,
                        "has " + std::to_string(size) + " rows where " + std::to_string(n) +
                            " are expected");
  };
  check("period", out.period.size());
  check("mean", out.mean.size());
  check("lpl", out.lpl.size());
  check("upl", out.upl.size());
  check("cause", out.cause.size());
  check("type", out.type.size());
  check("fired", out.fired.size());
  check("label", out.label.size());
  check("direction", out.direction.size());

  if (ws.points.size() < n) ws.points.resize(n);
  if (ws.label.size() < n) ws.label.resize(n);
  if (ws.direction.size() < n) ws.direction.resize(n);
  if (ws.cause.size() < n) ws.cause.resize(n);
  if (out.fired.empty() && ws.fired.size() < n) ws.fired.resize(n);
  const std::span<rule_mask> fired =
      out.fired.empty() ? std::span<rule_mask>(ws.fired.data(), n) : out.fired;
  // The MDC rules with their parameters; the other rules asked for, if any.
  constexpr rule_mask mdc_set = rules_in(rule_set::mdc);
  rule_options rules = asked;
  rules.rules = mdc_set;
  rule_options others = asked;
  others.rules = asked.rules & ~mdc_set;

  periods.clear();
  mdc_series_result series;
  std::size_t next_rebase = 0;
  for (std::size_t a = 0; a < n;) {
    // The period [a, b): up to the next rebase position (1-based positions start periods).
    while (next_rebase < options.rebase.size() && options.rebase[next_rebase] - 1 <= a)
      ++next_rebase;
    const std::size_t b =
        next_rebase < options.rebase.size() ? options.rebase[next_rebase] - 1 : n;
    const std::size_t fix_end =
        options.fix_after_n_points > 0 ? std::min(b, a + options.fix_after_n_points) : b;

    mdc_period p;
    p.period = static_cast<std::int32_t>(periods.size() + 1);
    p.first = a;
    p.last = b - 1;
    p.n_points = static_cast<std::int32_t>(b - a);

    // Centre line and mean moving range from the baseline points (ptd_spc_standard).
    p.mean = r_mean(a, fix_end, [&](std::size_t j, double& v) {
      v = y[j];
      return !std::isnan(v);
    });
    const auto moving_range = [&](std::size_t j, double& v) {
      if (j == a) return false;
      v = std::fabs(y[j] - y[j - 1]);
      return !std::isnan(v);
    };
    double amr = r_mean(a, fix_end, moving_range);
    if (options.screen_outliers && !std::isnan(amr)) {
      // Nelson 1982 (JQT 14:172): moving ranges of D4 * AMR or more are dropped, once.
      const double cut = constants::D4 * amr;
      amr = r_mean(a, fix_end, [&](std::size_t j, double& v) {
        return moving_range(j, v) && v < cut;
      });
    }
    p.amr = amr;
    p.lpl = p.mean - limit * amr;
    p.upl = p.mean + limit * amr;
    const double nlpl = p.mean - limit_close * amr;
    const double nupl = p.mean + limit_close * amr;
    const double one_sigma = limit / 3 * amr;

    // Classify the points for the rule engine: the band edges exactly as NHSRplotthedots.
    const std::span<rule_point> pts(ws.points.data() + a, b - a);
    for (std::size_t i = a; i < b; ++i) {
      rule_point q;
      q.y = y[i];
      if (!std::isnan(q.y)) {
        q.use = rule_point::value;
        if (!std::isnan(p.mean)) {
          q.use |= rule_point::side;
          q.sign = static_cast<std::int8_t>(q.y > p.mean ? 1 : (q.y < p.mean ? -1 : 0));
          if (!std::isnan(amr)) {
            q.use |= rule_point::zone | rule_point::limits;
            if (q.y > p.upl)
              q.band = 3;
            else if (q.y < p.lpl)
              q.band = -3;
            else if (q.y < nlpl)
              q.band = -2;
            else if (q.y > nupl)
              q.band = 2;
            else if (std::fabs(q.y - p.mean) > one_sigma)
              q.band = q.sign;
          }
        }
      }
      pts[i - a] = q;
    }
    const rule_columns cols{fired.subspan(a, b - a),
                            std::span<rule>(ws.label.data() + a, b - a),
                            std::span<std::int8_t>(ws.direction.data() + a, b - a)};
    detail::evaluate(std::span<const rule_point>(pts), rules, cols);

    // Special-cause type and point type (ptd_special_cause_type, ptd_point_type).
    std::size_t prev = b;  // previous non-missing point, b = none
    bool have_last = false;
    for (std::size_t i = a; i < b; ++i) {
      special_cause c = special_cause::none;
      const rule_point& q = ws.points[i];
      if (q.use == 0) {
        ++p.n_missing;
      } else {
        const bool up = q.sign > 0;
        switch (ws.label[i]) {
          case rule::mdc_beyond:
            c = q.sign == 1 ? special_cause::above_ucl : special_cause::below_lcl;
            break;
          case rule::mdc_trend: {
            // NHSRplotthedots takes a trend point's direction from the step to the next point
            // when that point is part of a trend too, else from the step from the previous one;
            // a step that is not up reads as decreasing. (This differs from the trend's own
            // direction only where two trends meet.)
            std::size_t next = i + 1;
            while (next < b && ws.points[next].use == 0) ++next;
            double step = 0;
            if (next < b && has_rule(fired[next], rule::mdc_trend))
              step = ws.points[next].y - q.y;
            else if (prev < b)
              step = q.y - ws.points[prev].y;
            c = step > 0 ? special_cause::trend_increasing : special_cause::trend_decreasing;
            break;
          }
          case rule::mdc_two_in_three:
            c = up ? special_cause::two_in_three_above : special_cause::two_in_three_below;
            break;
          case rule::mdc_shift:
            c = up ? special_cause::shift_above : special_cause::shift_below;
            break;
          default: break;
        }
        const point_type t = point_type_of(c, options.direction);
        switch (t) {
          case point_type::common_cause: ++p.common_cause; break;
          case point_type::improvement: ++p.improvement; break;
          case point_type::concern: ++p.concern; break;
          case point_type::neutral_high: ++p.neutral_high; break;
          case point_type::neutral_low: ++p.neutral_low; break;
        }
        p.variation = t;
        have_last = true;
        prev = i;
      }
      ws.cause[i] = c;
      if (!out.cause.empty()) out.cause[i] = c;
      if (!out.type.empty()) out.type[i] = point_type_of(c, options.direction);
    }
    p.rules = merge_rules(y, p, others, fired, ws);
    // Labels: the highest-precedence rule at each point; an MDC label has the direction of its
    // special cause, another rule's label the direction of its own evaluation.
    for (std::size_t i = a; i < b; ++i) {
      const rule r = label_of(fired[i]);
      const std::int8_t d = r == rule::none              ? std::int8_t{0}
                            : has_rule(mdc_set, r)       ? static_cast<std::int8_t>(direction_of(ws.cause[i]))
                                                         : ws.other_direction[i - a];
      if (!out.label.empty()) out.label[i] = r;
      if (!out.direction.empty()) out.direction[i] = d;
    }
    fill(out.period, a, b, p.period);
    fill(out.mean, a, b, p.mean);
    fill(out.lpl, a, b, p.lpl);
    fill(out.upl, a, b, p.upl);
    p.assurance = assurance_of(options.target, p.lpl, p.upl, options.direction);
    p.trial_limits =
        static_cast<std::size_t>(p.n_points - p.n_missing) < options.trial_limit_points;
    if (have_last) series.variation = p.variation;
    series.assurance = p.assurance;
    periods.push_back(p);
    a = b;
  }
  return series;
}

mdc_result mdc_chart(std::span<const double> y, const mdc_options& options, const rule_options& rules) {
  mdc_result r;
  const std::size_t n = y.size();
  r.period.resize(n);
  r.mean.resize(n);
  r.lpl.resize(n);
  r.upl.resize(n);
  r.cause.resize(n);
  r.type.resize(n);
  r.fired.resize(n);
  r.label.resize(n);
  r.direction.resize(n);
  mdc_workspace ws;
  const auto s = mdc_chart_into(y, options, rules, r.columns(), r.periods, ws);
  r.variation = s.variation;
  r.assurance = s.assurance;
  return r;
}

}  // namespace spc
