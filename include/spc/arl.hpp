// spc/arl.hpp: average run lengths (ARL) of the CUSUM and the EWMA, and thresholds calibrated for
// an in-control ARL.
//
// The ARL is the expected number of points to the first signal: ARL0 with no shift (the
// false-alarm rate is 1 / ARL0), ARL1 at a shift of the mean. Observations are standardised:
// X ~ N(shift, 1), so k, h, headstart, L and the shift are in units of the observations' sigma.
// The ARL integral equations are solved as Knoth's R package spc does (xcusum.arl, xewma.arl):
// the Nyström method with Gauss-Legendre quadrature, a dense linear system (Eigen's LU with
// partial pivoting), then Nyström interpolation at the start value. docs/sequential.md gives the
// equations and the accuracy (agreement with r-cran-spc 0.6.7 to about 1e-9 relative for ARLs up
// to 1e5; round-off grows with the ARL, about ARL * N * 1e-16).
//
//   - CUSUM, one-sided (upper; the lower side at a shift d has the upper side's ARL at -d):
//     L(s) = 1 + L(0) Phi(k - s - d) + int_0^h L(z) phi(z + k - s - d) dz   (Page 1954; Brook &
//     Evans 1972);
//   - CUSUM, two-sided: the Lucas & Crosier (1982) combination of the two one-sided ARLs, with the
//     same headstart on both sides (valid for headstart <= h/2 + k), as r-cran-spc and the
//     published tables;
//   - EWMA, two-sided, fixed (asymptotic) limits +-c, c = L sqrt(lambda / (2 - lambda)):
//     L(u) = 1 + (1/lambda) int_{-c}^{c} L(z) phi((z - (1 - lambda) u) / lambda - d) dz (Crowder
//     1987; Lucas & Saccucci 1990). The chart's default exact limits are narrower at the start,
//     so its true ARL0 is a few per cent lower than this.
//
// Critical values (`*_critical_*`) solve ARL(h; shift 0) = ARL0 for h (or L) with Boost.Math's
// TOMS 748 root finder on ln(ARL / ARL0), to a relative tolerance of 1e-12 in h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "spc/types.hpp"

namespace spc {

/// One-sided (the upper side) or two-sided charts.
enum class arl_sides : std::uint8_t { one, two };

std::string_view to_string(arl_sides s) noexcept;  ///< "one", "two"
std::optional<arl_sides> parse_arl_sides(std::string_view name) noexcept;

/// The CUSUM whose ARL is computed (in units of sigma).
struct cusum_arl_options {
  double k = 0.5;          ///< reference value
  double h = 5;            ///< decision interval (ignored by cusum_critical_h)
  double headstart = 0;    ///< start value of each side, 0 <= headstart < h (two-sided: <= h/2 + k)
  arl_sides sides = arl_sides::two;
  int nodes = 64;          ///< Gauss-Legendre nodes on [0, h] (30 already agree with 400 to 1e-11)
};

/// The EWMA whose ARL is computed: two-sided, fixed limits.
struct ewma_arl_options {
  double lambda = 0.2;  ///< in (0, 1]
  double L = 3;         ///< limit width in sigma of the EWMA (ignored by ewma_critical_L)
  arl_sides sides = arl_sides::two;  ///< one is refused: the one-sided EWMA is not offered
  int nodes = 0;        ///< Gauss-Legendre nodes on [-c, c]; 0 = ewma_default_nodes
};

/// The first problem with the options (argument "k", "h", "headstart", "nodes", ...), or nothing.
std::optional<input_error> find_problem(const cusum_arl_options& options);
std::optional<input_error> find_problem(const ewma_arl_options& options);

/// The ARL of the CUSUM at a mean shift (in sigma). Throws input_error for bad options.
double cusum_arl(const cusum_arl_options& options, double shift = 0);
/// The ARL at each shift (the linear systems are solved once per shift and side).
std::vector<double> cusum_arl(const cusum_arl_options& options, std::span<const double> shifts);
/// The h whose in-control ARL is arl0 (> 1), for options.k, options.headstart and options.sides.
double cusum_critical_h(const cusum_arl_options& options, double arl0);

/// The nodes used for an EWMA when `nodes` is 0: 100, or 3 * 2c / lambda where that is more
/// (the kernel has width lambda on an interval of 2c; lambda below about 0.02).
int ewma_default_nodes(double lambda, double L) noexcept;
double ewma_arl(const ewma_arl_options& options, double shift = 0);
std::vector<double> ewma_arl(const ewma_arl_options& options, std::span<const double> shifts);
/// The L whose in-control ARL (fixed limits) is arl0 (> 1), for options.lambda.
double ewma_critical_L(const ewma_arl_options& options, double arl0);

}  // namespace spc
