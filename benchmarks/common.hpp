// Shared pieces of the benchmark suite: sizes (full or short), synthetic data, baselines and the
// ratio to them.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace spc::bench {

/// The sizes of the suite. `short_run` (SPC_BENCH_SHORT=1 or --short) scales everything down so
/// that CI runs the whole suite in seconds.
struct sizes {
  bool short_run = false;
  std::size_t series = 1'000'000;      ///< series in the batch benchmarks
  std::size_t points = 24;             ///< points per series
  std::size_t long_series = 10'000'000;  ///< points of the one long series
  std::size_t csv_rows = 10'000'000;   ///< rows of the CLI's CSV
};
const sizes& config();
void configure(bool short_run);

/// The number of threads "all threads" means (OpenMP's default).
int all_threads();

/// Synthetic data: counts and denominators for P charts (about 20% with month-to-month noise
/// and an occasional shift, so the rules have something to find), and measurements for run and
/// I charts. Deterministic (a fixed seed).
struct dataset {
  std::vector<double> count, denominator, measure;
  std::vector<std::size_t> offsets;
  std::size_t rows() const { return count.size(); }
};
/// `series` series of `points` points each, made once and kept.
const dataset& data(std::size_t series, std::size_t points);

/// Wall-clock seconds per iteration of the baselines, by name, so that the benchmarks measured
/// after them report their ratio to them ("x_baseline").
std::map<std::string, double>& baselines();

/// Times one iteration (the batch engine runs its own threads, so CPU time of the calling thread
/// would mean nothing): use with ->UseManualTime().
class stopwatch {
 public:
  void start() { t0_ = std::chrono::steady_clock::now(); }
  double stop(benchmark::State& state) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    state.SetIterationTime(s);
    total_ += s;
    ++count_;
    return s;
  }
  double mean() const { return count_ ? total_ / static_cast<double>(count_) : 0; }

 private:
  std::chrono::steady_clock::time_point t0_;
  double total_ = 0;
  std::size_t count_ = 0;
};

/// Sets items_per_second (points), and the ratio to `baseline` when it has been measured.
void report(benchmark::State& state, std::size_t points, const stopwatch& watch, const std::string& baseline);
/// Records a baseline's time.
void record_baseline(benchmark::State& state, std::size_t points, const stopwatch& watch, const std::string& name);

void register_batch_benchmarks();
void register_cli_benchmarks();

}  // namespace spc::bench
