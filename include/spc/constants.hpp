// spc/constants.hpp: control-chart constants as free functions of the subgroup size.
//
// Sources: Montgomery, Introduction to Statistical Quality Control, 6th ed., Appendix VI and
// eqs. 6.29-6.31; qicharts2 0.8.1 uses the same closed forms. For n <= 1 every constant is
// undefined (NaN): a subgroup of one has no standard deviation, so its limits are a gap.
#pragma once

#include <cmath>

#include <boost/math/special_functions/gamma.hpp>

#include "spc/types.hpp"

namespace spc::constants {

/// d2 for moving ranges of two (the expected range of two normal values, in sigmas).
inline constexpr double d2 = 1.128;
/// D4 for moving ranges of two: the MR chart's upper limit factor and the screening cut-off
/// (Nelson 1982, JQT 14:172).
inline constexpr double D4 = 3.267;
/// The T chart's power transform (Nelson 1994, JQT 26:239): y^(1/3.6) is nearly normal when y is
/// exponential.
inline constexpr double t_exponent = 3.6;

/// c4(n) = sqrt(2/(n-1)) * Gamma(n/2) / Gamma((n-1)/2), the bias of the sample sd.
inline double c4(double n) {
  if (!(n > 1)) return na;
  return std::sqrt(2.0 / (n - 1.0)) * boost::math::tgamma_ratio(n / 2.0, (n - 1.0) / 2.0);
}
/// c5(n) = sqrt(1 - c4^2), the sd of the sample sd in units of sigma.
inline double c5(double n) {
  const double c = c4(n);
  return std::sqrt(1.0 - c * c);
}
/// A3(n) = 3 / (c4 sqrt(n)): Xbar limits are CL +/- A3 * sbar. `k` replaces the 3 (k = 2 for the
/// 2-sigma limits).
inline double A3(double n, double k = 3.0) { return k / (c4(n) * std::sqrt(n)); }
/// B3(n) = max(0, 1 - 3 c5/c4): the S chart's lower limit factor.
inline double B3(double n, double k = 3.0) {
  const double b = 1.0 - k * c5(n) / c4(n);
  return std::isnan(b) ? b : (b < 0 ? 0.0 : b);
}
/// B4(n) = 1 + 3 c5/c4: the S chart's upper limit factor.
inline double B4(double n, double k = 3.0) { return 1.0 + k * c5(n) / c4(n); }

}  // namespace spc::constants
