// The pipeline's outputs (layout.hpp): column names and rows, formatted in blocks in parallel and
// written in order.
#include "layout.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include "io/csv_writer.hpp"
#include "pipeline.hpp"

namespace spc::cli {

namespace {

using io::append_bool;
using io::append_integer;
using io::append_text;

constexpr rule_mask ihi_runs_rules = rule_bit(rule::ihi_few_runs) | rule_bit(rule::ihi_many_runs);

// --- Column names ----------------------------------------------------------------------------------

constexpr const char* runs_columns[] = {"n_obs",           "n_useful",    "longest_run", "longest_run_max",
                                        "n_crossings",     "n_crossings_min", "runs_signal"};
constexpr const char* chart_point_columns[] = {"part", "baseline", "include", "y",      "cl",
                                               "lcl",  "ucl",      "lcl_95",  "ucl_95", "sigma_signal"};
constexpr const char* mdc_point_columns[] = {"period", "baseline", "y", "cl", "lcl", "ucl", "special_cause",
                                             "point_type"};
constexpr const char* chart_part_columns[] = {"n_points", "n_missing", "n_excluded", "cl",     "lcl",
                                              "ucl",      "n_sigma_signals",         "last_y", "last_sigma_signal"};
constexpr const char* mdc_period_columns[] = {"n_points", "n_missing",    "cl",           "lcl",         "ucl",
                                              "amr",      "improvement",  "concern",      "neutral_high", "neutral_low",
                                              "common_cause", "variation", "target",      "assurance",   "trial_limits"};

template <std::size_t N>
void add(std::vector<std::string>& names, const char* const (&columns)[N]) {
  for (const char* c : columns) names.emplace_back(c);
}

// rule_points, rules_fired, one column per rule evaluated, and the IHI runs count when evaluated.
void add_rule_summary_columns(rule_mask evaluated, std::vector<std::string>& names) {
  names.emplace_back("rule_points");
  names.emplace_back("rules_fired");
  for (std::size_t k = 0; k < rule_count; ++k)
    if (has_rule(evaluated, static_cast<rule>(k))) names.emplace_back(to_string(static_cast<rule>(k)));
  if (evaluated & ihi_runs_rules)
    for (const char* name : {"ihi_useful", "ihi_runs", "ihi_runs_lower", "ihi_runs_upper"}) names.emplace_back(name);
}

std::vector<std::string> point_columns(const output_context& o) {
  std::vector<std::string> names = o.cmd.by;
  names.emplace_back("i");
  if (!o.cmd.x.empty()) names.emplace_back("x");
  if (o.req.mdc) {
    add(names, mdc_point_columns);
  } else {
    add(names, chart_point_columns);
    add(names, runs_columns);
  }
  if (o.req.any_rules()) {
    for (rule r : o.shown) names.emplace_back(to_string(r));
    names.emplace_back("rule");
  }
  return names;
}

std::vector<std::string> summary_columns(const output_context& o) {
  std::vector<std::string> names = o.cmd.by;
  names.emplace_back(o.req.mdc ? "period" : "part");
  names.emplace_back("first");
  names.emplace_back("last");
  if (!o.cmd.x.empty()) {
    names.emplace_back("x_first");
    names.emplace_back("x_last");
  }
  if (o.req.mdc) {
    add(names, mdc_period_columns);
    add_rule_summary_columns(o.req.rules.rules | rules_in(rule_set::mdc), names);
  } else {
    add(names, chart_part_columns);
    add(names, runs_columns);
    if (o.req.any_rules()) {
      add_rule_summary_columns(o.req.rules.rules, names);
      names.emplace_back("last_rule");
      names.emplace_back("variation");
    }
  }
  if (o.req.grouped) names.emplace_back("error");
  return names;
}

std::string header_text(const std::vector<std::string>& names) {
  std::string h;
  io::csv_row row(h);
  for (const auto& c : names) row.field(std::string_view(c));
  row.end();
  return h;
}

// --- Fields ----------------------------------------------------------------------------------------

void runs_fields(std::string& out, const runs_result& r) {
  append_integer(out, r.n_obs);
  out += ',';
  append_integer(out, r.n_useful);
  for (std::int32_t v : {r.longest_run, r.longest_run_max, r.n_crossings, r.n_crossings_min}) {
    out += ',';
    if (r.defined()) append_integer(out, v);  // undefined: an empty cell
  }
  out += ',';
  append_bool(out, r.runs_signal);
}

// The rule columns of a part (or period): the points with a rule, the rules that fired
// (semicolon-separated), per rule evaluated the points it flagged (series-level rules:
// true/false), then the IHI runs count.
void rule_summary_fields(io::csv_row& row, rule_mask evaluated, const rules_summary& s, std::int32_t points) {
  row.field(static_cast<long long>(points));
  row.field(std::string_view(rule_list_text(s.fired, ";")));
  for (std::size_t k = 0; k < rule_count; ++k) {
    const rule r = static_cast<rule>(k);
    if (!has_rule(evaluated, r)) continue;
    if (has_rule(series_rules, r))
      row.field(s.fired_rule(r));
    else
      row.field(static_cast<long long>(s.count(r)));
  }
  if (evaluated & ihi_runs_rules) {
    row.field(static_cast<long long>(s.ihi_useful));
    row.field(static_cast<long long>(s.ihi_runs));
    row.field(s.ihi_runs_lower);
    row.field(s.ihi_runs_upper);
  }
}

void mdc_period_fields(io::csv_row& row, const mdc_period& p, double target) {
  row.field(static_cast<long long>(p.n_points));
  row.field(static_cast<long long>(p.n_missing));
  for (double v : {p.mean, p.lpl, p.upl, p.amr}) row.field(v);
  for (std::int32_t v : {p.improvement, p.concern, p.neutral_high, p.neutral_low, p.common_cause})
    row.field(static_cast<long long>(v));
  row.field(to_string(p.variation));
  row.field(target);
  row.field(to_string(p.assurance));
  row.field(p.trial_limits);
}

std::string group_prefix(const output_context& o, std::size_t s) {
  std::string p;
  for (std::size_t g = 0; g < o.table.groups; ++g) {
    append_text(p, o.table.keys[s * o.table.groups + g]);
    p += ',';
  }
  return p;
}

// --- Rows ------------------------------------------------------------------------------------------

struct point_rows {
  const output_context& o;
  std::size_t rows_of(std::size_t s) const { return o.table.offsets[s + 1] - o.table.offsets[s]; }
  std::size_t rows_before(std::size_t s) const { return o.table.offsets[s]; }

  void operator()(std::string& out, std::size_t first, std::size_t last) const {
    const batch_result& r = o.result;
    const bool mdc = o.req.mdc.has_value(), with_x = !o.cmd.x.empty(), rules = o.req.any_rules();
    io::number_text y, cl, lcl, ucl, lcl95, ucl95;
    for (std::size_t s = first; s < last; ++s) {
      if (o.failed[s]) continue;  // reported on standard error and in the summary
      const std::string prefix = group_prefix(o, s);
      const std::size_t begin = o.table.offsets[s], end = o.table.offsets[s + 1];
      const series_part* part = r.summary.parts.data() + r.summary.part_offsets[s];
      std::string runs;  // the part's runs analysis, the same on every point of the part
      if (!mdc) runs_fields(runs, part->summary.runs);
      for (std::size_t k = begin; k < end; ++k) {
        const std::size_t i = k - begin;
        if (i > part->summary.last) {
          while (i > part->summary.last) ++part;
          runs.clear();
          if (!mdc) runs_fields(runs, part->summary.runs);
        }
        out += prefix;
        append_integer(out, static_cast<long long>(i + 1));
        out += ',';
        if (with_x) {
          append_text(out, o.table.x_of(k));
          out += ',';
        }
        append_integer(out, r.part[k]);
        out += ',';
        append_bool(out, r.baseline[k] != 0);
        out += ',';
        if (!mdc) {
          append_bool(out, r.include[k] != 0);
          out += ',';
        }
        y.append(out, r.y[k]);
        out += ',';
        cl.append(out, r.cl[k]);
        out += ',';
        lcl.append(out, r.lcl[k]);
        out += ',';
        ucl.append(out, r.ucl[k]);
        out += ',';
        if (mdc) {
          out += to_string(r.cause[k]);
          out += ',';
          out += to_string(r.type[k]);
        } else {
          lcl95.append(out, r.lcl_95[k]);
          out += ',';
          ucl95.append(out, r.ucl_95[k]);
          out += ',';
          append_bool(out, r.sigma_signal[k] != 0);
          out += ',';
          out += runs;
        }
        if (rules) {
          // A series-level rule is true on every point of its part.
          for (rule rl : o.shown) {
            out += ',';
            append_bool(out, has_rule(series_rules, rl) ? has_rule(part->rules_fired, rl) : has_rule(r.fired[k], rl));
          }
          out += ',';
          out += to_string(label_of(r.fired[k]));
        }
        out += '\n';
      }
    }
  }
};

struct summary_rows {
  const output_context& o;
  std::size_t columns = 0;  // after the --by columns, before error
  std::size_t rows_of(std::size_t) const { return 1; }
  std::size_t rows_before(std::size_t s) const { return s; }

  void operator()(std::string& out, std::size_t first, std::size_t last) const {
    const batch_result& r = o.result;
    const bool mdc = o.req.mdc.has_value(), with_x = !o.cmd.x.empty(), rules = o.req.any_rules();
    const rule_mask evaluated = mdc ? o.req.rules.rules | rules_in(rule_set::mdc) : o.req.rules.rules;
    for (std::size_t s = first; s < last; ++s) {
      const std::string prefix = group_prefix(o, s);
      if (o.failed[s]) {
        // Every column but the error empty; then the error.
        out += prefix;
        out.append(columns, ',');
        append_text(out, o.errors[s]);
        out += '\n';
        continue;
      }
      for (std::size_t k = r.summary.part_offsets[s]; k < r.summary.part_offsets[s + 1]; ++k) {
        const series_part& p = r.summary.parts[k];
        out += prefix;
        io::csv_row row(out);
        row.field(static_cast<long long>(p.summary.part));
        row.field(static_cast<long long>(p.summary.first + 1));
        row.field(static_cast<long long>(p.summary.last + 1));
        if (with_x) {
          row.field(o.table.x_of(o.table.offsets[s] + p.summary.first));
          row.field(o.table.x_of(o.table.offsets[s] + p.summary.last));
        }
        if (mdc) {
          mdc_period_fields(row, r.summary.periods[k], o.req.mdc->target);
          rule_summary_fields(row, evaluated, r.summary.rules[k], p.n_rule_points);
        } else {
          row.field(static_cast<long long>(p.n_points));
          row.field(static_cast<long long>(p.summary.n_missing));
          row.field(static_cast<long long>(p.summary.n_excluded));
          for (double v : {p.summary.cl, p.summary.lcl, p.summary.ucl}) row.field(v);
          row.field(static_cast<long long>(p.summary.n_sigma_signals));
          row.field(p.last_y);
          row.field(p.last_sigma_signal);
          out += ',';
          runs_fields(out, p.summary.runs);
          if (rules) {
            rule_summary_fields(row, evaluated, r.summary.rules[k], p.n_rule_points);
            row.field(to_string(p.last_rule));
            row.field(to_string(p.last_variation));
          }
        }
        if (o.req.grouped) out += ',';  // no error
        out += '\n';
      }
    }
  }
};

// Formats the rows of every series into blocks of text, a window of blocks at a time in parallel,
// and writes the blocks in series order. `format` formats series [first, last) and tells how
// many rows a series has (rows_of) and how many come before it (rows_before).
template <class Format>
void write_blocks(io::output_file& out, std::size_t series, int threads, const char* what, const Format& format) {
  constexpr std::size_t block_rows = 16384;
  std::vector<std::size_t> starts{0};
  std::size_t in_block = 0;
  for (std::size_t s = 0; s < series; ++s) {
    in_block += format.rows_of(s);
    if (in_block >= block_rows) {
      starts.push_back(s + 1);
      in_block = 0;
    }
  }
  if (starts.back() != series) starts.push_back(series);
  const std::size_t blocks = starts.size() - 1, total = format.rows_before(series);
  // Windows of blocks: the blocks of one window are formatted in parallel (OpenMP tasks) while
  // the thread that writes writes the previous window, in order.
  const std::size_t window = static_cast<std::size_t>(std::max(threads, 1)) * 4;
  // One cache line per buffer: two threads appending to neighbouring strings would otherwise
  // fight over the line that holds both strings' sizes.
  struct alignas(64) block_text {
    std::string text;
  };
  std::vector<block_text> text[2] = {std::vector<block_text>(window), std::vector<block_text>(window)};
  std::size_t next_report = large_input;
  auto write_window = [&](std::size_t w) {
    const std::size_t count = std::min(window, blocks - w);
    for (std::size_t k = 0; k < count; ++k) out.write(text[(w / window) % 2][k].text);
    const std::size_t written = format.rows_before(starts[w + count]);
    if (total >= large_input && written >= next_report) {
      progress(what, written);
      next_report = (written / large_input + 1) * large_input;
    }
  };
  std::exception_ptr failure;
#if defined(_OPENMP)
#pragma omp parallel num_threads(threads)
#pragma omp single
#endif
  {
    for (std::size_t w = 0; w < blocks && !failure; w += window) {
      std::vector<block_text>& buffers = text[(w / window) % 2];
      const std::size_t count = std::min(window, blocks - w);
      for (std::size_t k = 0; k < count; ++k) {
#if defined(_OPENMP)
#pragma omp task default(none) firstprivate(k, w) shared(buffers, starts, format)
#endif
        {
          buffers[k].text.clear();
          format(buffers[k].text, starts[w + k], starts[w + k + 1]);
        }
      }
      try {
        if (w > 0) write_window(w - window);
      } catch (...) {
        failure = std::current_exception();
      }
#if defined(_OPENMP)
#pragma omp taskwait
#endif
    }
  }
  if (failure) std::rethrow_exception(failure);
  if (blocks > 0) write_window((blocks - 1) / window * window);
}

int threads_to_use(int threads) {
#if defined(_OPENMP)
  return threads > 0 ? threads : omp_get_max_threads();
#else
  (void)threads;
  return 1;
#endif
}

}  // namespace

std::vector<rule> rules_shown(const output_context& o) {
  rule_mask anywhere = 0;
  const batch_summary& sum = o.result.summary;
  for (std::size_t s = 0; s < o.table.series(); ++s)
    if (!o.failed[s])
      for (std::size_t k = sum.part_offsets[s]; k < sum.part_offsets[s + 1]; ++k) anywhere |= sum.parts[k].rules_fired;
  std::vector<rule> shown;
  for (std::size_t k = 0; k < rule_count; ++k)
    if (has_rule(anywhere, static_cast<rule>(k))) shown.push_back(static_cast<rule>(k));
  return shown;
}

void write_points(const output_context& o, io::output_file& out, int threads) {
  out.write(header_text(point_columns(o)));
  if (o.table.rows() >= large_input) progress("writing", o.table.rows());
  write_blocks(out, o.table.series(), threads_to_use(threads), "wrote", point_rows{o});
}

void write_summary(const output_context& o, io::output_file& out, int threads) {
  const std::vector<std::string> names = summary_columns(o);
  out.write(header_text(names));
  write_blocks(out, o.table.series(), threads_to_use(threads), "wrote the summary of",
               summary_rows{o, names.size() - o.table.groups - 1});
}

}  // namespace spc::cli
