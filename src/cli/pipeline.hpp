// cli/pipeline.hpp: the one command-line pipeline behind `spc chart` and `spc batch`.
//
//   options (options.hpp)  ->  read and group (series_table.hpp)  ->  the batch engine
//   (spc::qic_batch)  ->  problems in the user's terms  ->  outputs (layout.hpp)  ->  the report
//   for people (report.hpp, spc chart only)
//
// `spc chart` is the one-series case: no --by columns, every row one point of one series. The two
// commands differ only in grouping: a series that cannot be charted fails the whole `spc chart`
// (nothing is written) but only itself in `spc batch` (the others are written, its summary row
// says why, and the exit status is 1).
#pragma once

#include <cstddef>
#include <string_view>

#include "options.hpp"

namespace spc::cli {

/// Rows from which progress is reported on standard error.
inline constexpr std::size_t large_input = 1'000'000;

/// Starts the clock of the progress messages; `name` is "spc chart" or "spc batch".
void start_progress(std::string_view name);
/// "spc batch: read 3000000 rows (42%) [1.2 s]" on standard error.
void progress(std::string_view what, std::size_t rows, std::string_view extra = {});

/// Runs the pipeline for a parsed command line; returns the exit code. Throws usage_error,
/// data_error and io::csv_error for problems the caller reports.
int run_pipeline(const command& cmd, bool grouped);

}  // namespace spc::cli
