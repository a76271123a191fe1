// Computes one P chart with an installed spc and checks it: 2, 5, 3, 4 events of 50 cases each.
// Centre line 14/200 = 0.07; upper limit 0.07 + 3 * sqrt(0.07 * 0.93 / 50).
#include <cmath>
#include <cstdio>
#include <vector>

#include <spc/chart.hpp>
#include <spc/version.hpp>

static_assert(spc::version == SPC_EXPECTED_VERSION, "spc/version.hpp is not the package's version");

int main() {
  const std::vector<double> y{2, 5, 3, 4}, n{50, 50, 50, 50};
  spc::chart_options options;
  options.chart = spc::chart_type::p;
  const spc::chart_result r = spc::qic(y, n, options);

  const double want_cl = 0.07, want_ucl = 0.1782497113160123;
  const bool ok = r.size() == 4 && std::abs(r.y[1] - 0.1) < 1e-12 &&
                  std::abs(r.cl[0] - want_cl) < 1e-12 && std::abs(r.ucl[3] - want_ucl) < 1e-12 &&
                  r.parts.size() == 1 && r.parts[0].runs.n_obs == 4 && !r.sigma_signal[1];
  std::printf("P chart: cl %.15g, ucl %.15g, %zu part(s): %s\n", r.cl[0], r.ucl[0], r.parts.size(),
              ok ? "as expected" : "WRONG");
  return ok ? 0 : 1;
}
