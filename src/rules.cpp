// rules.cpp: the special-cause rule sets. Definitions, sources and the choices made where the
// sources are silent are in spc/rules.hpp and docs/rules.md.
#include "spc/rules.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <utility>

#include "spc/runs.hpp"

namespace spc {

namespace {

using detail::rule_point;

struct rule_info {
  std::string_view name;
  std::string_view text;
};

// Indexed by rule (the enum order is the precedence order).
constexpr std::array<rule_info, rule_count + 1> rule_infos{{
    {"sigma3", "1 point outside the 3-sigma limits"},
    {"we1", "1 point beyond 3 sigma"},
    {"nelson1", "1 point beyond 3 sigma"},
    {"mdc_beyond", "1 point outside the process limits"},
    {"mdc_trend", "7 points steadily increasing or decreasing"},
    {"ihi_trend", "5 points steadily going up or down (ties counted once)"},
    {"nelson3", "6 points steadily increasing or decreasing"},
    {"mdc_two_in_three", "2 of 3 points beyond 2 sigma, all 3 on the same side of the mean"},
    {"we2", "2 of 3 points beyond 2 sigma on the same side"},
    {"nelson5", "2 of 3 points beyond 2 sigma on the same side"},
    {"we3", "4 of 5 points beyond 1 sigma on the same side"},
    {"nelson6", "4 of 5 points beyond 1 sigma on the same side"},
    {"mdc_shift", "7 points on the same side of the mean"},
    {"ihi_shift", "6 points on the same side of the median (points on it skipped)"},
    {"we4", "8 points on the same side of the centre line"},
    {"nelson2", "9 points on the same side of the centre line"},
    {"anhoej_run", "a run on one side longer than round(log2(n)) + 3"},
    {"nelson4", "14 points alternating up and down"},
    {"nelson7", "15 points within 1 sigma of the centre line"},
    {"nelson8", "8 points beyond 1 sigma, on either side"},
    {"ihi_few_runs", "too few runs about the median"},
    {"ihi_many_runs", "too many runs about the median"},
    {"anhoej_crossings", "fewer crossings of the centre line than the 5th percentile"},
    {"none", "no rule fired"},
}};

constexpr std::array<std::string_view, rule_set_count> set_names = {"sigma3", "anhoej", "ihi",
                                                                    "we",     "nelson", "mdc"};

constexpr std::size_t index_of(rule r) noexcept { return static_cast<std::size_t>(r); }

constexpr rule_mask all_rules = (rule_mask{1} << rule_count) - 1;

// IHI runs table (Perla, Provost & Murray 2011, Table 1; the public reproduction quoted in the
// project's statistics reference, sec. 3): fewest and most runs without a signal, n = 10..40.
constexpr std::int32_t ihi_table_first = 10;
constexpr std::array<runs_bounds, 31> ihi_table{{
    {3, 9},   {3, 10},  {3, 11},  {4, 11},  {4, 12},  {5, 12},  {5, 13},  {5, 13},
    {6, 14},  {6, 15},  {6, 16},  {7, 16},  {7, 17},  {7, 17},  {8, 18},  {8, 18},
    {9, 19},  {9, 20},  {10, 20}, {10, 21}, {11, 22}, {11, 22}, {11, 23}, {11, 24},
    {12, 24}, {12, 25}, {13, 25}, {13, 26}, {14, 26}, {14, 27}, {15, 27},
}};

// Beyond the table: runs ~ Normal(mu, sigma^2) with mu = 1 + 2ab/n and
// sigma^2 = 2ab(2ab - n) / (n^2 (n - 1)) (Swed & Eisenhart 1943), a above and b below; two-sided
// 5% (statistics reference, sec. 3).
constexpr double ihi_z = 1.96;

std::optional<input_error> length_problem(const char* argument, std::int32_t n) {
  if (n < 2) return input_error(argument, input_error::npos, "must be at least 2 points");
  return std::nullopt;
}

std::optional<input_error> window_problem(const char* argument, k_of_m w) {
  if (w.m < 1 || w.m > max_window)
    return input_error(argument, input_error::npos,
                       "the window must hold 1 to " + std::to_string(max_window) + " points");
  if (w.k < 1 || w.k > w.m)
    return input_error(argument, input_error::npos, "k must be between 1 and the window size m");
  return std::nullopt;
}

// One evaluation: the points, the output columns and the summary, and the marking that every
// rule shares.
class engine {
 public:
  engine(std::span<const rule_point> p, const rule_columns& out, rules_summary& s)
      : p_(p), fired_(out.fired), label_(out.label), dir_(out.direction), s_(s) {}

  // Point i fires rule r. The label keeps the highest-precedence rule; rules run in precedence
  // order, so a later mark by the same rule (a point shared by two trends) updates the direction:
  // the trend to the right wins, as in NHSRplotthedots.
  void mark(std::size_t i, rule r, int dir) {
    const rule_mask b = rule_bit(r);
    if ((fired_[i] & b) == 0) {
      fired_[i] |= b;
      ++s_.points[index_of(r)];
    }
    if (!label_.empty() && (label_[i] == rule::none || label_[i] == r)) {
      label_[i] = r;
      if (!dir_.empty()) dir_[i] = static_cast<std::int8_t>(dir);
    }
  }

  // Marks every point of [first, last] that has all bits of `use` (and, when sign != 0, that
  // sign): the points of a run, skipping those the rule does not see.
  void mark_range(std::size_t first, std::size_t last, std::uint8_t use, int sign, rule r,
                  int dir) {
    for (std::size_t i = first; i <= last; ++i)
      if ((p_[i].use & use) == use && (sign == 0 || p_[i].sign == sign)) mark(i, r, dir);
  }

  void beyond_limits(rule r) {
    for (std::size_t i = 0; i < p_.size(); ++i)
      if ((p_[i].use & rule_point::limits) && (p_[i].band == 3 || p_[i].band == -3))
        mark(i, r, p_[i].band > 0 ? 1 : -1);
  }

  // n points steadily up or down. With `ties_break`, an equal value ends the trend (Nelson, MDC);
  // otherwise it is counted once: it neither counts nor breaks, and belongs to the trend (IHI).
  void trend(rule r, std::int32_t n, bool ties_break) {
    constexpr auto use = rule_point::value;
    bool first = true;
    std::size_t prev = 0, start = 0, plateau = 0;
    int dir = 0;
    std::int32_t count = 0;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (!(p_[i].use & use)) continue;
      if (first) {
        first = false;
        start = plateau = prev = i;
        count = 1;
        continue;
      }
      const double d = p_[i].y - p_[prev].y;
      if (d == 0) {
        if (ties_break) {
          start = plateau = i;
          count = 1;
          dir = 0;
        } else if (count >= n) {
          mark(i, r, dir);
        }
      } else {
        const int s = d > 0 ? 1 : -1;
        if (s == dir) {
          ++count;
        } else {
          // A reversal: the new trend starts at the previous value (at the first of its ties).
          dir = s;
          start = ties_break ? prev : plateau;
          count = 2;
        }
        plateau = i;
        if (count == n)
          mark_range(start, i, use, 0, r, dir);
        else if (count > n)
          mark(i, r, dir);
      }
      prev = i;
    }
  }

  // n points on one side of the centre line. A point on the line breaks the run, or with
  // `skip_on_line` neither counts nor breaks it (and is not flagged).
  void side_run(rule r, std::int32_t n, bool skip_on_line) {
    constexpr auto use = rule_point::side;
    int side = 0;
    std::int32_t count = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (!(p_[i].use & use)) continue;
      const int sg = p_[i].sign;
      if (sg == 0) {
        if (!skip_on_line) {
          side = 0;
          count = 0;
        }
        continue;
      }
      if (sg == side) {
        ++count;
      } else {
        side = sg;
        count = 1;
        start = i;
      }
      if (count == n)
        mark_range(start, i, use, side, r, side);
      else if (count > n)
        mark(i, r, side);
    }
  }

  // n points alternating up and down (n - 1 changes of alternating sign); a tie breaks.
  void alternating(rule r, std::int32_t n) {
    constexpr auto use = rule_point::value;
    bool first = true;
    std::size_t prev = 0, start = 0;
    int last = 0;
    std::int32_t count = 0;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (!(p_[i].use & use)) continue;
      if (first) {
        first = false;
        prev = start = i;
        count = 1;
        continue;
      }
      const double d = p_[i].y - p_[prev].y;
      if (d == 0) {
        count = 1;
        last = 0;
        start = i;
      } else {
        const int s = d > 0 ? 1 : -1;
        if (last != 0 && s == -last) {
          ++count;
        } else {
          count = 2;
          start = prev;
        }
        last = s;
        if (count == n)
          mark_range(start, i, use, 0, r, 0);
        else if (count > n)
          mark(i, r, 0);
      }
      prev = i;
    }
  }

  // n consecutive zone points that satisfy `pred` (Nelson 7 and 8; no direction).
  template <class Pred>
  void zone_run(rule r, std::int32_t n, Pred pred) {
    constexpr auto use = rule_point::zone;
    std::int32_t count = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (!(p_[i].use & use)) continue;
      if (!pred(p_[i])) {
        count = 0;
        continue;
      }
      if (count++ == 0) start = i;
      if (count == n)
        mark_range(start, i, use, 0, r, 0);
      else if (count > n)
        mark(i, r, 0);
    }
  }

  // k of m consecutive zone points beyond `band` sigmas on the same side; the k or more points
  // beyond are flagged (Western Electric 2 and 3, Nelson 5 and 6).
  void k_of_m_rule(rule r, k_of_m w, int band) {
    std::array<std::size_t, max_window> ring{};
    const auto m = static_cast<std::size_t>(w.m);
    std::size_t head = 0, filled = 0;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (!(p_[i].use & rule_point::zone)) continue;
      ring[head] = i;
      head = head + 1 == m ? 0 : head + 1;
      if (filled < m && ++filled < m) continue;
      std::int32_t up = 0, down = 0;
      for (std::size_t j = 0; j < m; ++j) {
        const int b = p_[ring[j]].band;
        up += b >= band;
        down += b <= -band;
      }
      for (int side : {1, -1}) {
        if ((side > 0 ? up : down) < w.k) continue;
        for (std::size_t j = 0; j < m; ++j)
          if (p_[ring[j]].band * side >= band) mark(ring[j], r, side);
      }
    }
  }

  // MDC two-in-three (NHSRplotthedots 0.2.2 ptd_two_in_three): a window of 3 consecutive points
  // all on the same side of the mean, at least 2 of them "close to the limits" (between 2 and 3
  // sigma; with beyond_2sigma, anywhere beyond 2 sigma). Only the close points are flagged.
  void mdc_two_in_three(rule r, two_in_three_policy policy) {
    const int top = policy == two_in_three_policy::band_only ? 2 : 3;
    std::array<std::size_t, 3> ring{};
    std::size_t head = 0, filled = 0;
    for (std::size_t i = 0; i < p_.size(); ++i) {
      if (!(p_[i].use & rule_point::zone)) continue;
      ring[head] = i;
      head = head == 2 ? 0 : head + 1;
      if (filled < 3 && ++filled < 3) continue;
      int sum = 0, close = 0;
      for (std::size_t j : ring) {
        const int b = p_[j].band < 0 ? -p_[j].band : p_[j].band;
        sum += p_[j].sign;
        close += b >= 2 && b <= top;
      }
      if ((sum != 3 && sum != -3) || close < 2) continue;
      for (std::size_t j : ring) {
        const int b = p_[j].band < 0 ? -p_[j].band : p_[j].band;
        if (b >= 2 && b <= top) mark(j, r, sum > 0 ? 1 : -1);
      }
    }
  }

  // IHI too few / too many runs (series-level).
  void ihi_runs(const rule_mask wanted) {
    std::int32_t n = 0, a = 0, b = 0, runs = 0;
    int last = 0;
    for (const auto& q : p_) {
      if (!(q.use & rule_point::side) || q.sign == 0) continue;
      ++n;
      (q.sign > 0 ? a : b) += 1;
      if (q.sign != last) {
        ++runs;
        last = q.sign;
      }
    }
    s_.ihi_useful = n;
    s_.ihi_runs = runs;
    if (const auto t = ihi_runs_table(n)) {
      s_.ihi_runs_lower = t->lower;
      s_.ihi_runs_upper = t->upper;
      s_.ihi_runs_from_table = true;
    } else if (n >= ihi_table_first) {  // beyond the table
      const double nn = n, ab2 = 2.0 * a * b;
      const double mu = 1.0 + ab2 / nn;
      const double sd = std::sqrt(ab2 * (ab2 - nn) / (nn * nn * (nn - 1.0)));
      s_.ihi_runs_lower = mu - ihi_z * sd;
      s_.ihi_runs_upper = mu + ihi_z * sd;
    }
    if (has_rule(wanted, rule::ihi_few_runs) && runs < s_.ihi_runs_lower)
      s_.fired |= rule_bit(rule::ihi_few_runs);
    if (has_rule(wanted, rule::ihi_many_runs) && runs > s_.ihi_runs_upper)
      s_.fired |= rule_bit(rule::ihi_many_runs);
  }

  // Anhøj rules (Anhøj & Olesen 2014): runs longer than Lmax are flagged; too few crossings is a
  // series-level signal. Points on the centre line are skipped.
  void anhoej(const rule_mask wanted) {
    std::int32_t n = 0, crossings = 0, run = 0, longest = 0;
    int last = 0;
    for (const auto& q : p_) {
      if (!(q.use & rule_point::side) || q.sign == 0) continue;
      ++n;
      if (q.sign == last) {
        ++run;
      } else {
        if (last != 0) ++crossings;
        last = q.sign;
        run = 1;
      }
      if (run > longest) longest = run;
    }
    s_.anhoej_useful = n;
    s_.longest_run = longest;
    s_.crossings = crossings;
    if (n == 0) return;
    s_.longest_run_max = longest_run_limit(n);
    s_.crossings_min = crossings_limit(n);
    if (has_rule(wanted, rule::anhoej_run))
      side_run(rule::anhoej_run, s_.longest_run_max + 1, true);
    if (has_rule(wanted, rule::anhoej_crossings) && crossings < s_.crossings_min)
      s_.fired |= rule_bit(rule::anhoej_crossings);
  }

 private:
  std::span<const rule_point> p_;
  std::span<rule_mask> fired_;
  std::span<rule> label_;
  std::span<std::int8_t> dir_;
  rules_summary& s_;
};

void check_size(const char* argument, std::size_t size, std::size_t n, bool optional) {
  if ((optional && size == 0) || size == n) return;
  throw input_error(argument, input_error::npos,
                    "has " + std::to_string(size) + " values where " + std::to_string(n) +
                        " are expected");
}

}  // namespace

std::string_view to_string(rule r) noexcept { return rule_infos[index_of(r)].name; }
std::string_view describe(rule r) noexcept { return rule_infos[index_of(r)].text; }

std::optional<rule> parse_rule(std::string_view name) noexcept {
  for (std::size_t k = 0; k < rule_count; ++k)
    if (rule_infos[k].name == name) return static_cast<rule>(k);
  return std::nullopt;
}

std::string_view to_string(rule_set s) noexcept { return set_names[static_cast<std::size_t>(s)]; }

std::optional<rule_set> parse_rule_set(std::string_view name) noexcept {
  for (std::size_t k = 0; k < set_names.size(); ++k)
    if (set_names[k] == name) return static_cast<rule_set>(k);
  if (name == "3sigma") return rule_set::sigma3;
  if (name == "western_electric") return rule_set::western_electric;
  if (name == "anh\u00f8j") return rule_set::anhoej;
  return std::nullopt;
}

std::optional<rule_mask> parse_rules(std::string_view list) noexcept {
  rule_mask mask = 0;
  while (!list.empty()) {
    const auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (const auto s = parse_rule_set(item))
      mask |= rules_in(*s);
    else if (const auto r = parse_rule(item))
      mask |= rule_bit(*r);
    else
      return std::nullopt;
  }
  if (mask == 0) return std::nullopt;
  return mask;
}

std::string_view to_string(two_in_three_policy p) noexcept {
  return p == two_in_three_policy::band_only ? "band_only" : "beyond_2sigma";
}

std::optional<two_in_three_policy> parse_two_in_three_policy(std::string_view name) noexcept {
  if (name == "band_only") return two_in_three_policy::band_only;
  if (name == "beyond_2sigma") return two_in_three_policy::beyond_2sigma;
  return std::nullopt;
}

std::optional<runs_bounds> ihi_runs_table(std::int32_t n_useful) noexcept {
  const std::int32_t k = n_useful - ihi_table_first;
  if (k < 0 || k >= static_cast<std::int32_t>(ihi_table.size())) return std::nullopt;
  return ihi_table[static_cast<std::size_t>(k)];
}

std::optional<input_error> find_problem(const rule_options& o) {
  if ((o.rules & ~all_rules) != 0)
    return input_error("rules", input_error::npos, "names a rule that does not exist");
  std::optional<input_error> e;
  if ((e = length_problem("ihi.shift", o.ihi.shift))) return e;
  if ((e = length_problem("ihi.trend", o.ihi.trend))) return e;
  if ((e = window_problem("we.two_of_three", o.we.two_of_three))) return e;
  if ((e = window_problem("we.four_of_five", o.we.four_of_five))) return e;
  if ((e = length_problem("we.run", o.we.run))) return e;
  if ((e = length_problem("nelson.run", o.nelson.run))) return e;
  if ((e = length_problem("nelson.trend", o.nelson.trend))) return e;
  if ((e = length_problem("nelson.alternating", o.nelson.alternating))) return e;
  if ((e = window_problem("nelson.two_of_three", o.nelson.two_of_three))) return e;
  if ((e = window_problem("nelson.four_of_five", o.nelson.four_of_five))) return e;
  if ((e = length_problem("nelson.stratification", o.nelson.stratification))) return e;
  if ((e = length_problem("nelson.mixture", o.nelson.mixture))) return e;
  if ((e = length_problem("mdc.trend", o.mdc.trend))) return e;
  if ((e = length_problem("mdc.shift", o.mdc.shift))) return e;
  return std::nullopt;
}

namespace detail {

void classify(std::span<const double> y, std::span<const double> cl, std::span<const double> lcl,
              std::span<const double> ucl, std::span<const std::uint8_t> include,
              std::span<rule_point> out) {
  const std::size_t n = y.size();
  check_size("cl", cl.size(), n, false);
  check_size("lcl", lcl.size(), n, true);
  check_size("ucl", ucl.size(), n, true);
  check_size("include", include.size(), n, true);
  check_size("points", out.size(), n, false);
  for (std::size_t i = 0; i < n; ++i) {
    rule_point p;
    p.y = y[i];
    if (std::isnan(p.y)) {
      out[i] = p;
      continue;
    }
    const bool included = include.empty() || include[i] != 0;
    const double c = cl[i];
    const double lo = lcl.empty() ? na : lcl[i];
    const double hi = ucl.empty() ? na : ucl[i];
    if (!std::isnan(lo) || !std::isnan(hi)) p.use |= rule_point::limits;
    if (included) p.use |= rule_point::value;
    if (p.y > hi)
      p.band = 3;
    else if (p.y < lo)
      p.band = -3;
    if (std::isnan(c)) {
      out[i] = p;
      continue;
    }
    p.sign = static_cast<std::int8_t>(p.y > c ? 1 : (p.y < c ? -1 : 0));
    if (included) p.use |= rule_point::side;
    // sigma_i = (ucl_i - cl_i) / 3 (statistics reference, sec. 5); from the lower limit when
    // there is no upper one.
    const double sigma = !std::isnan(hi) ? (hi - c) / 3.0 : (c - lo) / 3.0;
    if (!(sigma >= 0)) {
      out[i] = p;
      continue;
    }
    if (included) p.use |= rule_point::zone;
    if (p.band == 0) {
      const double d = std::fabs(p.y - c);
      const int b = d > 2.0 * sigma ? 2 : (d > sigma ? 1 : 0);
      p.band = static_cast<std::int8_t>(p.sign * b);
    }
    out[i] = p;
  }
}

rules_summary evaluate(std::span<const rule_point> points, const rule_options& options,
                       const rule_columns& out) {
  if (auto e = find_problem(options)) throw *e;
  const std::size_t n = points.size();
  check_size("fired", out.fired.size(), n, false);
  check_size("label", out.label.size(), n, true);
  check_size("direction", out.direction.size(), n, true);

  std::fill(out.fired.begin(), out.fired.end(), rule_mask{0});
  std::fill(out.label.begin(), out.label.end(), rule::none);
  std::fill(out.direction.begin(), out.direction.end(), std::int8_t{0});

  rules_summary s;
  s.evaluated = options.rules;
  s.n_points = static_cast<std::int32_t>(n);
  const rule_mask want = options.rules;
  engine e(points, out, s);

  // Precedence order (the enum order).
  if (has_rule(want, rule::sigma3)) e.beyond_limits(rule::sigma3);
  if (has_rule(want, rule::we1)) e.beyond_limits(rule::we1);
  if (has_rule(want, rule::nelson1)) e.beyond_limits(rule::nelson1);
  if (has_rule(want, rule::mdc_beyond)) e.beyond_limits(rule::mdc_beyond);
  if (has_rule(want, rule::mdc_trend)) e.trend(rule::mdc_trend, options.mdc.trend, true);
  if (has_rule(want, rule::ihi_trend)) e.trend(rule::ihi_trend, options.ihi.trend, false);
  if (has_rule(want, rule::nelson3)) e.trend(rule::nelson3, options.nelson.trend, true);
  if (has_rule(want, rule::mdc_two_in_three))
    e.mdc_two_in_three(rule::mdc_two_in_three, options.mdc.two_in_three);
  if (has_rule(want, rule::we2)) e.k_of_m_rule(rule::we2, options.we.two_of_three, 2);
  if (has_rule(want, rule::nelson5)) e.k_of_m_rule(rule::nelson5, options.nelson.two_of_three, 2);
  if (has_rule(want, rule::we3)) e.k_of_m_rule(rule::we3, options.we.four_of_five, 1);
  if (has_rule(want, rule::nelson6)) e.k_of_m_rule(rule::nelson6, options.nelson.four_of_five, 1);
  if (has_rule(want, rule::mdc_shift)) e.side_run(rule::mdc_shift, options.mdc.shift, false);
  if (has_rule(want, rule::ihi_shift)) e.side_run(rule::ihi_shift, options.ihi.shift, true);
  if (has_rule(want, rule::we4)) e.side_run(rule::we4, options.we.run, false);
  if (has_rule(want, rule::nelson2)) e.side_run(rule::nelson2, options.nelson.run, false);
  if (want & (rule_bit(rule::anhoej_run) | rule_bit(rule::anhoej_crossings))) e.anhoej(want);
  if (has_rule(want, rule::nelson4)) e.alternating(rule::nelson4, options.nelson.alternating);
  if (has_rule(want, rule::nelson7))
    e.zone_run(rule::nelson7, options.nelson.stratification,
               [](const rule_point& q) { return q.band == 0; });
  if (has_rule(want, rule::nelson8))
    e.zone_run(rule::nelson8, options.nelson.mixture,
               [](const rule_point& q) { return q.band != 0; });
  if (want & (rule_bit(rule::ihi_few_runs) | rule_bit(rule::ihi_many_runs))) e.ihi_runs(want);

  for (std::size_t k = 0; k < rule_count; ++k)
    if (s.points[k] > 0) s.fired |= rule_mask{1} << k;
  return s;
}

}  // namespace detail

rules_summary apply_rules_into(std::span<const double> y, std::span<const double> cl,
                               std::span<const double> lcl, std::span<const double> ucl,
                               const rule_options& options, const rule_columns& out,
                               rules_workspace& ws) {
  using detail::rule_point;
  const std::size_t n = y.size();
  if (ws.points.size() < n) ws.points.resize(n);
  const std::span<rule_point> points(ws.points.data(), n);
  detail::classify(y, cl, lcl, ucl, {}, points);
  rule_columns cols = out;
  if (cols.fired.empty()) {
    if (ws.fired.size() < n) ws.fired.resize(n);
    cols.fired = std::span<rule_mask>(ws.fired.data(), n);
  }
  return detail::evaluate(points, options, cols);
}

rule_mask rules_result::fired_anywhere() const noexcept {
  rule_mask m = 0;
  for (const auto& p : parts) m |= p.fired;
  return m;
}

rules_result apply_rules(std::span<const double> y, std::span<const double> cl,
                         std::span<const double> lcl, std::span<const double> ucl,
                         const rule_options& options) {
  rules_result r;
  r.fired.resize(y.size());
  r.label.resize(y.size());
  r.direction.resize(y.size());
  rules_workspace ws;
  r.parts.push_back(apply_rules_into(y, cl, lcl, ucl, options, r.columns(), ws));
  return r;
}

rules_result apply_rules(const chart_result& chart, const rule_options& options) {
  const std::size_t n = chart.size();
  check_size("cl", chart.cl.size(), n, false);
  check_size("lcl", chart.lcl.size(), n, true);
  check_size("ucl", chart.ucl.size(), n, true);
  check_size("include", chart.include.size(), n, true);
  rules_result r;
  r.fired.resize(n);
  r.label.resize(n);
  r.direction.resize(n);
  std::vector<detail::rule_point> points(n);
  const auto sub = [](const auto& v, std::size_t first, std::size_t count) {
    using T = typename std::decay_t<decltype(v)>::value_type;
    return v.empty() ? std::span<const T>{} : std::span<const T>(v.data() + first, count);
  };
  // One part covering everything when the chart has no part summaries.
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const auto& p : chart.parts) ranges.emplace_back(p.first, p.last + 1);
  if (ranges.empty() && n > 0) ranges.emplace_back(0, n);
  for (const auto& [first, end] : ranges) {
    if (first > end || end > n) throw input_error("parts", input_error::npos, "out of range");
    const std::size_t count = end - first;
    const std::span<detail::rule_point> pts(points.data() + first, count);
    detail::classify(sub(chart.y, first, count), sub(chart.cl, first, count),
             sub(chart.lcl, first, count), sub(chart.ucl, first, count),
             sub(chart.include, first, count), pts);
    const rule_columns cols{std::span<rule_mask>(r.fired.data() + first, count),
                            std::span<rule>(r.label.data() + first, count),
                            std::span<std::int8_t>(r.direction.data() + first, count)};
    r.parts.push_back(detail::evaluate(std::span<const detail::rule_point>(pts), options, cols));
  }
  return r;
}

}  // namespace spc
