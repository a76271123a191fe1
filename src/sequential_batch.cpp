// Many series of a sequential chart (spc::sequential_batch_into), in parallel over series with
// OpenMP, as src/batch.cpp does for the Shewhart charts.
//
// Determinism: every series is computed by spc::sequential_into alone, with a workspace of its
// thread, and writes only its own rows of the per-point columns and its own summary entry, so
// the results do not depend on the number of threads or on the order in which they take series.
#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "offsets.hpp"
#include "spc/sequential.hpp"

#if defined(SPC_HAVE_OPENMP)
#include <omp.h>
#endif

namespace spc {

namespace {

void check_call(const sequential_batch_input& in, const sequential_batch_options& o, const sequential_columns& out) {
  const std::size_t rows = in.y.size();
  detail::check_offsets(in.offsets, rows);
  if (auto e = find_problem(o.options)) throw *e;
  const chart_info& ci = info(o.options.chart);
  if (ci.reads_risk && in.risk.size() != rows)
    throw input_error("risk", input_error::npos,
                      in.risk.empty() ? fmt::format("a {} chart needs the predicted risk of every patient", ci.name)
                                      : fmt::format("has {} values but y has {}: the columns must have the same length",
                                                    in.risk.size(), rows));
  if (!ci.reads_risk && !in.risk.empty())
    throw input_error("risk", input_error::npos,
                      fmt::format("a {} chart takes no predicted risks (only racusum and vlad do)", ci.name));
  auto check_size = [rows](const char* name, std::size_t size) {
    if (size != 0 && size != rows)
      throw input_error(name, input_error::npos, fmt::format("the output column has {} rows, the batch {}", size, rows));
  };
  check_size("statistic", out.statistic.size());
  check_size("lower", out.lower.size());
  check_size("weight", out.weight.size());
  check_size("weight_lower", out.weight_lower.size());
  check_size("lcl", out.lcl.size());
  check_size("ucl", out.ucl.size());
  check_size("signal_upper", out.signal_upper.size());
  check_size("signal_lower", out.signal_lower.size());
}

template <class T>
std::span<T> rows_of(std::span<T> column, std::size_t first, std::size_t m) {
  return column.empty() ? column : column.subspan(first, m);
}

sequential_columns rows_of(const sequential_columns& c, std::size_t first, std::size_t m) {
  return {rows_of(c.statistic, first, m), rows_of(c.lower, first, m),        rows_of(c.weight, first, m),
          rows_of(c.weight_lower, first, m), rows_of(c.lcl, first, m),         rows_of(c.ucl, first, m),
          rows_of(c.signal_upper, first, m), rows_of(c.signal_lower, first, m)};
}

void write_missing(const sequential_columns& c) {
  for (auto col : {c.statistic, c.lower, c.weight, c.weight_lower, c.lcl, c.ucl}) std::fill(col.begin(), col.end(), na);
  for (auto col : {c.signal_upper, c.signal_lower}) std::fill(col.begin(), col.end(), std::uint8_t{0});
}

}  // namespace

const series_problem* sequential_batch_summary::problem(std::size_t s) const noexcept {
  auto it = std::lower_bound(problems.begin(), problems.end(), s,
                             [](const series_problem& p, std::size_t k) { return p.series < k; });
  return it != problems.end() && it->series == s ? &*it : nullptr;
}

void sequential_batch_into(const sequential_batch_input& in, const sequential_batch_options& o,
                           const sequential_columns& out, sequential_batch_summary& sum) {
  check_call(in, o, out);
  const std::size_t S = in.series_count();
  sum.series.assign(S, sequential_summary{});
  sum.status.assign(S, series_status::ok);
  sum.problems.clear();
  const bool risk = info(o.options.chart).reads_risk;

  int threads = 1;
#if defined(SPC_HAVE_OPENMP)
  threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  if (static_cast<std::size_t>(threads) > S) threads = static_cast<int>(std::max<std::size_t>(S, 1));
#endif
  const auto chunk =
      static_cast<long long>(std::clamp<std::size_t>(S / (static_cast<std::size_t>(threads) * 64), 1, 1024));
  const auto count = static_cast<long long>(S);
  std::exception_ptr failure;  // anything but bad data (e.g. out of memory) fails the call
  std::size_t failure_series = S;

#if defined(SPC_HAVE_OPENMP)
#pragma omp parallel num_threads(threads)
#endif
  {
    workspace ws;
    std::vector<series_problem> problems;
    std::exception_ptr thread_failure;
    std::size_t thread_failure_series = S;
#if defined(SPC_HAVE_OPENMP)
#pragma omp for schedule(dynamic, chunk) nowait
#endif
    for (long long k = 0; k < count; ++k) {
      if (thread_failure) continue;
      const auto s = static_cast<std::size_t>(k);
      const std::size_t first = in.offsets[s], m = in.offsets[s + 1] - first;
      const sequential_columns c = rows_of(out, first, m);
      try {
        sum.series[s] = sequential_into(in.y.subspan(first, m), risk ? in.risk.subspan(first, m) : std::span<const double>{},
                                        o.options, c, ws);
      } catch (const input_error& e) {
        sum.status[s] = series_status::failed;
        const std::size_t row = e.index() == input_error::npos ? input_error::npos : first + e.index();
        problems.push_back(series_problem{s, row, e});
        write_missing(c);
      } catch (...) {
        thread_failure = std::current_exception();
        thread_failure_series = s;
      }
    }
#if defined(SPC_HAVE_OPENMP)
#pragma omp critical(spc_sequential_batch_results)
#endif
    {
      for (auto& p : problems) sum.problems.push_back(std::move(p));
      if (thread_failure && thread_failure_series < failure_series) {
        failure = thread_failure;
        failure_series = thread_failure_series;
      }
    }
  }
  (void)chunk;
  if (failure) std::rethrow_exception(failure);
  std::sort(sum.problems.begin(), sum.problems.end(),
            [](const series_problem& a, const series_problem& b) { return a.series < b.series; });
}

sequential_batch_result sequential_batch(const sequential_batch_input& in, const sequential_batch_options& o,
                                         bool per_point) {
  sequential_batch_result r;
  if (per_point) {
    // The columns the chart writes (the table in spc/sequential.hpp).
    const std::size_t rows = in.y.size();
    const chart_type c = o.options.chart;
    r.statistic.resize(rows);
    if (c == chart_type::cusum || c == chart_type::bernoulli) r.lower.resize(rows);
    if (c == chart_type::bernoulli || c == chart_type::racusum) r.weight.resize(rows);
    if (c == chart_type::bernoulli) r.weight_lower.resize(rows);
    if (c != chart_type::vlad) {
      r.lcl.resize(rows);
      r.ucl.resize(rows);
      r.signal_upper.resize(rows);
    }
    if (c == chart_type::cusum || c == chart_type::bernoulli) r.signal_lower.resize(rows);
  }
  sequential_batch_into(in, o, r.columns(), r.summary);
  return r;
}

}  // namespace spc
