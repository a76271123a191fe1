// The `spc` command-line tool. Everything is in commands.cpp; see commands.hpp.
#include "commands.hpp"

int main(int argc, char** argv) { return spc::cli::run(argc, argv); }
