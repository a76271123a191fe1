// Automatic phases (spc/phases.hpp): the anhoej, changepoint and runcharter methods of
// phases.md, the trend guard, and the chart with the proposed phases.
//
// Implemented from the specification (phases.md §2-§5); runcharter (GPL-3) is a reference for
// numbers only, never for code.
#include "spc/phases.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include "charts.hpp"
#include "spc/constants.hpp"
#include "spc/runs.hpp"

namespace spc {

namespace {

constexpr std::array<std::string_view, 3> method_names = {"anhoej", "changepoint", "runcharter"};
constexpr std::array<std::string_view, 3> direction_names = {"both", "above", "below"};
constexpr std::array<std::string_view, 4> reason_names = {"", "start", "shift_up", "shift_down"};

template <class E, std::size_t N>
std::optional<E> find_name(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t k = 0; k < N; ++k)
    if (names[k] == s) return static_cast<E>(k);
  return std::nullopt;
}

constexpr std::size_t npos = phase_proposal::npos;

// The series as the detection sees it (phases.md §2), in the workspace: v the chart statistic
// (y, or y / n where the chart plots it), NaN for a missing or an excluded point; num / den the
// parts of a level, so that the centre line of a set is sum(num) / sum(den) over its points with
// a value: p and u: y and n (sum y / sum n, and n the weight of the trend guard); i and c: v and
// 1 (the mean). Run charts take the median of v instead.
struct series_data {
  std::span<const double> v, num, den;
  chart_type chart = chart_type::run;
  bool median = false;  // the run chart's centre line
  std::size_t size() const noexcept { return v.size(); }
  bool has(std::size_t i) const noexcept { return !std::isnan(v[i]); }
};

series_data prepare(const series_view& s, const chart_options& c, detail::phase_scratch& ws) {
  const std::size_t m = s.y.size();
  ws.v.assign(m, na);
  ws.num.assign(m, na);
  ws.den.assign(m, na);
  const bool ratio_level = c.chart == chart_type::p || c.chart == chart_type::u;
  for (std::size_t i = 0; i < m; ++i) {
    const double y = s.y[i];
    const double value = s.n.empty() ? y : y / s.n[i];  // NaN when y or n is missing
    if (std::isnan(value)) continue;
    ws.v[i] = value;
    ws.num[i] = ratio_level ? y : value;
    ws.den[i] = ratio_level ? s.n[i] : 1.0;
  }
  for (const std::size_t p : c.exclude) ws.v[p - 1] = ws.num[p - 1] = ws.den[p - 1] = na;
  return series_data{ws.v, ws.num, ws.den, c.chart, c.chart == chart_type::run};
}

double median_of_values(std::span<const double> v, std::size_t first, std::size_t last, std::vector<double>& a) {
  a.clear();
  for (std::size_t i = first; i <= last; ++i)
    if (!std::isnan(v[i])) a.push_back(v[i]);
  const std::size_t k = a.size();
  if (k == 0) return na;
  std::sort(a.begin(), a.end());
  return k % 2 ? a[k / 2] : (a[k / 2 - 1] + a[k / 2]) / 2;
}

// CL(points first..last), phases.md §2: the chart's own formula over the points with a value.
double level(const series_data& d, std::size_t first, std::size_t last, detail::phase_scratch& ws) {
  if (d.median) return median_of_values(d.v, first, last, ws.a);
  double num = 0, den = 0;
  for (std::size_t i = first; i <= last; ++i) {
    if (!d.has(i)) continue;
    num += d.num[i];
    den += d.den[i];
  }
  return den > 0 ? num / den : na;
}

// The side of a point against a centre line, compared exactly: +1, -1, or 0 for a point on the
// line or without a value (not useful: it neither breaks nor extends a run).
inline int side_of(double v, double c) noexcept { return static_cast<int>(v > c) - static_cast<int>(v < c); }

inline bool allowed(phase_direction d, int side) noexcept {
  return side != 0 && (d == phase_direction::both || (d == phase_direction::above ? side > 0 : side < 0));
}

// The trend guard over the detection's values (weights den: n for p and u, 1 otherwise).
bool trend_fits(const series_data& d, std::size_t first, std::size_t r, std::size_t last) {
  return trend_guard(d.v, d.den, first, r, last).refused();
}

phase_note trend_note(bool change, std::size_t at, std::size_t first, std::size_t last) {
  phase_note n;
  n.kind = phase_note_kind::trend;
  n.change = change;
  n.at = at;
  n.window_first = first;
  n.window_last = last;
  return n;
}

// --- anhoej (phases.md §4) -------------------------------------------------------------------------

void propose_anhoej(const series_data& d, const phase_options& o, std::vector<phase_proposal>& out,
                    detail::phase_scratch& ws) {
  const std::size_t N = d.size(), m = static_cast<std::size_t>(o.min_phase_value());
  std::size_t s = 0;
  // Room for this phase and a new one of m points each.
  while (N - s >= 2 * m) {
    const double c = level(d, s, s + m - 1, ws);
    if (std::isnan(c)) break;  // a baseline without values: no centre line to judge against
    // n over the whole phase s..N, as --freeze counts the useful points (§4.3).
    std::int32_t n = 0;
    for (std::size_t i = s; i < N; ++i) n += side_of(d.v[i], c) != 0;
    const std::int32_t T = o.runlength ? *o.runlength : longest_run_limit(n) + 1;
    // The first run of T or more useful points with an allowed side, among s+m..N only: a run
    // never reaches back into the baseline, so the phase before has at least m points.
    int side = 0;
    std::int32_t length = 0;
    std::size_t run_first = npos, run_last = npos;
    bool found = false;
    for (std::size_t i = s + m; i < N && !found; ++i) {
      const int sg = side_of(d.v[i], c);
      if (sg == 0) continue;
      if (sg != side) {
        if (length >= T && allowed(o.direction, side)) {
          found = true;
          break;
        }
        side = sg;
        run_first = i;
        length = 0;
      }
      ++length;
      run_last = i;
    }
    if (!found) found = length >= T && allowed(o.direction, side);
    if (!found) break;
    const std::size_t r = run_first;
    // Stop at the first refused candidate: a later run would be judged against a baseline that
    // the refused shift or trend already contaminates (§4.3).
    if (N - r < m) {
      phase_note& note = out.back().note;
      note.kind = phase_note_kind::too_few_after;
      note.at = r;
      note.points_after = N - r;
      note.min_phase = static_cast<std::int32_t>(m);
      break;
    }
    if (trend_fits(d, s, r, r + m - 1)) {
      out.back().note = trend_note(false, r, s, r + m - 1);
      break;
    }
    out.back().last = r - 1;
    phase_proposal p;
    p.first = r;
    p.reason = side > 0 ? phase_reason::shift_up : phase_reason::shift_down;
    p.evidence_first = run_first;
    p.evidence_last = run_last;
    p.statistic = length;
    p.limit = T;
    p.reference_first = s;
    p.reference_last = s + m - 1;
    p.reference_cl = c;
    p.n_useful = n;
    out.push_back(p);
    s = r;
  }
  out.back().last = N - 1;
}

// --- changepoint (phases.md §5) ----------------------------------------------------------------------

// Φ⁻¹(1 - q): the upper q quantile of the standard normal.
double upper_quantile(double q) {
  return boost::math::quantile(boost::math::complement(boost::math::normal_distribution<double>(), q));
}

// The z statistic of every candidate start tau of the segment a..b (z > 0 when the part from tau
// on is higher), written to ws.b[tau - a]; NaN where it is undefined (§5.2).
void split_statistics(const series_data& d, bool screen, std::size_t a, std::size_t b, std::size_t m,
                      detail::phase_scratch& ws) {
  const std::size_t len = b - a + 1;
  // Cumulative counts and sums over the segment: entry j covers points a..a+j-1.
  ws.cum_count.assign(len + 1, 0.0);
  ws.cum_num.assign(len + 1, 0.0);
  ws.cum_den.assign(len + 1, 0.0);
  const bool ranks = d.chart == chart_type::run;
  double ties = 0;  // sum of t^3 - t over the groups of tied values
  if (ranks) {
    // Mid-ranks of the segment's values (Wilcoxon-Mann-Whitney).
    ws.order.clear();
    for (std::size_t i = a; i <= b; ++i)
      if (d.has(i)) ws.order.push_back(i);
    std::sort(ws.order.begin(), ws.order.end(), [&](std::size_t x, std::size_t y) { return d.v[x] < d.v[y]; });
    ws.rank.assign(len, 0.0);
    for (std::size_t k = 0; k < ws.order.size();) {
      std::size_t e = k + 1;
      while (e < ws.order.size() && d.v[ws.order[e]] == d.v[ws.order[k]]) ++e;
      const double mid = (static_cast<double>(k + 1) + static_cast<double>(e)) / 2, t = static_cast<double>(e - k);
      for (std::size_t q = k; q < e; ++q) ws.rank[ws.order[q] - a] = mid;
      ties += t * t * t - t;
      k = e;
    }
  }
  for (std::size_t j = 0; j < len; ++j) {
    const std::size_t i = a + j;
    const bool has = d.has(i);
    ws.cum_count[j + 1] = ws.cum_count[j] + (has ? 1.0 : 0.0);
    ws.cum_num[j + 1] = ws.cum_num[j] + (has ? (ranks ? ws.rank[j] : d.num[i]) : 0.0);
    ws.cum_den[j + 1] = ws.cum_den[j] + (has ? d.den[i] : 0.0);
  }
  const double n = ws.cum_count[len], total_num = ws.cum_num[len], total_den = ws.cum_den[len];

  // The I chart's sigma of the segment: the mean moving range of consecutive points that both
  // have a value, screened once as the I chart screens (spc::detail::average_moving_range), / d2.
  double sigma = na;
  if (d.chart == chart_type::i) {
    ws.ones.assign(len, 1);
    sigma = detail::average_moving_range(d.v.subspan(a, len), ws.ones, screen, ws.a) / constants::d2;
  }
  // The pooled level and its variance factor: p: p(1 - p); u and c: the rate (Poisson).
  const double pooled = total_den > 0 ? total_num / total_den : na;
  const double variance = d.chart == chart_type::p ? pooled * (1 - pooled) : pooled;

  const std::size_t K = len - 2 * m + 1;
  ws.b.assign(K, na);
  for (std::size_t k = 0; k < K; ++k) {
    const std::size_t j = m + k;  // tau - a: the left part is a..tau-1
    const double nl = ws.cum_count[j], nr = n - nl;
    if (nl == 0 || nr == 0) continue;
    double z = na;
    switch (d.chart) {
      case chart_type::i: {
        if (!(sigma > 0)) break;
        const double ml = ws.cum_num[j] / nl, mr = (total_num - ws.cum_num[j]) / nr;
        z = (mr - ml) / (sigma * std::sqrt(1 / nl + 1 / nr));
        break;
      }
      case chart_type::run: {
        const double var = nl * nr / 12 * ((n + 1) - ties / (n * (n - 1)));
        if (!(var > 0)) break;
        z = (nl * (n + 1) / 2 - ws.cum_num[j]) / std::sqrt(var);
        break;
      }
      default: {  // p, u, c: the score (Pearson chi-square) test of two proportions or rates
        if (!(variance > 0)) break;
        const double el = ws.cum_den[j], er = total_den - el;
        const double ol = ws.cum_num[j], orr = total_num - ol;
        z = (orr / er - ol / el) / std::sqrt(variance * (1 / el + 1 / er));
        break;
      }
    }
    ws.b[k] = z;
  }
}

void propose_changepoint(const series_data& d, bool screen, const phase_options& o,
                         std::vector<phase_proposal>& out, detail::phase_scratch& ws,
                         std::vector<phase_proposal>& pending) {
  const std::size_t N = d.size(), m = static_cast<std::size_t>(o.min_phase_value());
  const double alpha = o.alpha_value();
  // Binary segmentation with an explicit stack: each entry is a segment a..b (first..last) with
  // the proposal that starts it. A segment that is not split is a phase.
  phase_proposal whole = out.back();
  out.clear();
  pending.clear();
  whole.last = N - 1;
  pending.push_back(whole);
  while (!pending.empty()) {
    phase_proposal seg = pending.back();
    pending.pop_back();
    const std::size_t a = seg.first, b = seg.last, len = b - a + 1;
    if (len < 2 * m) {  // no candidate with both parts of at least m positions
      out.push_back(seg);
      continue;
    }
    split_statistics(d, screen, a, b, m, ws);
    const std::size_t K = len - 2 * m + 1;
    const double crit = upper_quantile(o.direction == phase_direction::both ? alpha / (2.0 * static_cast<double>(K))
                                                                            : alpha / static_cast<double>(K));
    std::size_t best = npos;
    double best_abs = -1;
    for (std::size_t k = 0; k < K; ++k) {
      const double z = ws.b[k];
      if (std::isnan(z) || !allowed(o.direction, side_of(z, 0.0))) continue;
      if (std::abs(z) > best_abs) {  // strictly: the earliest on a tie
        best_abs = std::abs(z);
        best = k;
      }
    }
    if (best == npos || !(best_abs > crit)) {
      out.push_back(seg);
      continue;
    }
    const std::size_t tau = a + m + best;
    if (trend_fits(d, a, tau, b)) {
      seg.note = trend_note(true, tau, a, b);
      out.push_back(seg);
      continue;
    }
    phase_proposal p;
    p.first = tau;
    p.last = b;
    p.reason = ws.b[best] > 0 ? phase_reason::shift_up : phase_reason::shift_down;
    p.statistic = best_abs;
    p.limit = crit;
    p.reference_first = a;
    p.reference_last = tau - 1;
    p.reference_cl = level(d, a, tau - 1, ws);
    p.after_last = b;
    p.after_level = level(d, tau, b, ws);
    p.candidates = static_cast<std::int32_t>(K);
    seg.last = tau - 1;
    pending.push_back(p);
    pending.push_back(seg);
  }
  std::sort(out.begin(), out.end(), [](const phase_proposal& x, const phase_proposal& y) { return x.first < y.first; });
}

// --- runcharter (phases.md §3) -------------------------------------------------------------------------

void propose_runcharter(const series_data& d, const phase_options& o, std::vector<phase_proposal>& out,
                        detail::phase_scratch& ws) {
  const std::size_t N = d.size();
  const auto M = static_cast<std::size_t>(o.med_rows_value());
  const auto L = static_cast<std::int32_t>(o.runcharter_runlength());
  phase_proposal& start = out.back();
  start.last = N - 1;
  if (M == 0) return;  // no baseline, no centre line (runcharter returns NA)
  double c = median_of_values(d.v, 0, M - 1, ws.a);
  start.cl = c;
  start.reference_first = 0;
  start.reference_last = M - 1;
  if (std::isnan(c) || L == 0) return;  // L = 0: "turn off run chart analysis"
  std::size_t p = M, ref_first = 0, ref_last = M - 1;
  while (p < N) {
    // The first run of the useful points p..N against c (a run never reaches back) that reaches
    // L points on an allowed side; its first L useful points q1..qL are the evidence.
    int side = 0;
    std::int32_t length = 0;
    std::size_t q1 = npos, qL = npos;
    for (std::size_t i = p; i < N; ++i) {
      const int sg = side_of(d.v[i], c);
      if (sg == 0) continue;
      if (sg != side) {
        side = sg;
        q1 = i;
        length = 0;
      }
      if (++length == L && allowed(o.direction, side)) {
        qL = i;
        break;
      }
    }
    if (qL == npos) break;
    // The new median: of the L useful points only (points on the old line between them are not
    // used); extended over the whole phase, it is not the phase's own median (§3.6).
    ws.a.clear();
    for (std::size_t i = q1; i <= qL; ++i)
      if (side_of(d.v[i], c) != 0) ws.a.push_back(d.v[i]);
    std::sort(ws.a.begin(), ws.a.end());
    const std::size_t k = ws.a.size();
    const double median = k % 2 ? ws.a[k / 2] : (ws.a[k / 2 - 1] + ws.a[k / 2]) / 2;
    out.back().last = q1 - 1;
    phase_proposal q;
    q.first = q1;
    q.last = N - 1;
    q.reason = side > 0 ? phase_reason::shift_up : phase_reason::shift_down;
    q.evidence_first = q1;
    q.evidence_last = qL;
    q.statistic = L;
    q.limit = L;
    q.reference_first = ref_first;
    q.reference_last = ref_last;
    q.reference_cl = c;
    q.cl = median;
    out.push_back(q);
    c = median;
    ref_first = q1;
    ref_last = qL;
    p = qL + 1;  // right after the L-th point, not after the end of the run
  }
}

}  // namespace

std::string_view to_string(phase_method m) noexcept { return method_names[static_cast<std::size_t>(m)]; }
std::string_view to_string(phase_direction d) noexcept { return direction_names[static_cast<std::size_t>(d)]; }
std::string_view to_string(phase_reason r) noexcept { return reason_names[static_cast<std::size_t>(r)]; }
std::optional<phase_method> parse_phase_method(std::string_view s) noexcept {
  return find_name<phase_method>(method_names, s);
}
std::optional<phase_direction> parse_phase_direction(std::string_view s) noexcept {
  return find_name<phase_direction>(direction_names, s);
}

trend_guard_result trend_guard(std::span<const double> v, std::span<const double> w, std::size_t first,
                               std::size_t step, std::size_t last) {
  // Weighted least squares over the points with a value; centred sums, for accuracy.
  auto weight = [&](std::size_t i) { return w.empty() ? 1.0 : w[i]; };
  auto has = [&](std::size_t i) { return !std::isnan(v[i]) && !std::isnan(weight(i)); };
  double sw = 0, swx = 0, swy = 0, swl = 0, swyl = 0, swr = 0, swyr = 0;
  for (std::size_t i = first; i <= last; ++i) {
    if (!has(i)) continue;
    const double wi = weight(i), x = static_cast<double>(i), y = v[i];
    sw += wi;
    swx += wi * x;
    swy += wi * y;
    (i < step ? swl : swr) += wi;
    (i < step ? swyl : swyr) += wi * y;
  }
  trend_guard_result r;
  if (!(swl > 0) || !(swr > 0)) return r;  // no step without values on both sides: not refused
  const double xbar = swx / sw, ybar = swy / sw, left = swyl / swl, right = swyr / swr;
  double sxx = 0, sxy = 0, syy = 0, rss_step = 0;
  for (std::size_t i = first; i <= last; ++i) {
    if (!has(i)) continue;
    const double wi = weight(i), dx = static_cast<double>(i) - xbar, dy = v[i] - ybar;
    sxx += wi * dx * dx;
    sxy += wi * dx * dy;
    syy += wi * dy * dy;
    const double e = v[i] - (i < step ? left : right);
    rss_step += wi * e * e;
  }
  r.rss_step = rss_step;
  r.rss_line = sxx > 0 ? syy - sxy * sxy / sxx : syy;
  return r;
}

std::vector<double> change_statistics(const series_view& series, const chart_options& chart, std::size_t first,
                                      std::size_t last, int min_phase) {
  validate(series, chart);
  if (min_phase < 1 || last >= series.y.size() || first > last)
    throw input_error("min_phase", input_error::npos, "no segment of that length within the series");
  const auto m = static_cast<std::size_t>(min_phase);
  if (last - first + 1 < 2 * m) return {};
  phase_workspace ws;
  const series_data d = prepare(series, chart, ws.scratch);
  split_statistics(d, chart.screen_mr, first, last, m, ws.scratch);
  return ws.scratch.b;
}

std::string to_string(const phase_note& n) {
  const std::string_view what = n.change ? "change" : "shift";
  switch (n.kind) {
    case phase_note_kind::none: return {};
    case phase_note_kind::too_few_after:
      return fmt::format("{} at {} not proposed: {} points from it to the end, fewer than {}", what, n.at + 1,
                         n.points_after, n.min_phase);
    case phase_note_kind::trend:
      return fmt::format(
          "{} at {} not proposed: a straight line fits points {}-{} at least as well as a step at {} (a trend)", what,
          n.at + 1, n.window_first + 1, n.window_last + 1, n.at + 1);
  }
  return {};
}

std::optional<input_error> find_problem(const phase_options& o, const chart_options& c) {
  const std::string_view chart = to_string(c.chart);
  switch (c.chart) {
    case chart_type::run:
    case chart_type::i:
    case chart_type::c:
    case chart_type::p:
    case chart_type::u: break;
    case chart_type::mr:
      return input_error("chart", input_error::npos,
                         "automatic phases are not for the mr chart, whose runs are never a signal (moving ranges "
                         "are autocorrelated); they are for run, i, c, p and u charts and the Making Data Count mode");
    case chart_type::pp:
    case chart_type::up:
      return input_error("chart", input_error::npos,
                         fmt::format("automatic phases are not for the Laney {} chart yet; they are for run, i, c, "
                                     "p and u charts and the Making Data Count mode (for over-dispersed data, the "
                                     "anhoej method on a p or u chart, or an i chart of the rates)",
                                     chart));
    default:
      return input_error("chart", input_error::npos,
                         fmt::format("automatic phases are for run, i, c, p and u charts and the Making Data Count "
                                     "mode, not the {} chart",
                                     chart));
  }
  const phase_method m = o.method;
  const std::string_view method = to_string(m);
  if (m == phase_method::runcharter && c.chart != chart_type::run)
    return input_error("phase_method", input_error::npos,
                       fmt::format("the runcharter method re-phases run charts only, as runcharter does, not the {} "
                                   "chart; use anhoej or changepoint",
                                   chart));
  if (!c.parts.empty())
    return input_error("parts", input_error::npos, "not with automatic phases, which propose the parts");
  if (c.freeze != 0)
    return input_error("freeze", input_error::npos,
                       "not with automatic phases, where each phase's centre line comes from its own points");
  if (!std::isnan(c.cl))
    return input_error("cl", input_error::npos,
                       "not with automatic phases, where each phase's centre line comes from its own points");
  if (m == phase_method::runcharter && !c.exclude.empty())
    return input_error("exclude", input_error::npos,
                       "not with the runcharter method, which has no excluded points (the anhoej and changepoint "
                       "methods treat excluded points as gaps)");
  // A parameter the method does not read is refused rather than silently ignored.
  if (o.min_phase && m == phase_method::runcharter)
    return input_error("min_phase", input_error::npos,
                       "taken by the anhoej and changepoint methods, not by runcharter (whose baseline is med_rows "
                       "and whose phases are as short as runlength)");
  if (o.runlength && m == phase_method::changepoint)
    return input_error("runlength", input_error::npos,
                       "taken by the anhoej and runcharter methods, not by changepoint");
  if (o.alpha && m != phase_method::changepoint)
    return input_error("alpha", input_error::npos,
                       fmt::format("taken only by the changepoint method, not by {}", method));
  if (o.med_rows && m != phase_method::runcharter)
    return input_error("med_rows", input_error::npos,
                       fmt::format("taken only by the runcharter method, not by {}", method));
  if (o.min_phase && *o.min_phase < 2)
    return input_error("min_phase", input_error::npos,
                       fmt::format("must be at least 2 points (the baseline and the shortest phase), not {}",
                                   *o.min_phase));
  if (o.runlength && m == phase_method::anhoej && *o.runlength < 2)
    return input_error("runlength", input_error::npos,
                       fmt::format("must be at least 2 points for the anhoej method, not {}", *o.runlength));
  if (o.runlength && m == phase_method::runcharter && *o.runlength < 0)
    return input_error("runlength", input_error::npos,
                       fmt::format("must be at least 0 for the runcharter method (0 = no re-phasing), not {}",
                                   *o.runlength));
  if (o.med_rows && *o.med_rows < 0)
    return input_error("med_rows", input_error::npos,
                       fmt::format("must be at least 0 points, not {}", *o.med_rows));
  if (o.alpha && !(*o.alpha > 0 && *o.alpha < 1))
    return input_error("alpha", input_error::npos,
                       fmt::format("must be between 0 and 1 (exclusive), not {}", *o.alpha));
  return std::nullopt;
}

void propose_phases_into(const series_view& series, const chart_options& chart, const phase_options& options,
                         std::vector<phase_proposal>& phases, phase_workspace& ws) {
  if (auto problem = find_problem(options, chart)) throw *problem;
  validate(series, chart);
  phases.clear();
  const std::size_t N = series.y.size();
  if (N == 0) return;
  if (options.method == phase_method::runcharter) {
    const int M = options.med_rows_value(), L = options.runcharter_runlength();
    // runcharter stops here ("None of the groups have enough rows of data beyond the specified
    // baseline period"); N counts every row, missing values included.
    if (N < static_cast<std::size_t>(M) + static_cast<std::size_t>(L))
      throw input_error("med_rows", input_error::npos,
                        fmt::format("the runcharter method needs at least {} points, a baseline of {} and a run of "
                                    "{} (runcharter stops there too); the series has {}",
                                    M + L, M, L, N));
  }
  const series_data d = prepare(series, chart, ws.scratch);
  phase_proposal start;
  start.first = 0;
  start.last = N - 1;
  start.reason = phase_reason::start;
  phases.push_back(start);
  switch (options.method) {
    case phase_method::anhoej: propose_anhoej(d, options, phases, ws.scratch); break;
    case phase_method::changepoint:
      propose_changepoint(d, chart.screen_mr, options, phases, ws.scratch, ws.scratch.pending);
      break;
    case phase_method::runcharter: propose_runcharter(d, options, phases, ws.scratch); break;
  }
}

std::vector<phase_proposal> propose_phases(const series_view& series, const chart_options& chart,
                                           const phase_options& options) {
  std::vector<phase_proposal> phases;
  phase_workspace ws;
  propose_phases_into(series, chart, options, phases, ws);
  return phases;
}

std::vector<std::size_t> parts_of(std::span<const phase_proposal> phases) {
  std::vector<std::size_t> parts;
  for (std::size_t k = 1; k < phases.size(); ++k) parts.push_back(phases[k].first);  // 1-based: the point before
  return parts;
}

std::vector<std::size_t> rebase_of(std::span<const phase_proposal> phases) {
  std::vector<std::size_t> rebase;
  for (std::size_t k = 1; k < phases.size(); ++k) rebase.push_back(phases[k].first + 1);
  return rebase;
}

void qic_phased_into(const series_view& series, const chart_options& chart, const phase_options& options,
                     const chart_columns& out, std::vector<part_summary>& parts,
                     std::vector<phase_proposal>& phases, phase_workspace& ws) {
  propose_phases_into(series, chart, options, phases, ws);
  detail::phase_scratch& sc = ws.scratch;
  sc.chart = chart;
  sc.chart.parts.clear();
  for (std::size_t k = 1; k < phases.size(); ++k) sc.chart.parts.push_back(phases[k].first);
  const bool runcharter = options.method == phase_method::runcharter;
  const std::size_t N = series.y.size();
  chart_columns c = out;
  if (runcharter && c.y.empty()) {
    sc.y.resize(N);
    c.y = sc.y;
  }
  qic_into(series, sc.chart, c, parts, ws.chart);
  if (!runcharter || N == 0) return;

  // runcharter's lines (§3.6): each phase's centre line is runcharter's median, extended over the
  // phase; `baseline` marks the points that fixed it; the runs analysis is against it, as for a
  // frozen centre line.
  if (!out.baseline.empty()) std::fill(out.baseline.begin(), out.baseline.end(), std::uint8_t{0});
  sc.cl.resize(N);
  for (std::size_t k = 0; k < phases.size(); ++k) {
    const phase_proposal& p = phases[k];
    const std::size_t len = p.last - p.first + 1;
    const std::span<double> line = out.cl.empty() ? std::span<double>(sc.cl).subspan(p.first, len)
                                                  : out.cl.subspan(p.first, len);
    std::fill(line.begin(), line.end(), p.cl);
    parts[k].cl = p.cl;
    parts[k].runs = runs_analysis(std::span<const double>(c.y).subspan(p.first, len), line, {}, chart.method);
    if (out.baseline.empty() || std::isnan(p.cl)) continue;
    if (k == 0) {
      std::fill(out.baseline.begin(), out.baseline.begin() + static_cast<std::ptrdiff_t>(p.reference_last + 1),
                std::uint8_t{1});
    } else {
      for (std::size_t i = p.evidence_first; i <= p.evidence_last; ++i)
        out.baseline[i] = side_of(sc.v[i], p.reference_cl) != 0;
    }
  }
}

phased_chart qic_phased(const series_view& series, const chart_options& chart, const phase_options& options) {
  phased_chart r;
  r.chart.chart = chart.chart;
  const std::size_t m = series.y.size();
  for (auto* v : {&r.chart.y, &r.chart.cl, &r.chart.lcl, &r.chart.ucl, &r.chart.lcl_95, &r.chart.ucl_95}) v->resize(m);
  r.chart.part.resize(m);
  r.chart.baseline.resize(m);
  r.chart.include.resize(m);
  r.chart.sigma_signal.resize(m);
  phase_workspace ws;
  qic_phased_into(series, chart, options, r.chart.columns(), r.chart.parts, r.phases, ws);
  return r;
}

}  // namespace spc
