// The C++ first five minutes (README): a U chart of C. difficile infections per 10,000 risk days,
// recalculated after an intervention, with its runs analysis and the NHS Making Data Count view.
//
//   cmake --build build && build/examples/first_chart
#include <cstdio>
#include <string>
#include <vector>

#include <spc/spc.hpp>

int main() {
  // Hospital-acquired C. difficile infections per month at one Danish hospital, and risk days
  // (examples/data/cdi.csv); an intervention started after month 24.
  const std::vector<double> infections = {17, 12, 27, 20, 20, 18, 22, 19, 19, 24, 17, 16, 24, 19, 19, 22, 25,
                                          19, 17, 6, 25, 17, 11, 14, 9, 11, 7, 13, 5, 5, 3, 5, 9, 4, 5, 9};
  const std::vector<double> risk_days = {14768.4, 14460.3, 16176.9, 14226.5, 14816.2, 14335.3, 14964.5,
                                         14327.9, 13200.6, 13855.6, 13794.5, 14070.8, 14496.8, 14332.2,
                                         14927.0, 13362.1, 14058.1, 14388.1, 14673.4, 14153.5, 13830.7,
                                         14171.4, 14638.0, 14713.1, 14750.6, 14881.7, 15203.8, 13589.8,
                                         15111.5, 13730.0, 13879.8, 13895.8, 13140.7, 13372.9, 13959.4,
                                         14181.3};

  spc::chart_options options;
  options.chart = spc::chart_type::u;
  options.parts = {24};  // recalculate after the intervention
  const spc::chart_result r = spc::qic(infections, risk_days, options);

  for (const spc::part_summary& p : r.parts) {
    std::printf("part %d (points %zu-%zu): centre line %.2f per 10,000 risk days; %s\n", p.part, p.first + 1,
                p.last + 1, p.cl * 1e4, p.runs.runs_signal ? "runs signal (a shift)" : "no runs signal");
  }
  int outside = 0;
  for (std::uint8_t s : r.sigma_signal) outside += s;
  std::printf("points outside their 3-sigma limits: %d\n", outside);

  // The same months as an NHS Making Data Count XmR chart of the monthly counts.
  spc::mdc_options mdc;
  mdc.direction = spc::improvement_direction::decrease;  // fewer infections is better
  mdc.rebase = {25};                                      // a new period from month 25
  const spc::mdc_result m = spc::mdc_chart(infections, mdc);
  std::printf("Making Data Count, last month: %s\n", std::string(spc::to_string(m.periods.back().variation)).c_str());
  return r.parts.size() == 2 ? 0 : 1;
}
