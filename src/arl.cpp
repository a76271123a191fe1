// ARLs of the CUSUM and the EWMA by the Nyström method (spc/arl.hpp). The equations are those of
// docs/sequential.md §ARL; the method is the one of Knoth's R package spc (implemented from the
// equations, not from its code).
#include "spc/arl.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/legendre.hpp>
#include <boost/math/tools/toms748_solve.hpp>
#include <fmt/format.h>

namespace spc {

namespace {

std::string number(double x) { return fmt::format("{:.15g}", x); }

// The largest number of nodes: a (N+1) x (N+1) dense system of 8 MB.
constexpr int max_nodes = 1000;

// Gauss-Legendre nodes and weights on [-1, 1] (nodes increasing): the zeros of P_N (Boost.Math
// gives the non-negative ones) and w = 2 / ((1 - x^2) P_N'(x)^2) (Abramowitz & Stegun 25.4.29).
struct gauss_legendre {
  std::vector<double> x, w;
  explicit gauss_legendre(int n) {
    const std::vector<double> zeros = boost::math::legendre_p_zeros<double>(n);
    const auto half = static_cast<std::ptrdiff_t>(zeros.size());
    x.reserve(static_cast<std::size_t>(n));
    for (std::ptrdiff_t k = half - 1; k >= 0; --k)
      if (zeros[static_cast<std::size_t>(k)] != 0 || n % 2 == 0) x.push_back(-zeros[static_cast<std::size_t>(k)]);
    for (double z : zeros) x.push_back(z);
    w.resize(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
      const double d = boost::math::legendre_p_prime(n, x[j]);
      w[j] = 2 / ((1 - x[j] * x[j]) * d * d);
    }
  }
  // The rule mapped to [a, b].
  void map(double a, double b, std::vector<double>& z, std::vector<double>& v) const {
    const double mid = (a + b) / 2, half = (b - a) / 2;
    z.resize(x.size());
    v.resize(x.size());
    for (std::size_t j = 0; j < x.size(); ++j) {
      z[j] = mid + half * x[j];
      v[j] = half * w[j];
    }
  }
};

const boost::math::normal standard_normal;
double phi(double x) { return boost::math::pdf(standard_normal, x); }
double Phi(double x) { return boost::math::cdf(standard_normal, x); }

// The one-sided (upper) CUSUM's ARL function L(s) at one shift, from its Nyström solution.
class cusum_solution {
 public:
  cusum_solution(const gauss_legendre& rule, double k, double h, double shift) : k_(k), shift_(shift) {
    rule.map(0, h, z_, w_);
    const std::size_t n = z_.size();
    // Unknowns 0..n-1: L(z_j); unknown n: L(0), the atom where the CUSUM returns to 0.
    Eigen::MatrixXd a(n + 1, n + 1);
    for (std::size_t i = 0; i <= n; ++i) {
      const double s = i < n ? z_[i] : 0.0;
      for (std::size_t j = 0; j < n; ++j) a(ix(i), ix(j)) = -w_[j] * phi(z_[j] + k - s - shift);
      a(ix(i), ix(n)) = -Phi(k - s - shift);
      a(ix(i), ix(i)) += 1;
    }
    const Eigen::VectorXd ones = Eigen::VectorXd::Ones(ix(n + 1));
    values_ = a.partialPivLu().solve(ones);
  }
  // L(s) by Nyström interpolation: 1 + Phi(k - s - d) L(0) + sum_j w_j phi(z_j + k - s - d) L(z_j).
  double at(double s) const {
    const std::size_t n = z_.size();
    double sum = 1 + Phi(k_ - s - shift_) * values_(ix(n));
    for (std::size_t j = 0; j < n; ++j) sum += w_[j] * phi(z_[j] + k_ - s - shift_) * values_(ix(j));
    return sum;
  }

 private:
  static Eigen::Index ix(std::size_t i) { return static_cast<Eigen::Index>(i); }
  double k_, shift_;
  std::vector<double> z_, w_;
  Eigen::VectorXd values_;
};

// The CUSUM's ARL at one shift, with the options checked.
double cusum_arl_at(const gauss_legendre& rule, const cusum_arl_options& o, double shift) {
  const cusum_solution up(rule, o.k, o.h, shift);
  if (o.sides == arl_sides::one) return up.at(o.headstart);
  // Lucas & Crosier (1982): the two sides with the same headstart s,
  // L = [L+(s) L-(0) + L+(0) L-(s) - L+(0) L-(0)] / [L+(0) + L-(0)]; s = 0: 1/L = 1/L+ + 1/L-.
  const cusum_solution down(rule, o.k, o.h, -shift);
  const double up0 = up.at(0), down0 = down.at(0);
  if (o.headstart == 0) return up0 * down0 / (up0 + down0);
  const double ups = up.at(o.headstart), downs = down.at(o.headstart);
  return (ups * down0 + up0 * downs - up0 * down0) / (up0 + down0);
}

// The EWMA's ARL at one shift: (I - K) L = 1 with K_ij = (w_j / lambda) phi((z_j - (1 - lambda)
// z_i) / lambda - d), then L(0) = 1 + sum_j (w_j / lambda) phi(z_j / lambda - d) L_j.
double ewma_arl_at(const gauss_legendre& rule, double lambda, double L, double shift) {
  const double c = L * std::sqrt(lambda / (2 - lambda));
  std::vector<double> z, w;
  rule.map(-c, c, z, w);
  const auto n = static_cast<Eigen::Index>(z.size());
  Eigen::MatrixXd a(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double from = (1 - lambda) * z[static_cast<std::size_t>(i)];
    for (Eigen::Index j = 0; j < n; ++j)
      a(i, j) = -w[static_cast<std::size_t>(j)] / lambda * phi((z[static_cast<std::size_t>(j)] - from) / lambda - shift);
    a(i, i) += 1;
  }
  const Eigen::VectorXd values = a.partialPivLu().solve(Eigen::VectorXd::Ones(n));
  double sum = 1;
  for (Eigen::Index j = 0; j < n; ++j)
    sum += w[static_cast<std::size_t>(j)] / lambda * phi(z[static_cast<std::size_t>(j)] / lambda - shift) * values(j);
  return sum;
}

void check_shift(double shift) {
  if (!std::isfinite(shift))
    throw input_error("shift", input_error::npos, fmt::format("{} is not a finite number", number(shift)));
}

void check_arl0(double arl0) {
  if (!std::isfinite(arl0) || !(arl0 > 1))
    throw input_error("arl0", input_error::npos,
                      fmt::format("the in-control ARL must be a finite number above 1, not {}", number(arl0)));
}

std::optional<input_error> check_nodes(int nodes, bool zero_allowed) {
  if ((nodes == 0 && zero_allowed) || (nodes >= 2 && nodes <= max_nodes)) return std::nullopt;
  return input_error("nodes", input_error::npos,
                     fmt::format("must be from 2 to {}{}, not {}", max_nodes, zero_allowed ? " (or 0: the default)" : "",
                                 nodes));
}

// Finds the x where ARL(x) = arl0 for an ARL increasing in x: brackets from `from` upwards in
// steps of 0.5 (sequential.md §8.4), then TOMS 748 on ln(ARL / arl0) to 1e-12 relative in x.
template <class Arl>
double critical(const Arl& arl, double from, double arl0, const char* name) {
  auto f = [&](double x) { return std::log(arl(x) / arl0); };
  double lo = from, flo = f(lo);
  if (!(flo < 0))
    throw input_error("arl0", input_error::npos,
                      fmt::format("{} is below the ARL at the smallest {} searched ({}), so no {} gives it", number(arl0),
                                  name, number(from), name));
  double hi = lo + 0.5, fhi = f(hi);
  for (int step = 0; !(fhi >= 0); ++step) {
    if (step > 200 || !std::isfinite(fhi))
      throw input_error("arl0", input_error::npos,
                        fmt::format("no {} up to {} gives an in-control ARL of {}", name, number(hi), number(arl0)));
    lo = hi;
    flo = fhi;
    hi += 0.5;
    fhi = f(hi);
  }
  if (fhi == 0) return hi;
  std::uintmax_t iterations = 200;
  const auto tolerance = [](double a, double b) { return std::fabs(b - a) <= 1e-12 * std::min(std::fabs(a), std::fabs(b)); };
  const auto [a, b] = boost::math::tools::toms748_solve(f, lo, hi, flo, fhi, tolerance, iterations);
  return (a + b) / 2;
}

}  // namespace

std::string_view to_string(arl_sides s) noexcept { return s == arl_sides::one ? "one" : "two"; }

std::optional<arl_sides> parse_arl_sides(std::string_view name) noexcept {
  if (name == "one") return arl_sides::one;
  if (name == "two") return arl_sides::two;
  return std::nullopt;
}

std::optional<input_error> find_problem(const cusum_arl_options& o) {
  if (!std::isfinite(o.k) || o.k < 0)
    return input_error("k", input_error::npos, fmt::format("must be a finite number of at least 0, not {}", number(o.k)));
  if (!std::isfinite(o.h) || !(o.h > 0))
    return input_error("h", input_error::npos, fmt::format("must be a positive finite number, not {}", number(o.h)));
  if (!std::isfinite(o.headstart) || o.headstart < 0 || !(o.headstart < o.h))
    return input_error("headstart", input_error::npos,
                       fmt::format("must be at least 0 and below h = {}, not {}", number(o.h), number(o.headstart)));
  if (o.sides == arl_sides::two && o.headstart > o.h / 2 + o.k)
    return input_error("headstart", input_error::npos,
                       fmt::format("{} is above h/2 + k = {}: the two-sided ARL of Lucas & Crosier holds only up to it",
                                   number(o.headstart), number(o.h / 2 + o.k)));
  return check_nodes(o.nodes, false);
}

std::optional<input_error> find_problem(const ewma_arl_options& o) {
  if (!std::isfinite(o.lambda) || !(o.lambda > 0) || o.lambda > 1)
    return input_error("lambda", input_error::npos, fmt::format("must lie in (0, 1], not {}", number(o.lambda)));
  if (!std::isfinite(o.L) || !(o.L > 0))
    return input_error("L", input_error::npos, fmt::format("must be a positive finite number, not {}", number(o.L)));
  if (o.sides != arl_sides::two)
    return input_error("sides", input_error::npos, "the one-sided EWMA is not offered; its ARL is two-sided");
  return check_nodes(o.nodes, true);
}

std::vector<double> cusum_arl(const cusum_arl_options& o, std::span<const double> shifts) {
  if (auto e = find_problem(o)) throw *e;
  for (double d : shifts) check_shift(d);
  const gauss_legendre rule(o.nodes);
  std::vector<double> out;
  out.reserve(shifts.size());
  for (double d : shifts) out.push_back(cusum_arl_at(rule, o, d));
  return out;
}

double cusum_arl(const cusum_arl_options& o, double shift) { return cusum_arl(o, std::span<const double>(&shift, 1))[0]; }

double cusum_critical_h(const cusum_arl_options& options, double arl0) {
  check_arl0(arl0);
  cusum_arl_options o = options;
  o.h = std::max(2 * o.headstart, 1.0) + 1;  // any valid h: the search sets it
  if (auto e = find_problem(o); e && e->argument() != "headstart") throw *e;
  if (!std::isfinite(o.headstart) || o.headstart < 0)
    throw input_error("headstart", input_error::npos,
                      fmt::format("must be a finite number of at least 0, not {}", number(o.headstart)));
  const gauss_legendre rule(o.nodes);
  // The headstart is held fixed while h moves.
  const double h = critical(
      [&](double x) {
        cusum_arl_options t = o;
        t.h = x;
        return cusum_arl_at(rule, t, 0);
      },
      std::max(o.headstart, 0.05), arl0, "h");
  o.h = h;
  if (auto e = find_problem(o))
    throw input_error(e->argument(), input_error::npos,
                      fmt::format("with the critical h = {}: {}", number(h), e->problem()));
  return h;
}

int ewma_default_nodes(double lambda, double L) noexcept {
  const double c = L * std::sqrt(lambda / (2 - lambda));
  const double wanted = std::ceil(3 * 2 * c / lambda);
  return wanted > 100 ? static_cast<int>(std::min<double>(wanted, max_nodes)) : 100;
}

std::vector<double> ewma_arl(const ewma_arl_options& o, std::span<const double> shifts) {
  if (auto e = find_problem(o)) throw *e;
  for (double d : shifts) check_shift(d);
  const gauss_legendre rule(o.nodes ? o.nodes : ewma_default_nodes(o.lambda, o.L));
  std::vector<double> out;
  out.reserve(shifts.size());
  for (double d : shifts) out.push_back(ewma_arl_at(rule, o.lambda, o.L, d));
  return out;
}

double ewma_arl(const ewma_arl_options& o, double shift) { return ewma_arl(o, std::span<const double>(&shift, 1))[0]; }

double ewma_critical_L(const ewma_arl_options& options, double arl0) {
  check_arl0(arl0);
  ewma_arl_options o = options;
  o.L = 1;
  if (auto e = find_problem(o)) throw *e;
  // With nodes 0 the number of nodes follows L (ewma_default_nodes); a rule per number is kept.
  std::vector<std::pair<int, gauss_legendre>> rules;
  auto rule_for = [&](int n) -> const gauss_legendre& {
    for (const auto& [count, rule] : rules)
      if (count == n) return rule;
    rules.emplace_back(n, gauss_legendre(n));
    return rules.back().second;
  };
  return critical(
      [&](double x) {
        const int n = o.nodes ? o.nodes : ewma_default_nodes(o.lambda, x);
        return ewma_arl_at(rule_for(n), o.lambda, x, 0);
      },
      0.05, arl0, "L");
}

}  // namespace spc
