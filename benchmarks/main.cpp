// The benchmark suite's entry point: `--short` (or SPC_BENCH_SHORT=1) scales every size down so
// that CI runs the whole suite in seconds; every other argument goes to Google Benchmark.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common.hpp"

int main(int argc, char** argv) {
  bool short_run = false;
  if (const char* env = std::getenv("SPC_BENCH_SHORT")) short_run = *env && std::strcmp(env, "0") != 0;
  std::vector<char*> args;
  for (int k = 0; k < argc; ++k) {
    if (std::strcmp(argv[k], "--short") == 0) {
      short_run = true;
      continue;
    }
    args.push_back(argv[k]);
  }
  spc::bench::configure(short_run);
  spc::bench::register_batch_benchmarks();
  spc::bench::register_cli_benchmarks();
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  benchmark::AddCustomContext("sizes", short_run ? "short (SPC_BENCH_SHORT / --short)" : "full");
  benchmark::AddCustomContext("threads", std::to_string(spc::bench::all_threads()));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
