// `spc batch` end to end on a long-format CSV of 10,000,000 rows (400,000 series x 25 months of
// P-chart data), generated once into /tmp, beside an I/O baseline: reading the same file and
// writing as many bytes as the tool wrote.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "common.hpp"

namespace spc::bench {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t months = 25;

fs::path work_dir() {
  fs::path dir = fs::temp_directory_path() / "spc_bench";
  fs::create_directories(dir);
  return dir;
}

// unit,indicator,month,events,patients: 30 indicators per unit, 25 months per series.
fs::path input_csv(std::size_t rows) {
  const fs::path path = work_dir() / ("batch_" + std::to_string(rows) + ".csv");
  if (fs::exists(path)) return path;
  const std::size_t series = rows / months;
  const dataset& d = data(series, months);
  const fs::path partial = path.string() + ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  if (!f) return {};
  std::string buffer = "unit,indicator,month,events,patients\n";
  char line[96];
  for (std::size_t s = 0; s < series; ++s) {
    for (std::size_t i = 0; i < months; ++i) {
      const std::size_t k = s * months + i;
      const int len = std::snprintf(line, sizeof line, "U%06zu,IND%02zu,%04zu-%02zu,%.0f,%.0f\n", s / 30, s % 30,
                                    2022 + i / 12, 1 + i % 12, d.count[k], d.denominator[k]);
      buffer.append(line, static_cast<std::size_t>(len));
    }
    if (buffer.size() > (1 << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), f);
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), f);
  std::fclose(f);
  fs::rename(partial, path);
  return path;
}

// unit,month,events,patients: one series of `rows` points (the unit column is the same on every row,
// so that `spc batch --by unit` sees the one series `spc chart` sees).
fs::path one_series_csv(std::size_t rows) {
  const fs::path path = work_dir() / ("one_series_" + std::to_string(rows) + ".csv");
  if (fs::exists(path)) return path;
  const dataset& d = data(1, rows);
  const fs::path partial = path.string() + ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  if (!f) return {};
  std::string buffer = "unit,month,events,patients\n";
  char line[96];
  for (std::size_t i = 0; i < rows; ++i) {
    const int len = std::snprintf(line, sizeof line, "U1,%zu,%.0f,%.0f\n", i + 1, d.count[i], d.denominator[i]);
    buffer.append(line, static_cast<std::size_t>(len));
    if (buffer.size() > (1 << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), f);
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), f);
  std::fclose(f);
  fs::rename(partial, path);
  return path;
}

std::uintmax_t size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

// Bytes the last run of the tool wrote (per-point file and summary), for the baseline.
std::uintmax_t& bytes_written() {
  static std::uintmax_t b = 0;
  return b;
}

// The I/O baseline: read the input file and write `out_bytes` bytes to a file.
void io_pass(const fs::path& input, std::uintmax_t out_bytes, const fs::path& output) {
  std::vector<char> buf(1 << 20);
  std::FILE* in = std::fopen(input.c_str(), "rb");
  std::size_t got, lines = 0;
  while (in && (got = std::fread(buf.data(), 1, buf.size(), in)) > 0)
    for (std::size_t k = 0; k < got; ++k) lines += buf[k] == '\n';
  if (in) std::fclose(in);
  benchmark::DoNotOptimize(lines);
  std::fill(buf.begin(), buf.end(), ',');
  std::FILE* out = std::fopen(output.c_str(), "wb");
  for (std::uintmax_t left = out_bytes; out && left > 0;) {
    const std::size_t n = left < buf.size() ? static_cast<std::size_t>(left) : buf.size();
    std::fwrite(buf.data(), 1, n, out);
    left -= n;
  }
  if (out) std::fclose(out);
}

void register_cli(bool per_point, int threads) {
  const std::size_t rows = config().csv_rows;
  const std::string mode = per_point ? "/per_point" : "/summary_only";
  const std::string name = "cli/P/" + std::to_string(rows) + "_rows" + mode + "/threads:" + std::to_string(threads);
  const std::string base_name = "baseline/cli_io/" + std::to_string(rows) + "_rows" + mode + "/threads:" + std::to_string(threads);
  auto* engine = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
#if defined(SPC_CLI_PATH)
    const fs::path input = input_csv(rows);
    if (input.empty()) {
      state.SkipWithError("cannot write the input CSV");
      return;
    }
    const fs::path dir = work_dir();
    const fs::path points = dir / "points.csv", summary = dir / "summary.csv", log = dir / "stderr.txt";
    std::string command = std::string(SPC_CLI_PATH) + " batch --input " + input.string() +
                          " --by unit,indicator --x month --y events --n patients --chart p --threads " +
                          std::to_string(threads) + " --summary " + summary.string();
    if (per_point) command += " --output " + points.string();
    command += " 2>" + log.string();
    stopwatch watch;
    for (auto _ : state) {
      // Both the tool and its baseline start from the same state: no old output file to
      // truncate, no dirty pages of an earlier run being written back.
      fs::remove(points);
      fs::remove(summary);
      ::sync();
      watch.start();
      const int status = std::system(command.c_str());
      watch.stop(state);
      if (status != 0) {
        state.SkipWithError(("spc batch failed; see " + log.string()).c_str());
        return;
      }
    }
    bytes_written() = (per_point ? size_or_zero(points) : 0) + size_or_zero(summary);
    state.counters["input_MB"] = static_cast<double>(size_or_zero(input)) / 1e6;
    state.counters["output_MB"] = static_cast<double>(bytes_written()) / 1e6;
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(rows));
    baselines()[name] = watch.mean();  // for the ratio, reported on the baseline's row
#else
    state.SkipWithError("built without the command-line tool");
#endif
  });
  engine->UseManualTime()->Unit(benchmark::kMillisecond);
  // The baseline runs after the tool, whose output size it needs, so the ratio (tool time over
  // baseline time) is reported on the baseline's row as "cli_x_baseline".
  auto* base = benchmark::RegisterBenchmark(base_name.c_str(), [=](benchmark::State& state) {
    const fs::path input = input_csv(rows);
    const fs::path output = work_dir() / "baseline_out.csv";
    stopwatch watch;
    for (auto _ : state) {
      fs::remove(output);
      ::sync();
      watch.start();
      io_pass(input, bytes_written(), output);
      watch.stop(state);
    }
    record_baseline(state, rows, watch, base_name);
    auto tool = baselines().find(name);
    if (tool != baselines().end() && watch.mean() > 0) state.counters["cli_x_baseline"] = tool->second / watch.mean();
  });
  base->UseManualTime()->Unit(benchmark::kMillisecond);
  if (!config().short_run) {
    engine->Iterations(1);
    base->Iterations(3);  // a few seconds; a single pass of writing 1.7 GB varies a lot
  }
}

// One series of csv_rows points through `spc chart` and through `spc batch --by unit`: the two
// commands are one pipeline, so the chart must take no longer than the batch (issue 9).
void register_one_series(bool grouped) {
  const std::size_t rows = config().csv_rows;
  const std::string name = std::string(grouped ? "cli/one_series/batch/" : "cli/one_series/chart/") +
                           std::to_string(rows) + "_rows";
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
#if defined(SPC_CLI_PATH)
    const fs::path input = one_series_csv(rows);
    if (input.empty()) {
      state.SkipWithError("cannot write the input CSV");
      return;
    }
    const fs::path dir = work_dir();
    const fs::path points = dir / "one_points.csv", summary = dir / "one_summary.csv", log = dir / "one_stderr.txt";
    const std::string command = std::string(SPC_CLI_PATH) + (grouped ? " batch --by unit" : " chart") +
                                " --input " + input.string() + " --x month --y events --n patients --chart p" +
                                " --output " + points.string() + " --summary " + summary.string() + " >/dev/null 2>" +
                                log.string();
    stopwatch watch;
    for (auto _ : state) {
      fs::remove(points);
      fs::remove(summary);
      ::sync();
      watch.start();
      const int status = std::system(command.c_str());
      watch.stop(state);
      if (status != 0) {
        state.SkipWithError(("spc failed; see " + log.string()).c_str());
        return;
      }
    }
    state.counters["output_MB"] = static_cast<double>(size_or_zero(points)) / 1e6;
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(rows));
#else
    state.SkipWithError("built without the command-line tool");
#endif
  });
  b->UseManualTime()->Unit(benchmark::kMillisecond);
  if (!config().short_run) b->Iterations(2);
}

}  // namespace

void register_cli_benchmarks() {
  register_one_series(false);
  register_one_series(true);
  std::vector<int> thread_counts = {1};
  if (all_threads() > 1) thread_counts.push_back(all_threads());
  for (bool per_point : {true, false})
    for (int threads : thread_counts) register_cli(per_point, threads);
}

}  // namespace spc::bench
