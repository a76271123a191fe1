// The batch engine: many series through spc::compute, in parallel over series (OpenMP).
//
// Determinism: every series is computed by spc::compute alone with a workspace of its thread, and
// writes only to its own rows of the per-point columns and to its own summary rows, whose
// positions are counted before the parallel loop. The results therefore do not depend on the
// number of threads or on the order in which the threads take the series.
#include "spc/batch.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>

#if defined(SPC_HAVE_OPENMP)
#include <omp.h>
#endif

namespace spc {

namespace {

void check_call(const batch_input& in, const batch_options& o, const chart_columns& out) {
  const std::size_t rows = in.y.size();
  if (in.offsets.empty())
    throw input_error("offsets", input_error::npos, "needs S+1 boundaries (at least one: 0)");
  if (in.offsets.front() != 0)
    throw input_error("offsets", 0, fmt::format("the first boundary must be 0, not {}", in.offsets.front()));
  for (std::size_t s = 1; s < in.offsets.size(); ++s)
    if (in.offsets[s] < in.offsets[s - 1])
      throw input_error("offsets", s,
                        fmt::format("boundaries must not decrease ({} after {})", in.offsets[s], in.offsets[s - 1]));
  if (in.offsets.back() != rows)
    throw input_error("offsets", in.offsets.size() - 1,
                      fmt::format("the last boundary must be the number of rows, {}, not {}", rows,
                                  in.offsets.back()));
  if (!in.n.empty() && in.n.size() != rows)
    throw input_error("n", input_error::npos,
                      fmt::format("has {} values but y has {}: the columns must have the same length", in.n.size(), rows));
  if (!in.sd.empty() && in.sd.size() != rows)
    throw input_error("sd", input_error::npos,
                      fmt::format("has {} values but y has {}: the columns must have the same length", in.sd.size(), rows));

  const std::size_t S = in.series_count();
  if (o.sets.empty()) throw input_error("sets", input_error::npos, "a batch needs at least one option set");
  if (o.set_of_series.empty()) {
    if (o.sets.size() != 1 && o.sets.size() != S)
      throw input_error("sets", input_error::npos,
                        fmt::format("has {} option sets for {} series: give one, one per series, or "
                                    "set_of_series",
                                    o.sets.size(), S));
  } else {
    if (o.set_of_series.size() != S)
      throw input_error("set_of_series", input_error::npos,
                        fmt::format("has {} entries for {} series", o.set_of_series.size(), S));
    for (std::size_t s = 0; s < S; ++s)
      if (o.set_of_series[s] >= o.sets.size())
        throw input_error("set_of_series", s,
                          fmt::format("option set {} does not exist (there are {})", o.set_of_series[s], o.sets.size()));
  }

  auto check_size = [rows](const char* name, std::size_t size) {
    if (size != 0 && size != rows)
      throw input_error(name, input_error::npos,
                        fmt::format("the output column has {} rows, the batch {}", size, rows));
  };
  check_size("y", out.y.size());
  check_size("cl", out.cl.size());
  check_size("lcl", out.lcl.size());
  check_size("ucl", out.ucl.size());
  check_size("lcl_95", out.lcl_95.size());
  check_size("ucl_95", out.ucl_95.size());
  check_size("part", out.part.size());
  check_size("baseline", out.baseline.size());
  check_size("include", out.include.size());
  check_size("sigma_signal", out.sigma_signal.size());
}

const chart_options& options_of(const batch_options& o, std::size_t s) {
  if (!o.set_of_series.empty()) return o.sets[o.set_of_series[s]];
  return o.sets.size() == 1 ? o.sets[0] : o.sets[s];
}

// The columns of series s as spc::compute sees them: n only for the charts that read it.
series_view series_of(const batch_input& in, const batch_options& o, const chart_options& opt, std::size_t s) {
  const std::size_t first = in.offsets[s], m = in.offsets[s + 1] - first;
  series_view v{in.y.subspan(first, m)};
  const bool reads_n =
      needs_denominator(opt.chart) || (o.ratio && (opt.chart == chart_type::run || opt.chart == chart_type::i));
  if (reads_n && !in.n.empty()) v.n = in.n.subspan(first, m);
  if (needs_subgroup_sd(opt.chart) && !in.sd.empty()) v.sd = in.sd.subspan(first, m);
  return v;
}

template <class T>
std::span<T> rows_of(std::span<T> column, std::size_t first, std::size_t m) {
  return column.empty() ? column : column.subspan(first, m);
}

// A failed series: its points are written as missing, part 0, flags 0.
void write_missing(const chart_columns& c) {
  for (auto col : {c.y, c.cl, c.lcl, c.ucl, c.lcl_95, c.ucl_95}) std::fill(col.begin(), col.end(), na);
  std::fill(c.part.begin(), c.part.end(), 0);
  for (auto col : {c.baseline, c.include, c.sigma_signal}) std::fill(col.begin(), col.end(), std::uint8_t{0});
}

// What one thread keeps between series.
struct thread_state {
  workspace ws;
  std::vector<part_summary> parts;
  std::vector<double> y;  // the plotted statistic when the caller does not keep it
  std::vector<series_problem> problems;
  std::exception_ptr failure;  // anything but input_error (e.g. bad_alloc), rethrown after the loop
  std::size_t failure_series = 0;
};

void compute_series(const batch_input& in, const batch_options& o, const chart_columns& out,
                    batch_summary& sum, std::size_t s, thread_state& t) {
  const chart_options& opt = options_of(o, s);
  const series_view v = series_of(in, o, opt, s);
  const std::size_t first = in.offsets[s], m = v.y.size();
  chart_columns c{rows_of(out.y, first, m),      rows_of(out.cl, first, m),       rows_of(out.lcl, first, m),
                  rows_of(out.ucl, first, m),    rows_of(out.lcl_95, first, m),   rows_of(out.ucl_95, first, m),
                  rows_of(out.part, first, m),   rows_of(out.baseline, first, m), rows_of(out.include, first, m),
                  rows_of(out.sigma_signal, first, m)};
  // The last point's y is part of the summary: keep y in the thread's buffer when not asked for.
  if (c.y.empty()) {
    if (t.y.size() < m) t.y.resize(m);
    c.y = std::span<double>(t.y.data(), m);
  }
  t.parts.clear();
  try {
    if (m == 0) {
      // An empty slice of a column reads as "not given" to spc::compute: check the options only
      // (freeze, parts, exclude, cl), as for a chart that needs no column, when the batch has the
      // columns the chart needs.
      const bool has_columns = (!needs_denominator(opt.chart) || !in.n.empty()) &&
                               (!needs_subgroup_sd(opt.chart) || !in.sd.empty());
      if (has_columns) {
        chart_options bare = opt;
        bare.chart = chart_type::run;
        validate(v, bare);
        return;
      }
    }
    compute(v, opt, c, t.parts, t.ws);
  } catch (const input_error& e) {
    sum.status[s] = series_status::failed;
    const std::size_t row = e.index() == input_error::npos ? input_error::npos : first + e.index();
    t.problems.push_back(series_problem{s, row, e});
    write_missing(chart_columns{rows_of(out.y, first, m), rows_of(out.cl, first, m), rows_of(out.lcl, first, m),
                                rows_of(out.ucl, first, m), rows_of(out.lcl_95, first, m),
                                rows_of(out.ucl_95, first, m), rows_of(out.part, first, m),
                                rows_of(out.baseline, first, m), rows_of(out.include, first, m),
                                rows_of(out.sigma_signal, first, m)});
    return;
  }
  series_part* row = sum.parts.data() + sum.part_offsets[s];
  for (const part_summary& p : t.parts) {
    row->series = s;
    row->n_points = p.last - p.first + 1;
    row->summary = p;
    row->last_y = c.y[p.last];
    // As spc::compute decides a sigma signal: strictly outside; a missing y or limit never signals.
    row->last_sigma_signal = row->last_y > p.ucl || row->last_y < p.lcl;
    ++row;
  }
}

// Drops the (unused) summary rows counted for failed series and renumbers part_offsets.
void drop_failed_rows(batch_summary& sum) {
  const std::size_t S = sum.status.size();
  std::size_t to = 0;
  for (std::size_t s = 0; s < S; ++s) {
    const std::size_t from = sum.part_offsets[s], end = sum.part_offsets[s + 1];
    sum.part_offsets[s] = to;
    if (sum.status[s] == series_status::failed) continue;
    for (std::size_t k = from; k < end; ++k) sum.parts[to++] = sum.parts[k];
  }
  sum.part_offsets[S] = to;
  sum.parts.resize(to);
}

}  // namespace

const series_problem* batch_summary::problem(std::size_t series) const noexcept {
  auto it = std::lower_bound(problems.begin(), problems.end(), series,
                             [](const series_problem& p, std::size_t s) { return p.series < s; });
  return it != problems.end() && it->series == series ? &*it : nullptr;
}

chart_columns batch_result::columns() noexcept {
  return chart_columns{y, cl, lcl, ucl, lcl_95, ucl_95, part, baseline, include, sigma_signal};
}

void compute_batch(const batch_input& in, const batch_options& o, const chart_columns& out, batch_summary& sum) {
  check_call(in, o, out);
  const std::size_t S = in.series_count();

  // Summary rows are counted before the loop: a series of m > 0 points has one per part.
  sum.status.assign(S, series_status::ok);
  sum.problems.clear();
  sum.part_offsets.resize(S + 1);
  sum.part_offsets[0] = 0;
  for (std::size_t s = 0; s < S; ++s) {
    const std::size_t m = in.offsets[s + 1] - in.offsets[s];
    sum.part_offsets[s + 1] = sum.part_offsets[s] + (m > 0 ? options_of(o, s).parts.size() + 1 : 0);
  }
  // Every row of a computed series is overwritten below, and the rows of failed series are
  // dropped: a summary reused from an earlier call keeps its memory and is not cleared.
  sum.parts.resize(sum.part_offsets[S]);

  int threads = 1;
#if defined(SPC_HAVE_OPENMP)
  threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  if (static_cast<std::size_t>(threads) > S) threads = static_cast<int>(std::max<std::size_t>(S, 1));
#endif
  // Chunks of series taken dynamically: small enough to balance a mix of long and short series,
  // large enough that taking one costs nothing beside computing it.
  const auto chunk = static_cast<long long>(std::clamp<std::size_t>(S / (static_cast<std::size_t>(threads) * 64), 1, 1024));
  const auto count = static_cast<long long>(S);
  std::exception_ptr failure;  // anything but bad data (e.g. out of memory) fails the call
  std::size_t failure_series = S;

#if defined(SPC_HAVE_OPENMP)
#pragma omp parallel num_threads(threads)
#endif
  {
    // Each thread's state is made by that thread, on its own stack and heap. (State made by the
    // first thread for all, in one vector, ran a third slower on two threads: most likely cache
    // lines shared with the data the first thread writes for every series.)
    thread_state t;
#if defined(SPC_HAVE_OPENMP)
#pragma omp for schedule(dynamic, chunk) nowait
#endif
    for (long long s = 0; s < count; ++s) {
      if (t.failure) continue;
      try {
        compute_series(in, o, out, sum, static_cast<std::size_t>(s), t);
      } catch (...) {
        t.failure = std::current_exception();
        t.failure_series = static_cast<std::size_t>(s);
      }
    }
#if defined(SPC_HAVE_OPENMP)
#pragma omp critical(spc_batch_results)
#endif
    {
      for (auto& p : t.problems) sum.problems.push_back(std::move(p));
      if (t.failure && t.failure_series < failure_series) {
        failure = t.failure;
        failure_series = t.failure_series;
      }
    }
  }
  (void)chunk;
  if (failure) std::rethrow_exception(failure);  // the first such series' exception

  if (!sum.problems.empty()) {
    std::sort(sum.problems.begin(), sum.problems.end(),
              [](const series_problem& a, const series_problem& b) { return a.series < b.series; });
    drop_failed_rows(sum);
  }
}

batch_result qic_batch(const batch_input& in, const batch_options& o, bool per_point) {
  batch_result r;
  if (per_point) {
    const std::size_t rows = in.y.size();
    for (auto* v : {&r.y, &r.cl, &r.lcl, &r.ucl, &r.lcl_95, &r.ucl_95}) v->resize(rows);
    r.part.resize(rows);
    r.baseline.resize(rows);
    r.include.resize(rows);
    r.sigma_signal.resize(rows);
  }
  compute_batch(in, o, r.columns(), r.summary);
  return r;
}

}  // namespace spc
