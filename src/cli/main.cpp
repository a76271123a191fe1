// The `spc` command-line tool: `spc chart` (commands.cpp) and `spc batch` (batch_command.cpp).
#include "commands.hpp"

int main(int argc, char** argv) { return spc::cli::run(argc, argv); }
