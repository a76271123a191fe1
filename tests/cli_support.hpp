// cli_support.hpp: running the `spc` tool as a separate process from the tests, with scratch
// files that are removed when the test process ends.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace spc::test {

namespace fs = std::filesystem;

/// The scratch directory of this test process (ctest runs test cases as parallel processes).
inline const fs::path& scratch() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("spc_tests_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

/// Removes the scratch directory when the process ends.
struct scratch_cleanup {
  ~scratch_cleanup() {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path() / ("spc_tests_" + std::to_string(::getpid())), ec);
  }
};
inline scratch_cleanup cleanup_at_exit;

/// A new file name in the scratch directory.
inline fs::path scratch_file(const std::string& stem) {
  static std::atomic<int> counter{0};
  return scratch() / (stem + "_" + std::to_string(counter++) + ".csv");
}

/// Quotes a word for the shell.
inline std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
inline std::string quote(const fs::path& p) { return quote(p.string()); }

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Writes `text` to a new scratch file.
inline fs::path write_text(const std::string& stem, const std::string& text) {
  const fs::path p = scratch_file(stem);
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

struct cli_result {
  int status = -1;  ///< exit status, -1 if the process did not exit normally (a crash)
  std::string out, err;
};

/// Runs `spc ARGS` through the shell; `stdin_file` (if any) is redirected to standard input.
/// In sanitizer builds the tool is instrumented too: any sanitizer report fails the test.
inline cli_result spc_cli(const std::string& args, const fs::path& stdin_file = {}) {
  const fs::path out = scratch_file("stdout"), err = scratch_file("stderr");
  std::string command = quote(std::string(SPC_CLI_PATH)) + " " + args + " >" + quote(out) + " 2>" + quote(err);
  if (!stdin_file.empty()) command += " <" + quote(stdin_file);
  const int raw = std::system(command.c_str());
  cli_result r;
  r.status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  CHECK_MESSAGE(!contains(r.err, "Sanitizer"), r.err);
  CHECK_MESSAGE(!contains(r.err, "runtime error:"), r.err);
  return r;
}

/// Runs a command that must fail; checks the exit status, that nothing went to standard output
/// and that standard error names every one of `names`.
inline void expect_error(const std::string& args, int status, const std::vector<std::string>& names) {
  const cli_result r = spc_cli(args);
  INFO("spc " << args);
  INFO("stderr: " << r.err);
  CHECK(r.status == status);
  CHECK(r.out.empty());
  CHECK(contains(r.err, "error"));
  for (const auto& n : names) CHECK_MESSAGE(contains(r.err, n), "stderr should name " << n);
}

}  // namespace spc::test
