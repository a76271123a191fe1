// cli/commands.hpp: the `spc` command-line tool: `spc chart` and `spc batch`, one pipeline
// (pipeline.hpp) that differs only in grouping, with the options of options.hpp.
#pragma once

namespace spc::cli {

/// The whole tool: parses `argv`, runs the subcommand, reports errors. Returns the exit code.
int run(int argc, char** argv);

}  // namespace spc::cli
