// The batch engine: P, run and I charts with the Anhøj rules and sigma signals on 1,000,000
// series x 24 points (per-point outputs and summary-only), and one series of 10,000,000 points,
// each beside a memory-bandwidth baseline (a plain pass that reads the same inputs and writes the
// same outputs), on one thread and on all threads. Also the P chart with the rule sets "anhoej,we"
// (rule engine on every part, per-point rule columns) and the Making Data Count mode on the same
// batch, beside the same baselines (which write the chart columns only).
#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <string>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "common.hpp"
#include "spc/batch.hpp"

namespace spc::bench {

namespace {

sizes& mutable_config() {
  static sizes s;
  return s;
}

// splitmix64: small, fast and the same everywhere.
struct random_stream {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

// Per-point output columns, allocated (and touched) once per size and reused by every iteration.
struct columns {
  batch_result r;
  explicit columns(std::size_t rows) {
    for (auto* v : {&r.y, &r.cl, &r.lcl, &r.ucl, &r.lcl_95, &r.ucl_95}) v->assign(rows, 0.0);
    r.part.assign(rows, 0);
    r.baseline.assign(rows, 0);
    r.include.assign(rows, 0);
    r.sigma_signal.assign(rows, 0);
  }
};
columns& output(std::size_t rows) {
  static std::map<std::size_t, std::unique_ptr<columns>> kept;
  auto& c = kept[rows];
  if (!c) c = std::make_unique<columns>(rows);
  return *c;
}

// Per-point rule columns (rule mask, label, direction; special cause and point type), allocated
// once per size like the chart columns.
struct rule_output {
  std::vector<rule_mask> fired;
  std::vector<rule> label;
  std::vector<std::int8_t> direction;
  std::vector<special_cause> cause;
  std::vector<point_type> type;
  explicit rule_output(std::size_t rows)
      : fired(rows, 0), label(rows, rule::none), direction(rows, 0), cause(rows, special_cause::none),
        type(rows, point_type::common_cause) {}
};
rule_output& rule_columns_of(std::size_t rows) {
  static std::map<std::size_t, std::unique_ptr<rule_output>> kept;
  auto& c = kept[rows];
  if (!c) c = std::make_unique<rule_output>(rows);
  return *c;
}

// p_rules: the P chart with the rule sets anhoej and we; mdc: the Making Data Count mode (an XmR
// chart of the measurements, the MDC rules, improvement increase).
enum class kind { p, run, i, p_rules, mdc };
const char* name_of(kind k) {
  switch (k) {
    case kind::p: return "P";
    case kind::run: return "run";
    case kind::i: return "I";
    case kind::p_rules: return "P+rules:anhoej,we";
    case kind::mdc: return "MDC";
  }
  return "";
}
chart_type chart_of(kind k) {
  return k == kind::p || k == kind::p_rules ? chart_type::p : k == kind::run ? chart_type::run : chart_type::i;
}
bool reads_n(kind k) { return k == kind::p || k == kind::p_rules; }

// The memory-bandwidth baseline: reads the inputs the chart reads (y, and n for the P chart) and
// writes every per-point output column (or one summary row per series), with no statistics.
void baseline_pass(std::span<const double> y, std::span<const double> n, std::span<const std::size_t> offsets,
                   bool per_point, const chart_columns& out, std::vector<series_part>& rows, int threads) {
  const auto S = static_cast<long long>(offsets.size() - 1);
  (void)threads;
#if defined(_OPENMP)
#pragma omp parallel for num_threads(threads) schedule(static)
#endif
  for (long long si = 0; si < S; ++si) {
    const auto s = static_cast<std::size_t>(si);
    double sum = 0, last = 0;
    for (std::size_t i = offsets[s]; i < offsets[s + 1]; ++i) {
      const double v = n.empty() ? y[i] : y[i] / n[i];
      sum += v;
      last = v;
      if (per_point) {
        out.y[i] = v;
        out.cl[i] = 0.5 * v;
        out.lcl[i] = v - 1;
        out.ucl[i] = v + 1;
        out.lcl_95[i] = v - 0.5;
        out.ucl_95[i] = v + 0.5;
        out.part[i] = 1;
        out.baseline[i] = 1;
        out.include[i] = 1;
        out.sigma_signal[i] = v > 1;
      }
    }
    series_part& r = rows[s];
    r.series = s;
    r.n_points = offsets[s + 1] - offsets[s];
    r.summary.cl = sum;
    r.last_y = last;
  }
}

std::string suffix(bool per_point, int threads) {
  return std::string(per_point ? "/per_point" : "/summary_only") + "/threads:" + std::to_string(threads);
}

// Registers the baseline and the engine for one chart, one output mode and one thread count.
void register_pair(kind k, std::size_t series, std::size_t points, bool per_point, int threads,
                   const std::string& label) {
  const std::string tail = label + suffix(per_point, threads);
  const std::string base_name = std::string("baseline/") + (reads_n(k) ? "y+n" : "y") + tail;
  const std::string engine_name = std::string(name_of(k)) + tail;
  const std::size_t rows = series * points;

  // One baseline per input and output mode (the P chart with rules shares the P chart's).
  static std::set<std::string> registered;
  if (registered.insert(base_name).second) {
    benchmark::RegisterBenchmark(base_name.c_str(), [=](benchmark::State& state) {
      const dataset& d = data(series, points);
      columns& c = output(rows);
      const chart_columns out = per_point ? c.r.columns() : chart_columns{};
      std::vector<series_part> summary(series);
      const std::span<const double> y = reads_n(k) ? d.count : d.measure;
      const std::span<const double> n = reads_n(k) ? std::span<const double>(d.denominator) : std::span<const double>{};
      stopwatch watch;
      for (auto _ : state) {
        watch.start();
        baseline_pass(y, n, d.offsets, per_point, out, summary, threads);
        benchmark::DoNotOptimize(summary.data());
        benchmark::ClobberMemory();
        watch.stop(state);
      }
      record_baseline(state, rows, watch, base_name);
    })->UseManualTime()->Unit(benchmark::kMillisecond);
  }

  benchmark::RegisterBenchmark(engine_name.c_str(), [=](benchmark::State& state) {
    const dataset& d = data(series, points);
    columns& c = output(rows);
    const chart_columns out = per_point ? c.r.columns() : chart_columns{};
    chart_options options;
    options.chart = chart_of(k);
    options.method = runs_method::anhoej;
    batch_input in;
    in.offsets = d.offsets;
    if (reads_n(k)) {
      in.y = d.count;
      in.n = d.denominator;
    } else {
      in.y = d.measure;
    }
    batch_options bo;
    bo.sets = {&options, 1};
    bo.threads = threads;
    batch_rules rules;
    batch_rule_columns rule_out;
    if (k == kind::p_rules || k == kind::mdc) {
      if (k == kind::p_rules)
        rules.rules.rules = *parse_rules("anhoej,we");
      else
        rules.mdc.emplace();
      bo.rules = {&rules, 1};
      if (per_point) {
        rule_output& ro = rule_columns_of(rows);
        rule_out = batch_rule_columns{ro.fired, ro.label, ro.direction, {}, {}};
        if (k == kind::mdc) {
          rule_out.cause = ro.cause;
          rule_out.type = ro.type;
        }
      }
    }
    // The caller owns the outputs: the per-point columns are allocated above, and the summary by
    // one call before the timed ones (as the baseline's rows are), so that every iteration
    // measures the computation, not the kernel handing out fresh pages.
    batch_summary summary;
    qic_batch_into(in, bo, out, rule_out, summary);
    stopwatch watch;
    for (auto _ : state) {
      watch.start();
      qic_batch_into(in, bo, out, rule_out, summary);
      benchmark::DoNotOptimize(summary.parts.data());
      benchmark::ClobberMemory();
      watch.stop(state);
    }
    if (!summary.problems.empty()) state.SkipWithError("a series failed");
    std::size_t signals = 0;
    if (k == kind::p_rules || k == kind::mdc) {
      for (const auto& p : summary.parts) signals += p.rules_fired != 0;
      state.counters["rule_signals"] = static_cast<double>(signals);
    } else {
      for (const auto& p : summary.parts) signals += p.summary.runs.runs_signal;
      state.counters["runs_signals"] = static_cast<double>(signals);
    }
    report(state, rows, watch, base_name);
  })->UseManualTime()->Unit(benchmark::kMillisecond);
}

}  // namespace

const sizes& config() { return mutable_config(); }

void configure(bool short_run) {
  sizes& s = mutable_config();
  s.short_run = short_run;
  if (short_run) {
    s.series = 10'000;
    s.long_series = 200'000;
    s.csv_rows = 200'000;
  }
}

int all_threads() {
#if defined(_OPENMP)
  return omp_get_max_threads();
#else
  return 1;
#endif
}

const dataset& data(std::size_t series, std::size_t points) {
  static std::map<std::pair<std::size_t, std::size_t>, std::unique_ptr<dataset>> kept;
  auto& d = kept[{series, points}];
  if (d) return *d;
  d = std::make_unique<dataset>();
  const std::size_t rows = series * points;
  d->count.resize(rows);
  d->denominator.resize(rows);
  d->measure.resize(rows);
  d->offsets.resize(series + 1);
  random_stream rng{20240501};
  for (std::size_t s = 0; s <= series; ++s) d->offsets[s] = s * points;
  for (std::size_t s = 0; s < series; ++s) {
    const double rate = 0.1 + 0.2 * rng.unit();
    const double level = 50 + 100 * rng.unit();
    const std::size_t shift_at = rng.next() % 8 == 0 ? points / 2 : points;  // 1 in 8 series shifts
    for (std::size_t i = 0; i < points; ++i) {
      const std::size_t k = s * points + i;
      const double p = rate * (i >= shift_at ? 1.3 : 1.0);
      const double den = std::floor(50 + 150 * rng.unit());
      // Roughly binomial noise: the sum of three uniforms is close enough to normal here.
      const double z = (rng.unit() + rng.unit() + rng.unit() - 1.5) * 2.0;
      const double count = std::round(den * p + z * std::sqrt(den * p * (1 - p)));
      d->denominator[k] = den;
      d->count[k] = std::clamp(count, 0.0, den);
      d->measure[k] = level * (i >= shift_at ? 1.1 : 1.0) + 10 * z;
    }
  }
  return *d;
}

std::map<std::string, double>& baselines() {
  static std::map<std::string, double> b;
  return b;
}

void record_baseline(benchmark::State& state, std::size_t points, const stopwatch& watch, const std::string& name) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(points));
  baselines()[name] = watch.mean();
}

void report(benchmark::State& state, std::size_t points, const stopwatch& watch, const std::string& baseline) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(points));
  auto it = baselines().find(baseline);
  if (it != baselines().end() && it->second > 0) state.counters["x_baseline"] = watch.mean() / it->second;
}

void register_batch_benchmarks() {
  const sizes& z = config();
  std::vector<int> thread_counts = {1};
  if (all_threads() > 1) thread_counts.push_back(all_threads());
  // (Built with append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string.)
  std::string label = "/";
  label.append(std::to_string(z.series)).append("x").append(std::to_string(z.points));
  for (kind k : {kind::p, kind::run, kind::i, kind::p_rules, kind::mdc})
    for (bool per_point : {true, false})
      for (int threads : thread_counts) register_pair(k, z.series, z.points, per_point, threads, label);
  // One long series: no parallelism across series, so one thread.
  std::string long_label = "/one_series_";
  long_label.append(std::to_string(z.long_series));
  for (kind k : {kind::p, kind::run, kind::i}) register_pair(k, 1, z.long_series, true, 1, long_label);
}

}  // namespace spc::bench
