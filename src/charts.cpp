// One small function per chart type. Formulas: docs/charts.md, with their sources; the reference
// behaviour is qicharts2 0.8.1 (implemented from the formulas, not from its code).
#include "charts.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "spc/constants.hpp"

namespace spc::detail {

namespace {

using constants::d2;
using constants::D4;

inline bool missing(double x) noexcept { return std::isnan(x); }

// y = value, or value / n when a denominator is given (run and i charts of ratios).
void ratio_or_value(const part_input& in, std::span<double> y) {
  if (in.n.empty()) {
    std::copy(in.value.begin(), in.value.end(), y.begin());
  } else {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = in.value[i] / in.n[i];
  }
}

// A sum of finite values that overflowed: recomputed with every value scaled by the largest, so
// that the mean of values near the largest double is finite and correct to rounding.
template <class Keep>
double scaled_mean(std::span<const double> x, Keep keep) {
  double largest = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (keep(i)) largest = std::max(largest, std::abs(x[i])), ++count;
  if (count == 0 || largest == 0) return count ? 0.0 : na;
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (keep(i)) sum += x[i] / largest;
  return sum / static_cast<double>(count) * largest;
}

double mean_of(std::span<const double> x, std::span<const std::uint8_t> use) {
  double sum = 0;
  std::size_t count = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!use[i] || missing(x[i])) continue;
    sum += x[i];
    ++count;
  }
  if (count && !std::isfinite(sum))  // the values are finite (validated): the sum overflowed
    return scaled_mean(x, [&](std::size_t i) { return use[i] && !missing(x[i]); });
  return count ? sum / static_cast<double>(count) : na;
}

// Writes cl +/- k*sigma for k = 3 and 2, clipped to [lo, hi].
inline void symmetric_limits(const part_output& out, std::size_t i, double cl, double sigma, double lo,
                             double hi) {
  out.cl[i] = cl;
  out.ucl[i] = std::min(cl + 3 * sigma, hi);
  out.lcl[i] = std::max(cl - 3 * sigma, lo);
  out.ucl_95[i] = std::min(cl + 2 * sigma, hi);
  out.lcl_95[i] = std::max(cl - 2 * sigma, lo);
  if (std::isnan(sigma)) out.ucl[i] = out.lcl[i] = out.ucl_95[i] = out.lcl_95[i] = na;
}

void fill_cl_only(const part_output& out, double cl) {
  std::fill(out.cl.begin(), out.cl.end(), cl);
  std::fill(out.lcl.begin(), out.lcl.end(), na);
  std::fill(out.ucl.begin(), out.ucl.end(), na);
  std::fill(out.lcl_95.begin(), out.lcl_95.end(), na);
  std::fill(out.ucl_95.begin(), out.ucl_95.end(), na);
}

constexpr double inf = std::numeric_limits<double>::infinity();

// --- run chart: median centre line, no limits --------------------------------------------------
void run_chart(const part_input& in, const part_output& out, chart_scratch& ws) {
  ratio_or_value(in, out.y);
  const double cl = std::isnan(in.fixed_cl) ? median_of(out.y, in.use, ws.a) : in.fixed_cl;
  fill_cl_only(out, cl);
}

// --- I chart: mean; sigma = AMR / d2 (Montgomery 6.5; screened MRs, Nelson 1982) --------------
void i_core(std::span<const double> y, const part_input& in, const part_output& out, chart_scratch& ws,
            double& cl, double& sigma) {
  cl = std::isnan(in.fixed_cl) ? mean_of(y, in.use) : in.fixed_cl;
  sigma = average_moving_range(y, in.use, in.screen_mr, ws.a) / d2;
  (void)out;
}

void i_chart(const part_input& in, const part_output& out, chart_scratch& ws) {
  ratio_or_value(in, out.y);
  double cl, sigma;
  i_core(out.y, in, out, ws, cl, sigma);
  for (std::size_t i = 0; i < out.y.size(); ++i) symmetric_limits(out, i, cl, sigma, -inf, inf);
}

// --- MR chart: moving ranges of consecutive points; CL = mean MR of B; UCL = D4 * CL ------------
void mr_chart(const part_input& in, const part_output& out, chart_scratch&) {
  const std::size_t m = out.y.size();
  if (m) out.y[0] = na;
  for (std::size_t i = 1; i < m; ++i) out.y[i] = std::abs(in.value[i] - in.value[i - 1]);
  const double cl = std::isnan(in.fixed_cl) ? mean_of(out.y, in.use) : in.fixed_cl;
  for (std::size_t i = 0; i < m; ++i) {
    out.cl[i] = cl;
    out.lcl[i] = out.lcl_95[i] = std::isnan(cl) ? na : 0.0;
    out.ucl[i] = D4 * cl;              // D4(2) = 3.267
    out.ucl_95[i] = 2.0 / 3.0 * D4 * cl;  // the same band with 2 in place of 3
  }
}

// --- T chart: I chart of y^(1/3.6), back-transformed (Nelson 1994; Montgomery Ex. 7.6) ---------
void t_chart(const part_input& in, const part_output& out, chart_scratch& ws) {
  const double e = constants::t_exponent;
  const std::size_t m = out.y.size();
  ws.b.resize(m);
  std::span<double> u(ws.b.data(), m);
  for (std::size_t i = 0; i < m; ++i) u[i] = std::pow(in.value[i], 1.0 / e);
  part_input tin = in;
  if (!std::isnan(in.fixed_cl)) tin.fixed_cl = std::pow(in.fixed_cl, 1.0 / e);
  double cl, sigma;
  i_core(u, tin, out, ws, cl, sigma);
  auto back = [e](double x) {
    const double v = std::pow(x, e);
    return (std::isnan(v) || x < 0) ? 0.0 : v;  // a negative transformed limit means 0
  };
  for (std::size_t i = 0; i < m; ++i) {
    out.y[i] = std::pow(u[i], e);
    out.cl[i] = std::pow(cl, e);
    if (std::isnan(sigma) || std::isnan(cl)) {
      out.lcl[i] = out.ucl[i] = out.lcl_95[i] = out.ucl_95[i] = na;
      continue;
    }
    out.ucl[i] = back(cl + 3 * sigma);
    out.lcl[i] = back(cl - 3 * sigma);
    out.ucl_95[i] = back(cl + 2 * sigma);
    out.lcl_95[i] = back(cl - 2 * sigma);
  }
}

// --- attribute charts --------------------------------------------------------------------------
// Laney's sigma_z (Laney 2002, Quality Engineering 14:531): the average moving range of the
// z-scores of B, over d2, with the same screening as the I chart.
double laney_sigma_z(const part_input& in, std::span<const double> y, std::span<const double> sigma,
                     double cl, chart_scratch& ws) {
  const std::size_t m = y.size();
  ws.c.resize(m);
  for (std::size_t i = 0; i < m; ++i) ws.c[i] = (y[i] - cl) / sigma[i];
  return average_moving_range(std::span<const double>(ws.c.data(), m), in.use, in.screen_mr, ws.a) / d2;
}

// Proportions and rates: sigma_i = sqrt(p(1-p)/n_i) or sqrt(u/n_i); prime charts multiply by
// sigma_z. Proportion limits are clipped to [0, 1], rate limits at 0 (Montgomery 7.2, 7.3).
// Written as few passes over the part as the formulas allow, since a long series does not fit
// in cache: y with the pooled ratio, then sigma with the limits (prime charts need every sigma
// before sigma_z).
template <bool proportion, bool prime>
void attribute_chart(const part_input& in, const part_output& out, chart_scratch& ws) {
  const std::size_t m = out.y.size();
  // y, and the centre line: sum of counts over sum of denominators in B (pairs with either
  // missing are skipped).
  double num = 0, den = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const bool gap = missing(in.value[i]) || missing(in.n[i]);
    out.y[i] = gap ? na : in.value[i] / in.n[i];
    if (gap || !in.use[i]) continue;
    num += in.value[i];
    den += in.n[i];
  }
  const double cl = std::isnan(in.fixed_cl) ? (den > 0 ? num / den : na) : in.fixed_cl;
  // sigma per point; a point whose value or denominator is missing has no limits.
  const double var = proportion ? cl * (1 - cl) : cl;
  auto sigma_at = [&](std::size_t i) { return std::isnan(out.y[i]) ? na : std::sqrt(var / in.n[i]); };
  const double hi = proportion ? 1.0 : inf;
  if constexpr (prime) {
    ws.b.resize(m);
    std::span<double> sigma(ws.b.data(), m);
    for (std::size_t i = 0; i < m; ++i) sigma[i] = sigma_at(i);
    const double sz = laney_sigma_z(in, out.y, sigma, cl, ws);
    for (std::size_t i = 0; i < m; ++i) symmetric_limits(out, i, cl, sigma[i] * sz, 0.0, hi);
  } else {
    for (std::size_t i = 0; i < m; ++i) symmetric_limits(out, i, cl, sigma_at(i), 0.0, hi);
  }
}

// C chart: mean count, sigma = sqrt(mean) (Poisson), LCL clipped at 0.
void c_chart(const part_input& in, const part_output& out, chart_scratch&) {
  std::copy(in.value.begin(), in.value.end(), out.y.begin());
  const double cl = std::isnan(in.fixed_cl) ? mean_of(out.y, in.use) : in.fixed_cl;
  const double sigma = std::sqrt(cl);
  for (std::size_t i = 0; i < out.y.size(); ++i) symmetric_limits(out, i, cl, sigma, 0.0, inf);
}

// G chart (Benneyan 2001): limits from the geometric mean gbar, sigma = sqrt(gbar(gbar+1)), LCL
// clipped at 0; the displayed centre line is the median (Provost & Murray: the geometric median
// is about ln 2 * mean, hence 0.693 * cl when the user gives the mean).
void g_chart(const part_input& in, const part_output& out, chart_scratch& ws) {
  std::copy(in.value.begin(), in.value.end(), out.y.begin());
  const bool fixed = !std::isnan(in.fixed_cl);
  const double gbar = fixed ? in.fixed_cl : mean_of(out.y, in.use);
  const double cl = fixed ? 0.693 * in.fixed_cl : median_of(out.y, in.use, ws.a);
  const double sigma = std::sqrt(gbar * (gbar + 1));
  for (std::size_t i = 0; i < out.y.size(); ++i) {
    symmetric_limits(out, i, gbar, sigma, 0.0, inf);
    out.cl[i] = cl;
  }
}

// --- Xbar and S charts from subgroup means, sizes and sds (Montgomery 6.3-6.4) ----------------
// sbar: the mean sd when all subgroups of B have the same size, else the pooled sd
// sqrt(sum (n_i - 1) s_i^2 / sum (n_i - 1)) (Montgomery eqs. 6.29, 6.31). Subgroups of one have
// no sd and do not contribute.
double s_bar(const part_input& in) {
  double first_n = na, sum_s = 0, sum_v = 0, sum_df = 0;
  std::size_t count = 0;
  bool equal = true;
  for (std::size_t i = 0; i < in.sd.size(); ++i) {
    if (!in.use[i] || missing(in.value[i]) || missing(in.n[i]) || missing(in.sd[i])) continue;
    const double n = in.n[i];
    if (std::isnan(first_n)) first_n = n;
    if (n != first_n) equal = false;
    if (n < 2) continue;
    sum_s += in.sd[i];
    ++count;
    sum_v += (n - 1) * in.sd[i] * in.sd[i];
    sum_df += n - 1;
  }
  if (count == 0) return na;
  return equal ? sum_s / static_cast<double>(count) : std::sqrt(sum_v / sum_df);
}

void xbar_chart(const part_input& in, const part_output& out, chart_scratch&) {
  const std::size_t m = out.y.size();
  double num = 0, den = 0;
  for (std::size_t i = 0; i < m; ++i) {
    const bool gap = missing(in.value[i]) || missing(in.n[i]);
    out.y[i] = gap ? na : in.value[i];
    if (gap || !in.use[i]) continue;
    num += in.n[i] * in.value[i];
    den += in.n[i];
  }
  const double cl = std::isnan(in.fixed_cl) ? (den > 0 ? num / den : na) : in.fixed_cl;
  const double sbar = s_bar(in);
  for (std::size_t i = 0; i < m; ++i) {
    out.cl[i] = cl;
    const double n = std::isnan(out.y[i]) ? na : in.n[i];
    const double a3 = constants::A3(n), a2 = constants::A3(n, 2.0);
    out.ucl[i] = cl + a3 * sbar;
    out.lcl[i] = cl - a3 * sbar;
    out.ucl_95[i] = cl + a2 * sbar;
    out.lcl_95[i] = cl - a2 * sbar;
  }
}

void s_chart(const part_input& in, const part_output& out, chart_scratch&) {
  const std::size_t m = out.y.size();
  for (std::size_t i = 0; i < m; ++i)
    out.y[i] = (missing(in.value[i]) || missing(in.n[i])) ? na : in.sd[i];
  const double cl = std::isnan(in.fixed_cl) ? s_bar(in) : in.fixed_cl;
  for (std::size_t i = 0; i < m; ++i) {
    out.cl[i] = cl;
    const double n = std::isnan(out.y[i]) ? na : in.n[i];
    out.ucl[i] = constants::B4(n) * cl;
    out.lcl[i] = constants::B3(n) * cl;
    out.ucl_95[i] = constants::B4(n, 2.0) * cl;
    out.lcl_95[i] = constants::B3(n, 2.0) * cl;
  }
}

}  // namespace

// The table of chart types: one entry per type, filled by a switch so that the compiler reports a
// type without an entry (-Wswitch). Everything the library, the command line and the Python
// package know of a chart type is here.
constexpr chart_entry entry(chart_type c) noexcept {
  using enum denominator_use;
  using enum value_domain;
  using enum row_aggregation;
  // type, name, title, description, denominator, subgroup sd, y domain, y noun, y <= n,
  // aggregation, runs signal, limits; then the chart function.
  switch (c) {
    case chart_type::run:
      return {{c, "run", "Run chart", "median, runs analysis only", optional, false, any, "the value",
               false, mean, true, false},
              run_chart};
    case chart_type::i:
      return {{c, "i", "I chart", "individuals", optional, false, any, "the value", false, mean, true, true},
              i_chart};
    case chart_type::mr:
      return {{c, "mr", "MR chart", "moving ranges", none, false, any, "the value", false, mean, false, true},
              mr_chart};
    case chart_type::xbar:
      return {{c, "xbar", "Xbar chart", "subgroup means", required, true, any, "the subgroup mean", false,
               subgroup, true, true},
              xbar_chart};
    case chart_type::s:
      return {{c, "s", "S chart", "subgroup standard deviations", required, true, any, "the subgroup mean",
               false, subgroup, true, true},
              s_chart};
    case chart_type::t:
      return {{c, "t", "T chart", "time between rare events", none, false, positive, "the time between events",
               false, mean, true, true},
              t_chart};
    case chart_type::p:
      return {{c, "p", "P chart", "proportions", required, false, nonnegative, "a count", true, sum, true, true},
              attribute_chart<true, false>};
    case chart_type::pp:
      return {{c, "pp", "P' chart", "Laney P'", required, false, nonnegative, "a count", true, sum, true, true},
              attribute_chart<true, true>};
    case chart_type::c:
      return {{c, "c", "C chart", "counts", none, false, nonnegative, "a count", false, sum, true, true}, c_chart};
    case chart_type::u:
      return {{c, "u", "U chart", "rates", required, false, nonnegative, "a count", false, sum, true, true},
              attribute_chart<false, false>};
    case chart_type::up:
      return {{c, "up", "U' chart", "Laney U'", required, false, nonnegative, "a count", false, sum, true, true},
              attribute_chart<false, true>};
    case chart_type::g:
      return {{c, "g", "G chart", "opportunities between rare events", none, false, nonnegative,
               "the number of opportunities between events", false, mean, true, true},
              g_chart};
  }
  return {{}, nullptr};  // unreachable for a valid enum value
}

namespace {
// The table, built once from the switch; entry k describes chart type k.
constexpr std::array<chart_entry, chart_type_count> table = [] {
  std::array<chart_entry, chart_type_count> t{};
  for (std::size_t k = 0; k < chart_type_count; ++k) t[k] = entry(static_cast<chart_type>(k));
  return t;
}();
constexpr std::array<chart_info, chart_type_count> infos = [] {
  std::array<chart_info, chart_type_count> t{};
  for (std::size_t k = 0; k < chart_type_count; ++k) t[k] = table[k].info;
  return t;
}();
}  // namespace

chart_function chart_function_for(chart_type c) noexcept { return table[static_cast<std::size_t>(c)].function; }

}  // namespace spc::detail

namespace spc {

const chart_info& info(chart_type c) noexcept { return detail::infos[static_cast<std::size_t>(c)]; }

std::span<const chart_info> chart_table() noexcept { return detail::infos; }

std::string_view to_string(chart_type c) noexcept { return info(c).name; }

std::optional<chart_type> parse_chart_type(std::string_view name) noexcept {
  for (const chart_info& ci : detail::infos)
    if (ci.name == name) return ci.type;
  return std::nullopt;
}

}  // namespace spc

namespace spc::detail {

double median_of(std::span<const double> x, std::span<const std::uint8_t> use, std::vector<double>& scratch) {
  scratch.clear();
  for (std::size_t i = 0; i < x.size(); ++i)
    if (use[i] && !missing(x[i])) scratch.push_back(x[i]);
  const std::size_t k = scratch.size();
  if (k == 0) return na;
  auto mid = scratch.begin() + static_cast<std::ptrdiff_t>(k / 2);
  std::nth_element(scratch.begin(), mid, scratch.end());
  const double upper = *mid;
  if (k % 2) return upper;
  const double lower = *std::max_element(scratch.begin(), mid);
  return (lower + upper) / 2;
}

double average_moving_range(std::span<const double> x, std::span<const std::uint8_t> use, bool screen,
                            std::vector<double>& scratch) {
  scratch.clear();
  bool have_prev = false;
  double prev = na, sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!use[i]) continue;  // left out: the moving range bridges it
    if (have_prev) {
      const double mr = std::abs(x[i] - prev);
      if (!missing(mr)) {
        scratch.push_back(mr);
        sum += mr;
      }
    }
    prev = x[i];
    have_prev = true;
  }
  if (scratch.empty()) return na;
  double amr = sum / static_cast<double>(scratch.size());
  if (!std::isfinite(amr)) {
    // Moving ranges of finite values near the largest double: a range or their sum overflowed.
    // The ranges of halved values are halved ranges (exactly, in binary), so the AMR of the
    // halved series, doubled, is the AMR; rare enough to afford a copy.
    std::vector<double> half(x.begin(), x.end());
    for (double& v : half) v /= 2;
    return 2 * average_moving_range(half, use, screen, scratch);
  }
  if (!screen) return amr;
  const double cut = D4 * amr;
  double kept = 0;
  std::size_t count = 0;
  for (double mr : scratch) {
    if (mr < cut) {
      kept += mr;
      ++count;
    }
  }
  return count ? kept / static_cast<double>(count) : amr;
}

}  // namespace spc::detail
