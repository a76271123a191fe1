// cli/report.hpp: the report for people that `spc chart --output FILE` prints to standard output:
// per part (or Making Data Count period) its points, centre line, limits, runs analysis, sigma
// signals and the rules that fired, with the points named by position and label.
#pragma once

#include "layout.hpp"

namespace spc::cli {

/// Prints the report of series 0 of `out` (spc chart has one series).
void print_report(const output_context& out);

}  // namespace spc::cli
