// The `spc` command-line tool. Everything is in commands.cpp; see commands.hpp.
#include "commands.hpp"

#include <string_view>

int main(int argc, char** argv) {
  // `spc batch` is in batch_command.cpp; every other subcommand in commands.cpp.
  if (argc > 1 && std::string_view(argv[1]) == "batch") return spc::cli::run_batch_main(argc, argv);
  return spc::cli::run(argc, argv);
}
