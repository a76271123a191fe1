// Funnel plots (spc/funnel.hpp), implemented from the project's funnel specification and the
// papers it cites (Spiegelhalter 2005 Stat Med 24:1185 and QSHC 14:347; DerSimonian & Laird
// 1986), never from FunnelPlotR's code (GPL): its behaviour in compat mode is reproduced from the
// specification's description (§8), which was written by reading and running it.
//
// Section numbers (§) below are those of the specification; docs/funnel.md explains the same
// formulas for users.
//
// Determinism: a funnel is computed by `funnel_into` alone with a workspace of its thread and
// writes only its own units and summary, so a batch does not depend on the number of threads.
#include "spc/funnel.hpp"

#include "offsets.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <exception>
#include <limits>
#include <numbers>
#include <utility>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/poisson.hpp>
#include <fmt/format.h>

#if defined(SPC_HAVE_OPENMP)
#include <omp.h>
#endif

namespace spc {

namespace {

// --- Names ---------------------------------------------------------------------------------------

constexpr std::array<std::string_view, 3> type_names = {"pr", "sr", "rc"};
constexpr std::array<std::string_view, 2> method_names = {"shmi", "cqc"};
constexpr std::array<std::string_view, 4> overdispersion_names = {"auto", "none", "multiplicative", "additive"};
constexpr std::array<std::string_view, 3> adjustment_names = {"none", "additive", "multiplicative"};
constexpr std::array<std::string_view, 2> compat_names = {"none", "funnelplotr"};

template <class E, std::size_t N>
std::optional<E> parse_name(const std::array<std::string_view, N>& names, std::string_view name) noexcept {
  for (std::size_t k = 0; k < N; ++k)
    if (names[k] == name) return static_cast<E>(k);
  return std::nullopt;
}

template <std::size_t N, class E>
std::string_view name_of(const std::array<std::string_view, N>& names, E value) noexcept {
  const auto k = static_cast<std::size_t>(value);
  return k < N ? names[k] : std::string_view();
}

// --- The four limits -----------------------------------------------------------------------------

// Probabilities of lcl_95, ucl_95, lcl_998, ucl_998 (the order of the output columns).
constexpr std::array<double, 4> probability = {0.025, 0.975, 0.001, 0.999};
constexpr std::array<bool, 4> is_upper = {false, true, false, true};
using four = std::array<double, 4>;
constexpr four missing_four = {na, na, na, na};

// Exact normal quantiles z_p (Boost.Math), and FunnelPlotR's rounded ones (D1).
const four& exact_quantiles() {
  static const four z = [] {
    const boost::math::normal standard;
    const double z95 = boost::math::quantile(standard, 0.975), z998 = boost::math::quantile(standard, 0.999);
    return four{-z95, z95, -z998, z998};
  }();
  return z;
}
constexpr four funnelplotr_quantiles = {-1.959964, 1.959964, -3.090232, 3.090232};

// The discrete quantile rounds up: the smallest r with F(r) >= p (confirmed below all the same).
using discrete_policy = boost::math::policies::policy<
    boost::math::policies::discrete_quantile<boost::math::policies::integer_round_up>>;

// Spiegelhalter's interpolated exact limit (§3.1, Stat Med 2005 appendix): r_p the smallest
// whole r with F(r) >= p, α = (F(r_p) - p) / f(r_p) in [0, 1), the limit (r_p - α) on the count
// scale. The interpolation makes the limit continuous in p and n where the raw quantile jumps.
template <class Distribution>
double interpolated_quantile(const Distribution& d, double p, double r_max) {
  double r = boost::math::quantile(d, p);
  double F = boost::math::cdf(d, r);
  while (F < p && r < r_max) F = boost::math::cdf(d, ++r);
  while (r > 0) {
    const double below = boost::math::cdf(d, r - 1);
    if (below < p) break;
    --r;
    F = below;
  }
  return r - (F - p) / boost::math::pdf(d, r);
}

double exact_binomial(double n, double theta, double p) {
  const boost::math::binomial_distribution<double, discrete_policy> d(n, theta);
  return std::clamp(interpolated_quantile(d, p, n) / n, 0.0, 1.0);
}

double exact_poisson(double e, double theta, double p) {
  const boost::math::poisson_distribution<double, discrete_policy> d(theta * e);
  return std::max(0.0, interpolated_quantile(d, p, std::numeric_limits<double>::infinity()) / e);
}

// FunnelPlotR's SR limits (D2): Garwood's interval for a Poisson mean had O = E been observed.
double chi_square_limit(double e, double p, bool upper) {
  const boost::math::chi_squared d(upper ? 2 * e + 2 : 2 * e);
  return boost::math::quantile(d, p) / (2 * e);
}

// --- One funnel's model --------------------------------------------------------------------------

// Everything the limits of a funnel depend on, resolved from its options and estimates.
struct model {
  funnel_type type = funnel_type::pr;
  sr_method method = sr_method::shmi;
  bool compat = false;
  double target = na;  // θ0
  double t0 = na;      // T(θ0), the target on the transformed scale (§4)
  four z{};            // z_p
  funnel_adjustment drawn = funnel_adjustment::none;
  double phi = na, tau2 = na;
};

bool is_shmi(const model& m) { return m.type == funnel_type::sr && m.method == sr_method::shmi; }
bool is_cqc(const model& m) { return m.type == funnel_type::sr && m.method == sr_method::cqc; }

// T, the transform under which the indicator is roughly normal (§4, Spiegelhalter et al. 2012).
double transform(const model& m, double r) {
  switch (m.type) {
    case funnel_type::pr: return std::asin(std::sqrt(r));
    case funnel_type::sr: return m.method == sr_method::shmi ? std::log(r) : std::sqrt(r);
    case funnel_type::rc: return std::log(r);
  }
  return na;
}

// s0(n), the null standard error at precision n under θ0 (§4), which the limits use.
double null_se(const model& m, double n) {
  if (m.type == funnel_type::pr || is_cqc(m)) return 0.5 / std::sqrt(n);
  if (is_shmi(m)) return 1 / std::sqrt(m.target * n);
  // rc: the delta-method error of ln((y+½)/(n+½)) with y at its expectation θ0·n (CQC). FunnelPlotR
  // uses the arcsine error 1/(2√n) of PR here (D6).
  if (m.compat) return 0.5 / std::sqrt(n);
  const double e = m.target * n;
  return std::sqrt(e / ((e + 0.5) * (e + 0.5)) + n / ((n + 0.5) * (n + 0.5)));
}

// B, the back-transform of a limit on the transformed scale (§4). In compat mode FunnelPlotR's:
// PR without clamping the argument (the grid rule of D4 follows), CQC not squared back (D5).
double back_transform(const model& m, double v) {
  switch (m.type) {
    case funnel_type::pr: {
      const double a = m.compat ? v : std::clamp(v, 0.0, std::numbers::pi / 2);
      const double s = std::sin(a);
      return std::clamp(s * s, 0.0, 1.0);
    }
    case funnel_type::sr:
      if (m.method == sr_method::shmi) return std::exp(v);
      if (m.compat) return v;
      return v > 0 ? v * v : 0.0;
    case funnel_type::rc: return std::exp(v);
  }
  return na;
}

// The normal-approximation limits B(T0 + z_p S) with total standard error S (§3.3, §6).
four normal_limits(const model& m, double S) {
  four out;
  for (std::size_t k = 0; k < 4; ++k) out[k] = back_transform(m, m.t0 + m.z[k] * S);
  return out;
}

// The unadjusted limits at precision n (§3; compat §8 D2, D3, D6). Compat PR limits are the
// arcsine ones before FunnelPlotR's grid rule.
four unadjusted_limits(const model& m, double n) {
  four out;
  if (m.compat && m.type == funnel_type::sr) {
    for (std::size_t k = 0; k < 4; ++k) out[k] = chi_square_limit(n, probability[k], is_upper[k]);
    return out;
  }
  if (m.compat || m.type == funnel_type::rc) return normal_limits(m, null_se(m, n));
  for (std::size_t k = 0; k < 4; ++k)
    out[k] = m.type == funnel_type::pr ? exact_binomial(n, m.target, probability[k])
                                       : exact_poisson(n, m.target, probability[k]);
  return out;
}

// The adjusted limits at precision n, given the unadjusted ones there (§6). An adjustment only
// widens the funnel: the normal approximation can be narrower than the exact limits for small n
// (with a log transform the lower limit never reaches 0), and adding variance must not create an
// outlier. FunnelPlotR has no such rule (D7).
four adjusted_limits(const model& m, double n, const four& unadjusted) {
  if (m.drawn == funnel_adjustment::none) return missing_four;
  const double s0 = null_se(m, n);
  const double S = m.drawn == funnel_adjustment::additive ? std::sqrt(s0 * s0 + m.tau2)
                                                          : std::sqrt(std::max(m.phi, 1.0)) * s0;
  four out = normal_limits(m, S);
  if (!m.compat)
    for (std::size_t k = 0; k < 4; ++k)
      out[k] = is_upper[k] ? std::max(out[k], unadjusted[k]) : std::min(out[k], unadjusted[k]);
  return out;
}

// FunnelPlotR's treatment of PR limits near 0 and 1 (D4): where sin² reflects, the curve turns
// between neighbouring points of the grid; a lower limit there becomes 0 where it decreases to
// the next point, an upper limit 1 where it increases. Applied to `limits[j]` (one row per point
// of an increasing grid), using the values before any change.
void funnelplotr_grid_rule(std::span<four> limits) {
  if (limits.empty()) return;
  four next = limits.back();
  for (std::size_t j = limits.size() - 1; j-- > 0;) {
    const four here = limits[j];
    for (std::size_t k = 0; k < 4; ++k) {
      if (is_upper[k] && here[k] < next[k]) limits[j][k] = 1;
      if (!is_upper[k] && here[k] > next[k]) limits[j][k] = 0;
    }
    next = here;
  }
}

// --- Estimating the dispersion (§5) --------------------------------------------------------------

// R's quantile(type = 7) of sorted values (Hyndman & Fan 1996, definition 7), computed as R does.
double quantile_type7(std::span<const double> sorted, double q) {
  const double index = 1 + static_cast<double>(sorted.size() - 1) * q;
  const double lo = std::floor(index);
  const auto l = static_cast<std::size_t>(lo) - 1;
  const double x_lo = sorted[l];
  if (index > lo && sorted[l + 1] != x_lo) {
    const double h = index - lo;
    return (1 - h) * x_lo + h * sorted[l + 1];
  }
  return x_lo;
}

struct dispersion {
  std::size_t used = 0;  // I′
  double phi = na, tau2 = na;
};

// φ (§5.2) and τ² (DerSimonian & Laird 1986, §5.3) from the z-scores `z` and standard errors `s`
// of the units with data: winsorised at the 10th and 90th percentiles (Spiegelhalter 2005, QSHC),
// or for SHMI truncated to the middle 80 % by rank (NHS Digital's SHMI specification).
dispersion estimate_dispersion(const model& m, std::span<const double> z, std::span<const double> s,
                               detail::funnel_scratch& ws) {
  const std::size_t I = z.size();
  std::vector<double>& kept = ws.kept;  // z-scores, then standard errors, of the estimate
  kept.clear();
  std::vector<std::size_t>& order = ws.order;
  order.resize(I);
  for (std::size_t i = 0; i < I; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return z[a] < z[b]; });

  dispersion d;
  double sum_z2 = 0, sum_w = 0, sum_w2 = 0;
  auto add = [&](double zi, double si) {
    sum_z2 += zi * zi;
    const double w = 1 / (si * si);
    sum_w += w;
    sum_w2 += w * w;
    ++d.used;
  };
  if (is_shmi(m)) {
    // Ranks with ties averaged (-inf lowest): twice the rank is first + last of the tied run
    // (1-based), so g = ⌊10·rank / (I+1)⌋ = ⌊5·(first + last) / (I+1)⌋ in whole numbers. Keep
    // 1 <= g <= 8, then drop z-scores that are not finite (a zero count, D10).
    for (std::size_t a = 0; a < I;) {
      std::size_t b = a;
      while (b + 1 < I && z[order[b + 1]] == z[order[a]]) ++b;
      const std::size_t g = 5 * ((a + 1) + (b + 1)) / (I + 1);
      if (g >= 1 && g <= 8)
        for (std::size_t k = a; k <= b; ++k)
          if (std::isfinite(z[order[k]])) add(z[order[k]], s[order[k]]);
      a = b + 1;
    }
  } else {
    // Winsorising: every unit stays, its z-score clamped to the percentiles.
    kept.resize(I);
    for (std::size_t k = 0; k < I; ++k) kept[k] = z[order[k]];
    const double lower = quantile_type7(kept, 0.1), upper = quantile_type7(kept, 0.9);
    for (std::size_t i = 0; i < I; ++i) add(std::clamp(z[i], lower, upper), s[i]);
  }
  if (d.used < funnel_min_estimate_units) return dispersion{d.used, na, na};
  const auto used = static_cast<double>(d.used);
  d.phi = sum_z2 / used;
  d.tau2 = used * d.phi < used - 1 ? 0.0 : std::max(0.0, (used * d.phi - (used - 1)) / (sum_w - sum_w2 / sum_w));
  return d;
}

// --- Checks --------------------------------------------------------------------------------------

void check_options(const funnel_options& o) {
  if (auto e = find_problem(o)) throw *e;
}

// A unit's data (§1), checked after its rows are summed.
void check_unit(const funnel_options& o, std::size_t i, double y, double n) {
  if (!std::isfinite(y)) throw input_error("y", i, fmt::format("the value {} is not finite", y));
  if (!std::isfinite(n)) throw input_error("n", i, fmt::format("the value {} is not finite", n));
  if (y < 0) throw input_error("y", i, fmt::format("a count cannot be negative ({})", y));
  if (n < 0) throw input_error("n", i, fmt::format("the denominator cannot be negative ({})", n));
  if (n == 0) throw input_error("n", i, "the denominator must be positive (0)");
  if (o.type == funnel_type::pr) {
    if (y > n) throw input_error("y", i, fmt::format("the numerator {} is above its denominator {}", y, n));
    if (n != std::floor(n))
      throw input_error("n", i,
                        fmt::format("the number of cases must be a whole number for the binomial limits ({})", n));
  }
}

// R's round(x, 2), FunnelPlotR's rounding of expected counts for SHMI (D9).
double round_2dp(double x) { return std::round(x * 100) / 100; }

template <class T>
void write(std::span<T> column, std::size_t i, T value) {
  if (!column.empty()) column[i] = value;
}

void check_columns(const funnel_columns& out, std::size_t units) {
  auto check = [units](const char* name, std::size_t size) {
    if (size != 0 && size != units)
      throw input_error(name, input_error::npos,
                        fmt::format("the output column has {} rows, the funnel {} units", size, units));
  };
  check("y", out.y.size());
  check("n", out.n.size());
  check("ratio", out.ratio.size());
  check("z", out.z.size());
  check("z_adjusted", out.z_adjusted.size());
  check("lcl_95", out.lcl_95.size());
  check("ucl_95", out.ucl_95.size());
  check("lcl_998", out.lcl_998.size());
  check("ucl_998", out.ucl_998.size());
  check("od_lcl_95", out.od_lcl_95.size());
  check("od_ucl_95", out.od_ucl_95.size());
  check("od_lcl_998", out.od_lcl_998.size());
  check("od_ucl_998", out.od_ucl_998.size());
  check("outlier", out.outlier.size());
}

model make_model(const funnel_options& o, double target) {
  model m;
  m.type = o.type;
  m.method = o.method;
  m.compat = o.compat == funnel_compat::funnelplotr;
  m.target = target;
  m.t0 = transform(m, target);
  m.z = m.compat ? funnelplotr_quantiles : exact_quantiles();
  return m;
}

model model_of(const funnel_options& o, const funnel_summary& s) {
  model m = make_model(o, s.target);
  m.drawn = s.adjustment;
  m.phi = s.phi;
  m.tau2 = s.tau2;
  return m;
}

void write_limits(const funnel_columns& out, std::size_t i, const four& lim, const four& od) {
  write(out.lcl_95, i, lim[0]);
  write(out.ucl_95, i, lim[1]);
  write(out.lcl_998, i, lim[2]);
  write(out.ucl_998, i, lim[3]);
  write(out.od_lcl_95, i, od[0]);
  write(out.od_ucl_95, i, od[1]);
  write(out.od_lcl_998, i, od[2]);
  write(out.od_ucl_998, i, od[3]);
}

// FunnelPlotR's PR grid (D4): seq(3, M, length.out = 1000) with M = ⌈max n⌉, then every unit's
// n, sorted without repeats.
void funnelplotr_grid(std::span<const double> n, std::vector<double>& grid) {
  double max_n = 0;
  for (double v : n)
    if (!std::isnan(v)) max_n = std::max(max_n, v);
  const double M = std::ceil(max_n), by = (M - 3) / 999;
  grid.clear();
  grid.push_back(3);
  for (int k = 1; k < 999; ++k) grid.push_back(3 + static_cast<double>(k) * by);
  grid.push_back(M);
  for (double v : n)
    if (!std::isnan(v)) grid.push_back(v);
  std::sort(grid.begin(), grid.end());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
}

}  // namespace

// --- Names ---------------------------------------------------------------------------------------

std::string_view to_string(funnel_type t) noexcept { return name_of(type_names, t); }
std::string_view to_string(sr_method m) noexcept { return name_of(method_names, m); }
std::string_view to_string(overdispersion o) noexcept { return name_of(overdispersion_names, o); }
std::string_view to_string(funnel_adjustment a) noexcept { return name_of(adjustment_names, a); }
std::string_view to_string(funnel_compat c) noexcept { return name_of(compat_names, c); }
std::string_view to_string(funnel_flag f) noexcept {
  switch (f) {
    case funnel_flag::high: return "high";
    case funnel_flag::low: return "low";
    case funnel_flag::inside:
    case funnel_flag::no_data: return "";
  }
  return "";
}
std::optional<funnel_type> parse_funnel_type(std::string_view name) noexcept {
  return parse_name<funnel_type>(type_names, name);
}
std::optional<sr_method> parse_sr_method(std::string_view name) noexcept {
  return parse_name<sr_method>(method_names, name);
}
std::optional<overdispersion> parse_overdispersion(std::string_view name) noexcept {
  return parse_name<overdispersion>(overdispersion_names, name);
}
std::optional<funnel_compat> parse_funnel_compat(std::string_view name) noexcept {
  return parse_name<funnel_compat>(compat_names, name);
}

std::optional<input_error> find_problem(const funnel_options& o) {
  if (o.target) {
    const double t = *o.target;
    if (o.type == funnel_type::pr && !(t > 0 && t < 1))
      return input_error("target", input_error::npos,
                         fmt::format("a target proportion must lie between 0 and 1 (exclusive), not {}", t));
    if (o.type != funnel_type::pr && !(t > 0 && std::isfinite(t)))
      return input_error("target", input_error::npos,
                         fmt::format("the target of a {} funnel must be positive and finite, not {}",
                                     o.type == funnel_type::sr ? "standardised-ratio" : "ratio-of-counts", t));
  }
  if (o.compat == funnel_compat::funnelplotr) {
    if (o.target)
      return input_error("compat", input_error::npos,
                         "FunnelPlotR 0.6.0 has no target (SR is always 1, PR and RC pooled), so its numbers "
                         "cannot be reproduced with one");
    if (o.adjustment == overdispersion::multiplicative)
      return input_error("compat", input_error::npos,
                         "FunnelPlotR 0.6.0 has no multiplicative adjustment, so its numbers cannot be reproduced "
                         "with one");
  }
  return std::nullopt;
}

// --- Results ---------------------------------------------------------------------------------------

void funnel_units::resize(std::size_t units) {
  for (auto* v : {&y, &n, &ratio, &z, &z_adjusted, &lcl_95, &ucl_95, &lcl_998, &ucl_998, &od_lcl_95, &od_ucl_95,
                  &od_lcl_998, &od_ucl_998})
    v->resize(units);
  outlier.resize(units);
}

funnel_columns funnel_units::columns() noexcept {
  return funnel_columns{y,         n,         ratio,      z,          z_adjusted, lcl_95,    ucl_95,  lcl_998,
                        ucl_998,   od_lcl_95, od_ucl_95,  od_lcl_998, od_ucl_998, outlier};
}

// --- One funnel (§2) -------------------------------------------------------------------------------

void funnel_into(std::span<const double> y_in, std::span<const double> n_in, const funnel_options& o,
                 const funnel_columns& out, funnel_summary& summary, funnel_workspace& workspace) {
  const std::size_t units = y_in.size();
  if (n_in.size() != units)
    throw input_error("n", input_error::npos,
                      fmt::format("has {} values but y has {}: the columns must have the same length", n_in.size(),
                                  units));
  check_columns(out, units);
  check_options(o);
  detail::funnel_scratch& ws = workspace.scratch;
  const bool compat = o.compat == funnel_compat::funnelplotr;
  const bool shmi = o.type == funnel_type::sr && o.method == sr_method::shmi;

  // 1. The units as used (the input is read only here, so the outputs may share its memory),
  //    checked; θ0.
  ws.y.assign(y_in.begin(), y_in.end());
  ws.n.assign(n_in.begin(), n_in.end());
  std::size_t I = 0;
  double sum_y = 0, sum_n = 0;
  for (std::size_t i = 0; i < units; ++i) {
    if (std::isnan(ws.y[i]) || std::isnan(ws.n[i])) {
      ws.y[i] = ws.n[i] = na;  // no data: no part in the funnel
      continue;
    }
    if (compat && shmi) ws.n[i] = round_2dp(ws.n[i]);
    check_unit(o, i, ws.y[i], ws.n[i]);
    sum_y += ws.y[i];
    sum_n += ws.n[i];
    ++I;
  }
  if (I == 0) throw input_error("units", input_error::npos, "no unit has data (a y and an n that are not missing)");
  double target = o.target.value_or(o.type == funnel_type::sr ? 1.0 : sum_y / sum_n);
  if (o.type == funnel_type::pr && (target <= 0 || target >= 1))
    throw input_error("target", input_error::npos,
                      fmt::format("the pooled proportion is {} ({} of {}): the limits are degenerate at a target "
                                  "of 0 or 1; give a target between them",
                                  target, sum_y, sum_n));
  if (target <= 0)
    throw input_error("target", input_error::npos,
                      fmt::format("the pooled ratio is 0 (no events in any unit): the limits are degenerate at a "
                                  "target of 0; give a positive target"));
  model m = make_model(o, target);

  // 2. Ratios and z-scores on the transformed scale (§4), over the units with data.
  ws.ratio.resize(units);
  ws.z.clear();
  ws.s.clear();
  for (std::size_t i = 0; i < units; ++i) {
    const double y = ws.y[i], n = ws.n[i];
    ws.ratio[i] = y / n;
    if (std::isnan(y)) continue;
    double Y = 0, s = 0;
    if (o.type == funnel_type::rc) {
      // The ½ guards against zero counts (CQC's continuity-corrected log ratio).
      Y = std::log((y + 0.5) / (n + 0.5));
      s = std::sqrt(y / ((y + 0.5) * (y + 0.5)) + n / ((n + 0.5) * (n + 0.5)));
    } else {
      Y = transform(m, ws.ratio[i]);
      s = null_se(m, n);
    }
    ws.z.push_back((Y - m.t0) / s);
    ws.s.push_back(s);
  }

  // 3-4. φ, τ² and whether the funnel is over-dispersed (§5).
  const dispersion d = estimate_dispersion(m, ws.z, ws.s, ws);
  summary = funnel_summary{};
  summary.n_units = I;
  summary.n_estimate = d.used;
  summary.target = target;
  summary.phi = d.phi;
  summary.tau2 = d.tau2;
  summary.overdispersed = d.used >= funnel_min_estimate_units && d.phi > 1;

  // 6. Which adjusted limits are drawn (§6).
  switch (o.adjustment) {
    case overdispersion::automatic:
      summary.adjustment = summary.overdispersed ? funnel_adjustment::additive : funnel_adjustment::none;
      break;
    case overdispersion::none: summary.adjustment = funnel_adjustment::none; break;
    case overdispersion::additive:
    case overdispersion::multiplicative:
      if (d.used < funnel_min_estimate_units)
        throw input_error("overdispersion", input_error::npos,
                          fmt::format("the {} adjustment needs at least {} units with z-scores in the estimate of "
                                      "over-dispersion; the funnel has {}",
                                      to_string(o.adjustment), funnel_min_estimate_units, d.used));
      summary.adjustment = o.adjustment == overdispersion::additive ? funnel_adjustment::additive
                                                                    : funnel_adjustment::multiplicative;
      break;
  }
  m.drawn = summary.adjustment;
  m.phi = d.phi;
  m.tau2 = d.tau2;

  // 5-7. The limits at every unit's n, and the outliers against the drawn 99.8 % limits (§7).
  const bool grid_rule = compat && o.type == funnel_type::pr;
  std::vector<four> on_grid, od_on_grid;
  if (grid_rule) {
    funnelplotr_grid(ws.n, ws.grid);
    on_grid.resize(ws.grid.size());
    od_on_grid.resize(m.drawn == funnel_adjustment::none ? 0 : ws.grid.size());
    for (std::size_t j = 0; j < ws.grid.size(); ++j) {
      on_grid[j] = unadjusted_limits(m, ws.grid[j]);
      if (!od_on_grid.empty()) od_on_grid[j] = adjusted_limits(m, ws.grid[j], on_grid[j]);
    }
    funnelplotr_grid_rule(on_grid);
    funnelplotr_grid_rule(od_on_grid);
  }
  std::size_t k = 0;  // the unit's position among the units with data
  for (std::size_t i = 0; i < units; ++i) {
    const double y = ws.y[i], n = ws.n[i];
    write(out.y, i, y);
    write(out.n, i, n);
    write(out.ratio, i, ws.ratio[i]);
    if (std::isnan(y)) {
      for (auto col : {out.z, out.z_adjusted}) write(col, i, na);
      write_limits(out, i, missing_four, missing_four);
      write(out.outlier, i, funnel_flag::no_data);
      continue;
    }
    const double z = ws.z[k], s = ws.s[k];
    ++k;
    write(out.z, i, z);
    write(out.z_adjusted, i, m.drawn == funnel_adjustment::additive ? z * s / std::sqrt(s * s + m.tau2) : z);
    four lim, od;
    if (grid_rule) {
      const auto j = static_cast<std::size_t>(std::lower_bound(ws.grid.begin(), ws.grid.end(), n) - ws.grid.begin());
      lim = on_grid[j];
      od = od_on_grid.empty() ? missing_four : od_on_grid[j];
    } else {
      lim = unadjusted_limits(m, n);
      od = adjusted_limits(m, n, lim);
    }
    write_limits(out, i, lim, od);
    const double lower = m.drawn == funnel_adjustment::none ? lim[2] : od[2];
    const double upper = m.drawn == funnel_adjustment::none ? lim[3] : od[3];
    const double r = ws.ratio[i];
    const funnel_flag flag = r > upper ? funnel_flag::high : r < lower ? funnel_flag::low : funnel_flag::inside;
    summary.n_outliers_high += flag == funnel_flag::high;
    summary.n_outliers_low += flag == funnel_flag::low;
    write(out.outlier, i, flag);
  }
}

funnel_result funnel(std::span<const double> y, std::span<const double> n, const funnel_options& options) {
  funnel_result r;
  r.options = options;
  r.units.resize(y.size());
  funnel_workspace ws;
  funnel_into(y, n, options, r.units.columns(), r.summary, ws);
  return r;
}

// --- Curves ----------------------------------------------------------------------------------------

void curves_into(const funnel_options& o, const funnel_summary& s, std::span<const double> grid,
                 funnel_curves& out) {
  check_options(o);
  for (std::size_t j = 0; j < grid.size(); ++j) {
    const double g = grid[j];
    if (!(g > 0) || !std::isfinite(g))
      throw input_error("grid", j, fmt::format("a denominator must be positive and finite, not {}", g));
    if (j > 0 && !(g > grid[j - 1]))
      throw input_error("grid", j, fmt::format("the grid must be strictly increasing ({} after {})", g, grid[j - 1]));
    if (o.type == funnel_type::pr && o.compat == funnel_compat::none && g != std::floor(g))
      throw input_error("grid", j,
                        fmt::format("the exact binomial limits need a whole number of cases, not {}", g));
  }
  if (!(s.target > 0))
    throw input_error("target", input_error::npos, "the summary has no target: compute the funnel first");
  const model m = model_of(o, s);
  std::vector<four> lim(grid.size()), od(grid.size());
  for (std::size_t j = 0; j < grid.size(); ++j) {
    lim[j] = unadjusted_limits(m, grid[j]);
    od[j] = adjusted_limits(m, grid[j], lim[j]);
  }
  if (m.compat && m.type == funnel_type::pr) {
    funnelplotr_grid_rule(lim);
    if (m.drawn != funnel_adjustment::none) funnelplotr_grid_rule(od);
  }
  out.n.assign(grid.begin(), grid.end());
  std::vector<double>* columns[] = {&out.lcl_95, &out.ucl_95, &out.lcl_998, &out.ucl_998,
                                    &out.od_lcl_95, &out.od_ucl_95, &out.od_lcl_998, &out.od_ucl_998};
  for (std::size_t k = 0; k < 8; ++k) {
    columns[k]->resize(grid.size());
    for (std::size_t j = 0; j < grid.size(); ++j) (*columns[k])[j] = k < 4 ? lim[j][k] : od[j][k - 4];
  }
}

funnel_curves curves(const funnel_options& options, const funnel_summary& summary, std::span<const double> grid) {
  funnel_curves c;
  curves_into(options, summary, grid, c);
  return c;
}

funnel_curves curves(const funnel_result& result, std::span<const double> grid) {
  return curves(result.options, result.summary, grid);
}

std::vector<double> funnel_grid(const funnel_options& o, double n_min, double n_max, std::size_t points) {
  if (!(n_min > 0) || !std::isfinite(n_min))
    throw input_error("n_min", input_error::npos, fmt::format("must be positive and finite, not {}", n_min));
  if (!(n_max >= n_min) || !std::isfinite(n_max))
    throw input_error("n_max", input_error::npos,
                      fmt::format("must be finite and at least n_min ({}), not {}", n_min, n_max));
  if (points < 2) throw input_error("points", input_error::npos, fmt::format("a grid needs at least 2 points, not {}", points));
  const bool whole = o.type == funnel_type::pr && o.compat == funnel_compat::none;
  std::vector<double> grid;
  grid.reserve(points);
  const double ratio = n_max / n_min;
  for (std::size_t k = 0; k < points; ++k) {
    double g = k == 0 ? n_min
               : k + 1 == points ? n_max
                                 : n_min * std::pow(ratio, static_cast<double>(k) / static_cast<double>(points - 1));
    if (whole) g = std::max(1.0, std::round(g));
    if (grid.empty() || g > grid.back()) grid.push_back(g);
  }
  return grid;
}

// --- Many funnels ----------------------------------------------------------------------------------

namespace {

void check_batch_input(const funnel_batch_input& in) {
  const std::size_t rows = in.y.size();
  if (in.n.size() != rows)
    throw input_error("n", input_error::npos,
                      fmt::format("has {} values but y has {}: the columns must have the same length", in.n.size(), rows));
  detail::check_offsets(in.offsets, input_error::npos, 'F');
  const std::size_t units = in.unit_count();
  if (in.unit.empty()) {
    if (units != rows)
      throw input_error("offsets", in.offsets.size() - 1,
                        fmt::format("without a unit column every row is a unit: the last boundary must be the "
                                    "number of rows, {}, not {}",
                                    rows, units));
    return;
  }
  if (in.unit.size() != rows)
    throw input_error("unit", input_error::npos,
                      fmt::format("has {} values but y has {}: the columns must have the same length", in.unit.size(),
                                  rows));
  for (std::size_t r = 0; r < rows; ++r)
    if (in.unit[r] >= units)
      throw input_error("unit", r, fmt::format("unit {} does not exist (there are {})", in.unit[r], units));
}

void check_batch_options(const funnel_batch_input& in, const funnel_batch_options& o) {
  const std::size_t F = in.funnel_count();
  if (o.sets.empty()) throw input_error("sets", input_error::npos, "a batch needs at least one option set");
  if (o.set_of_funnel.empty()) {
    if (o.sets.size() != 1 && o.sets.size() != F)
      throw input_error("sets", input_error::npos,
                        fmt::format("has {} option sets for {} funnels: give one, one per funnel, or set_of_funnel",
                                    o.sets.size(), F));
    return;
  }
  if (o.set_of_funnel.size() != F)
    throw input_error("set_of_funnel", input_error::npos,
                      fmt::format("has {} entries for {} funnels", o.set_of_funnel.size(), F));
  for (std::size_t f = 0; f < F; ++f)
    if (o.set_of_funnel[f] >= o.sets.size())
      throw input_error("set_of_funnel", f,
                        fmt::format("option set {} does not exist (there are {})", o.set_of_funnel[f], o.sets.size()));
}

const funnel_options& options_of(const funnel_batch_options& o, std::size_t f) {
  if (!o.set_of_funnel.empty()) return o.sets[o.set_of_funnel[f]];
  return o.sets[o.sets.size() == 1 ? 0 : f];
}

template <class T>
std::span<T> slice(std::span<T> column, std::size_t first, std::size_t count) {
  return column.empty() ? column : column.subspan(first, count);
}

funnel_columns slice(const funnel_columns& c, std::size_t first, std::size_t count) {
  return funnel_columns{slice(c.y, first, count),          slice(c.n, first, count),
                        slice(c.ratio, first, count),      slice(c.z, first, count),
                        slice(c.z_adjusted, first, count), slice(c.lcl_95, first, count),
                        slice(c.ucl_95, first, count),     slice(c.lcl_998, first, count),
                        slice(c.ucl_998, first, count),    slice(c.od_lcl_95, first, count),
                        slice(c.od_ucl_95, first, count),  slice(c.od_lcl_998, first, count),
                        slice(c.od_ucl_998, first, count), slice(c.outlier, first, count)};
}

// A failed funnel: its units keep their sums; everything computed is missing.
void write_failed(const funnel_columns& c) {
  for (auto col : {c.ratio, c.z, c.z_adjusted, c.lcl_95, c.ucl_95, c.lcl_998, c.ucl_998, c.od_lcl_95, c.od_ucl_95,
                   c.od_lcl_998, c.od_ucl_998})
    std::fill(col.begin(), col.end(), na);
  std::fill(c.outlier.begin(), c.outlier.end(), funnel_flag::no_data);
}

}  // namespace

void sum_units(const funnel_batch_input& in, std::span<double> y, std::span<double> n) {
  check_batch_input(in);
  const std::size_t units = in.unit_count();
  if (y.size() != units || n.size() != units)
    throw input_error(y.size() != units ? "y" : "n", input_error::npos,
                      fmt::format("the output column has {} units, the batch {}", y.size() != units ? y.size() : n.size(),
                                  units));
  if (in.unit.empty()) {
    // Every row its own unit; a row with a missing value is a unit without data.
    for (std::size_t r = 0; r < units; ++r) {
      const bool complete = !std::isnan(in.y[r]) && !std::isnan(in.n[r]);
      y[r] = complete ? in.y[r] : na;
      n[r] = complete ? in.n[r] : na;
    }
    return;
  }
  // Sums over the complete rows; NaN marks a unit with none yet (a row with a missing y or n is
  // left out of both sums, §1).
  std::fill(y.begin(), y.end(), na);
  std::fill(n.begin(), n.end(), na);
  for (std::size_t r = 0; r < in.y.size(); ++r) {
    if (std::isnan(in.y[r]) || std::isnan(in.n[r])) continue;
    const std::size_t u = in.unit[r];
    if (std::isnan(y[u])) {
      y[u] = in.y[r];
      n[u] = in.n[r];
    } else {
      y[u] += in.y[r];
      n[u] += in.n[r];
    }
  }
}

const funnel_problem* funnel_batch_result::problem(std::size_t f) const noexcept {
  auto it = std::lower_bound(problems.begin(), problems.end(), f,
                             [](const funnel_problem& p, std::size_t s) { return p.funnel < s; });
  return it != problems.end() && it->funnel == f ? &*it : nullptr;
}

void funnel_batch_into(const funnel_batch_input& in, const funnel_batch_options& o, funnel_batch_result& result) {
  check_batch_input(in);
  check_batch_options(in, o);
  const std::size_t F = in.funnel_count(), units = in.unit_count();
  result.units.resize(units);
  sum_units(in, result.units.y, result.units.n);
  result.summaries.assign(F, funnel_summary{});
  result.status.assign(F, series_status::ok);
  result.problems.clear();
  const funnel_columns out = result.units.columns();

  int threads = 1;
#if defined(SPC_HAVE_OPENMP)
  threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  if (static_cast<std::size_t>(threads) > F) threads = static_cast<int>(std::max<std::size_t>(F, 1));
#endif
  const auto count = static_cast<long long>(F);
  std::exception_ptr failure;  // anything but bad data (e.g. out of memory) fails the call
  std::size_t failure_funnel = F;

#if defined(SPC_HAVE_OPENMP)
#pragma omp parallel num_threads(threads)
#endif
  {
    // Each thread's workspace and problems are its own (made by that thread, as in batch.cpp).
    funnel_workspace ws;
    std::vector<funnel_problem> problems;
    std::exception_ptr thread_failure;
    std::size_t thread_failure_funnel = F;
#if defined(SPC_HAVE_OPENMP)
#pragma omp for schedule(dynamic, 1) nowait
#endif
    for (long long fl = 0; fl < count; ++fl) {
      if (thread_failure) continue;
      const auto f = static_cast<std::size_t>(fl);
      const std::size_t first = in.offsets[f], size = in.offsets[f + 1] - first;
      const funnel_columns c = slice(out, first, size);
      try {
        // The sums are read before anything is written (funnel_into copies its input first).
        funnel_into(std::span<const double>(c.y), std::span<const double>(c.n), options_of(o, f), c,
                    result.summaries[f], ws);
      } catch (const input_error& e) {
        result.status[f] = series_status::failed;
        result.summaries[f] = funnel_summary{};
        const std::size_t unit = e.index() == input_error::npos ? input_error::npos : first + e.index();
        problems.push_back(funnel_problem{f, unit, e});
        write_failed(c);
      } catch (...) {
        thread_failure = std::current_exception();
        thread_failure_funnel = f;
      }
    }
#if defined(SPC_HAVE_OPENMP)
#pragma omp critical(spc_funnel_batch_results)
#endif
    {
      for (auto& p : problems) result.problems.push_back(std::move(p));
      if (thread_failure && thread_failure_funnel < failure_funnel) {
        failure = thread_failure;
        failure_funnel = thread_failure_funnel;
      }
    }
  }
  (void)threads;
  if (failure) std::rethrow_exception(failure);
  std::sort(result.problems.begin(), result.problems.end(),
            [](const funnel_problem& a, const funnel_problem& b) { return a.funnel < b.funnel; });
}

funnel_batch_result funnel_batch(const funnel_batch_input& input, const funnel_batch_options& options) {
  funnel_batch_result r;
  funnel_batch_into(input, options, r);
  return r;
}

}  // namespace spc
