// `spc batch`: every series of a long-format CSV file (one row per point, group columns naming
// the series) charted in one call of the batch engine (spc::compute_batch), with one CSV row per
// point and one summary row per series and part.
//
// The file is read as a stream (io::csv_stream), keeping only the columns asked for: the group
// keys once per series, the values as numbers and the labels of --x. Rows of one series need not
// be next to each other: series are numbered in order of first appearance and keep their rows in
// file order (a stable grouping), so a file sorted by month and then by unit works as well as
// one sorted by unit. A bad value, or data the chart cannot take, fails only its own series: the
// message names the series (its group values), the row and the column, the other series are
// computed and written, and the exit status is 1 so that a script notices.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "rule_options.hpp"
#include "io/columns.hpp"
#include "io/csv.hpp"
#include "spc/batch.hpp"
#include "spc/chart.hpp"
#include "spc/types.hpp"

namespace spc::cli {

namespace {

constexpr double missing_number = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t large_input = 1'000'000;  // rows from which progress is reported

// The options of `spc batch`: those of `spc chart` (read the same way, with the same checks), and
// the group columns and threads.

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

std::vector<std::string> all_chart_names() {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < chart_type_count; ++k) names.emplace_back(to_string(static_cast<chart_type>(k)));
  return names;
}

}  // namespace

CLI::App* add_batch_command(CLI::App& app, batch_command& cmd) {
  CLI::App* sub = app.add_subcommand("batch", batch_description);
  sub->add_option("--input,-i", cmd.input, "Long-format CSV file with a header row; '-' reads standard input")
      ->required()
      ->type_name("FILE")
      ->group("Input");
  sub->add_option("--by", cmd.by,
                  "Columns naming the series (comma-separated), e.g. unit,indicator. Rows of one "
                  "series need not be next to each other: series come in order of first "
                  "appearance, each with its rows in file order")
      ->required()
      ->delimiter(',')
      ->type_name("COL,...")
      ->group("Input");
  sub->add_option("--x", cmd.x, "Column of point labels (e.g. months), copied to the outputs")
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--y", cmd.y, "Column of values: measurement, count, or subgroup mean (xbar, s)")
      ->required()
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--n", cmd.n,
                  "Column of denominators (p, pp, u, up; optional for run and i, where y/n is "
                  "plotted) or subgroup sizes (xbar, s)")
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--sd", cmd.sd, "xbar and s charts: column of subgroup standard deviations (one row per subgroup)")
      ->type_name("COL")
      ->group("Input");
  sub->add_option("--chart,-c", cmd.chart, "Chart type: run, i, mr, xbar, s, t, p, pp, c, u, up, g")
      ->required()
      ->type_name("TYPE")
      ->transform(CLI::IsMember(all_chart_names(), CLI::ignore_case))
      ->group("Chart");
  sub->add_option("--freeze", cmd.freeze,
                  "Baseline of every series: centre line and limits from its points 1..N (0 = no "
                  "freeze; ignored with --parts). A shorter series fails with a message")
      ->type_name("N")
      ->transform(position_validator(true))
      ->group("Baseline");
  sub->add_option("--parts", cmd.parts, "Split every series after these positions (e.g. 12,30)")
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Baseline");
  sub->add_option("--exclude", cmd.exclude, "Positions left out of the calculations of every series")
      ->delimiter(',')
      ->type_name("I,J,...")
      ->transform(position_validator(false))
      ->group("Baseline");
  add_multiply_option(sub, cmd);
  sub->add_option("--cl", cmd.cl, "Centre line given for every series instead of computed")
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            double v = 0;
            if (!io::parse_number(s, v) || !std::isfinite(v)) return fmt::format("'{}' is not a finite number", s);
            return {};
          },
          ""))
      ->type_name("VALUE")
      ->group("Baseline");
  sub->add_option("--method", cmd.method, "Runs analysis: anhoej, bestbox or cutbox")
      ->type_name("METHOD")
      ->transform(CLI::IsMember(std::vector<std::string>{"anhoej", "bestbox", "cutbox"}, CLI::ignore_case))
      ->capture_default_str()
      ->group("Chart");
  sub->add_flag("--no-screen", cmd.no_screen,
                "I chart and Making Data Count mode: keep every moving range in sigma (no Nelson screening)")
      ->group("Chart");
  add_rule_options(sub, cmd);
  sub->add_option("--output,-o", cmd.output,
                  "Per-point CSV ('-' = standard output). Default: standard output, unless only "
                  "--summary is given (then no per-point output is computed)")
      ->type_name("FILE")
      ->group("Output");
  sub->add_option("--summary", cmd.summary, "Per-series-and-part summary CSV ('-' = standard output)")
      ->type_name("FILE")
      ->group("Output");
  sub->add_option("--threads", cmd.threads, "Threads to use (0 = every core)")
      ->type_name("N")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str()
      ->group("Output");
  sub->footer(
      "Per-point output: the --by columns, then the columns of 'spc chart': i (position in the "
      "series), x (with --x), part, baseline, include, y, cl, lcl, ucl, lcl_95, ucl_95, "
      "sigma_signal, n_obs, n_useful, longest_run, longest_run_max, n_crossings, "
      "n_crossings_min, runs_signal; with --rules, one true/false column per rule that fired "
      "anywhere in the batch, then 'rule' (the highest-precedence rule at the point, or none). "
      "Making Data Count mode (--chart i --rules mdc --improvement DIRECTION): i, x, period, "
      "baseline, y, cl, lcl, ucl, special_cause, point_type, then the rule columns.\n"
      "Summary: the --by columns, part, first, last, x_first, x_last (with --x), n_points, cl, "
      "lcl, ucl (at the part's last point), n_sigma_signals, last_y, last_sigma_signal, the runs "
      "analysis; with --rules the rule columns of 'spc chart --summary' (rule_points, "
      "rules_fired, one column per rule evaluated, the IHI runs count), then last_rule and "
      "variation (of the part's last point with a value: common_cause, special_cause_high, "
      "special_cause_low or special_cause); then error (empty, or why the series could not be "
      "charted). Making Data Count mode: one row per series and period, with the columns of "
      "'spc chart --summary' in that mode, then error.\n\n"
      "Example: 400 units x 30 indicators, monthly P charts with the Anhøj and Western Electric "
      "rules:\n"
      "  spc batch --input rates.csv --by unit,indicator --x month --y events --n patients "
      "--chart p --rules anhoej,we --output points.csv --summary summary.csv\n"
      "Making Data Count, lower is better, for every unit:\n"
      "  spc batch --input waits.csv --by unit --x week --y waits --chart i --rules mdc "
      "--improvement decrease --target 4 --summary periods.csv\n\n"
      "Exit status: 0 success; 1 a problem in the data (a series that could not be charted is "
      "named with its row and column, the others are still written); 2 a problem on the command "
      "line.");
  return sub;
}

namespace {

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

// A label of --x: a slice of one text buffer, so that ten million labels are not ten million
// strings.
struct label {
  std::uint64_t offset = 0;
  std::uint32_t size = 0;
};

// The columns of the file, grouped into series.
struct batch_data {
  std::string source;
  std::vector<double> y, n, sd;
  std::vector<label> x;
  std::string x_text;
  std::vector<std::size_t> offsets{0};  // series boundaries after grouping
  std::vector<std::uint64_t> file_row;  // 1-based data row of each point after regrouping, if any
  std::vector<std::string> keys;        // group values, series by series (by.size() each)
  std::vector<std::string> bad_value;   // per series: the first unreadable cell, or ""
  std::size_t series() const { return offsets.size() - 1; }
  std::string_view x_of(std::size_t row) const { return {x_text.data() + x[row].offset, x[row].size}; }
  /// The 1-based data row of the file that point `row` (0-based, after grouping) came from.
  std::uint64_t row_in_file(std::size_t row) const { return file_row.empty() ? row + 1 : file_row[row]; }
};

// Progress on standard error for large inputs, with the seconds since the command started.
std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

void progress(std::string_view what, std::size_t rows, std::string_view extra = {}) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(stderr, "spc batch: {} {} rows{} [{:.1f} s]\n", what, rows, extra, seconds);
  std::fflush(stderr);
}

batch_data read_batch(const batch_command& cmd) {
  io::csv_stream in(cmd.input);
  batch_data d;
  d.source = in.source();
  const std::size_t width = in.header().size();
  std::vector<std::size_t> by_col;
  for (const auto& b : cmd.by) by_col.push_back(in.column(b));
  const std::size_t y_col = in.column(cmd.y);
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();  // a column not asked for
  const std::size_t n_col = cmd.n.empty() ? none : in.column(cmd.n);
  const std::size_t sd_col = cmd.sd.empty() ? none : in.column(cmd.sd);
  const std::size_t x_col = cmd.x.empty() ? none : in.column(cmd.x);
  const std::size_t groups = by_col.size();

  std::vector<std::uint32_t> series_of_row;
  std::uint32_t current = 0;
  bool have_current = false, regrouped = false, reserved = false;

  // Series are found by their group values. Files are usually sorted by their group columns:
  // while each new group sorts after the previous new one, it cannot have been seen before and
  // needs no lookup. The hash index is built the first time a group comes out of order.
  std::unordered_map<std::string, std::uint32_t> index;  // group values joined by '\x1f'
  bool indexed = false;
  auto joined = [groups](auto value_of) {
    std::string key;
    for (std::size_t g = 0; g < groups; ++g) {
      key.append(value_of(g));
      key += '\x1f';
    }
    return key;
  };
  auto after_last_series = [&](std::span<const std::string_view> f) {
    const std::string* last = d.keys.data() + d.keys.size() - groups;
    for (std::size_t g = 0; g < groups; ++g)
      if (const int c = f[by_col[g]].compare(last[g]); c != 0) return c > 0;
    return false;
  };

  auto number = [&](std::string_view cell, const std::string& column, std::uint32_t series) {
    double v = missing_number;
    if (!io::parse_number(cell, v)) {
      if (d.bad_value[series].empty())
        d.bad_value[series] = fmt::format("row {}, column '{}': '{}' is not a number", in.row(), column, cell);
      v = missing_number;
    }
    return v;
  };

  while (in.next()) {
    const auto f = in.fields();
    if (f.size() != width)
      throw io::csv_error(fmt::format("{}: row {} (line {}) has {} fields, the header has {}", d.source, in.row(),
                                      in.line(), f.size(), width));
    // The series: the same as the previous row's (the common case), or found or added by key.
    bool same = have_current;
    for (std::size_t g = 0; same && g < groups; ++g) same = f[by_col[g]] == d.keys[current * groups + g];
    if (!same) {
      const std::size_t series = d.bad_value.size();
      bool added = true;
      if (!indexed && (series == 0 || after_last_series(f))) {
        current = static_cast<std::uint32_t>(series);
      } else {
        if (!indexed) {
          index.reserve(2 * series);
          for (std::size_t s = 0; s < series; ++s)
            index.emplace(joined([&](std::size_t g) -> std::string_view { return d.keys[s * groups + g]; }),
                          static_cast<std::uint32_t>(s));
          indexed = true;
        }
        const auto [it, inserted] =
            index.try_emplace(joined([&](std::size_t g) { return f[by_col[g]]; }), static_cast<std::uint32_t>(series));
        current = it->second;
        added = inserted;
        regrouped |= !inserted;  // a series seen before, after another one
      }
      if (added) {
        if (series >= std::numeric_limits<std::uint32_t>::max())
          throw data_error(fmt::format("{}: more than {} series", d.source, std::numeric_limits<std::uint32_t>::max()));
        for (std::size_t g = 0; g < groups; ++g) d.keys.emplace_back(f[by_col[g]]);
        d.bad_value.emplace_back();
      }
      have_current = true;
    }
    series_of_row.push_back(current);
    d.y.push_back(number(f[y_col], cmd.y, current));
    if (n_col != none) d.n.push_back(number(f[n_col], cmd.n, current));
    if (sd_col != none) d.sd.push_back(number(f[sd_col], cmd.sd, current));
    if (x_col != none) {
      const std::string_view v = f[x_col];
      d.x.push_back(label{d.x_text.size(), static_cast<std::uint32_t>(v.size())});
      d.x_text.append(v);
    }
    const std::size_t rows = in.row();
    // After a thousand rows, reserve for the whole file (by its size) rather than regrow.
    if (!reserved && rows == 1000 && in.file_size() > 0) {
      reserved = true;
      const double per_row = static_cast<double>(in.bytes_read()) / static_cast<double>(rows);
      const auto expected = static_cast<std::size_t>(static_cast<double>(in.file_size()) / per_row * 1.05) + 16;
      series_of_row.reserve(expected);
      d.y.reserve(expected);
      if (n_col != none) d.n.reserve(expected);
      if (sd_col != none) d.sd.reserve(expected);
      if (x_col != none) {
        d.x.reserve(expected);
        d.x_text.reserve(d.x_text.size() * (expected / rows + 1));
      }
    }
    if (rows % large_input == 0) {
      const std::string share =
          in.file_size() ? fmt::format(" ({:.0f}%)", 100.0 * static_cast<double>(in.bytes_read()) /
                                                         static_cast<double>(in.file_size()))
                         : std::string();
      progress("read", rows, share);
    }
  }
  if (in.row() == 0) throw data_error(fmt::format("{}: no data rows, only a header", d.source));

  // Group: series in order of first appearance, rows in file order within each (a stable
  // counting sort, needed only when some series' rows are not next to each other).
  const std::size_t S = d.bad_value.size(), rows = d.y.size();
  std::vector<std::size_t> count(S + 1, 0);
  for (std::uint32_t s : series_of_row) ++count[s + 1];
  d.offsets.resize(S + 1);
  for (std::size_t s = 0; s < S; ++s) count[s + 1] += count[s];
  std::copy(count.begin(), count.end(), d.offsets.begin());
  if (!regrouped) return d;
  std::vector<std::size_t> to(rows);
  for (std::size_t r = 0; r < rows; ++r) to[r] = count[series_of_row[r]]++;
  series_of_row = {};
  auto permute = [&](auto& column) {
    if (column.empty()) return;
    std::remove_reference_t<decltype(column)> sorted(column.size());
    for (std::size_t r = 0; r < rows; ++r) sorted[to[r]] = column[r];
    column.swap(sorted);
  };
  permute(d.y);
  permute(d.n);
  permute(d.sd);
  permute(d.x);
  d.file_row.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) d.file_row[to[r]] = r + 1;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

// CSV text as io::csv_writer writes it (quoted when needed; numbers with up to 15 significant
// digits; a missing number is an empty cell; booleans true/false), appended to a string so that
// blocks of rows can be formatted in parallel and written in order.
void text_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

// A number, remembering the last one of its column: centre lines and (for most charts) limits
// repeat along a part, and their text is then copied rather than formatted again.
struct number_field {
  std::uint64_t bits = 0;
  bool valid = false;
  char text[32];
  std::size_t size = 0;
  void write(std::string& out, double v) {
    if (std::isnan(v)) return;
    std::uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    if (!valid || b != bits) {
      // std::to_chars with a precision is printf's %.15g, as csv_writer's fmt "{:.15g}", and
      // about twice as fast.
      const auto end = std::to_chars(text, text + sizeof text, v, std::chars_format::general, 15);
      size = static_cast<std::size_t>(end.ptr - text);
      bits = b;
      valid = true;
    }
    out.append(text, size);
  }
};

void int_field(std::string& out, long long v) {
  char text[24];
  out.append(text, static_cast<std::size_t>(std::to_chars(text, text + sizeof text, v).ptr - text));
}
void bool_field(std::string& out, bool v) { out += v ? "true" : "false"; }

void runs_fields(std::string& out, const runs_result& r) {
  int_field(out, r.n_obs);
  out += ',';
  int_field(out, r.n_useful);
  for (std::int32_t v : {r.longest_run, r.longest_run_max, r.n_crossings, r.n_crossings_min}) {
    out += ',';
    if (r.defined()) int_field(out, v);  // undefined: an empty cell
  }
  out += ',';
  bool_field(out, r.runs_signal);
}

// Fields appended to a row, each after a comma: the rule and MDC columns, written by the column
// writers shared with spc chart (rule_options.hpp).
struct text_sink {
  std::string& out;
  number_field num;
  void field(std::string_view text) {
    out += ',';
    text_field(out, text);
  }
  void field(double v) {
    out += ',';
    num.write(out, v);
  }
  void field(long long v) {
    out += ',';
    int_field(out, v);
  }
  void field(bool v) {
    out += ',';
    bool_field(out, v);
  }
};

std::string series_name(const batch_command& cmd, const batch_data& d, std::size_t s) {
  std::string name;
  for (std::size_t g = 0; g < cmd.by.size(); ++g)
    name += fmt::format("{}{}={}", g ? ", " : "", cmd.by[g], d.keys[s * cmd.by.size() + g]);
  return name;
}

// Why series s could not be charted, in the user's terms (rows, columns, options).
std::string series_error(const batch_command& cmd, const batch_data& d, const batch_summary& sum, std::size_t s) {
  if (!d.bad_value[s].empty()) return d.bad_value[s];
  const series_problem* p = sum.problem(s);
  if (!p) return {};
  const std::string& arg = p->error.argument();
  if (arg == "y" || arg == "n" || arg == "sd") {
    const std::string& column = arg == "y" ? cmd.y : arg == "n" ? cmd.n : cmd.sd;
    if (p->row != input_error::npos)
      return fmt::format("row {}, column '{}': {}", d.row_in_file(p->row), column, p->error.problem());
    return fmt::format("column '{}': {}", column, p->error.problem());
  }
  const std::string_view option = mdc_option(arg);
  return fmt::format("option --{}: {}", option.empty() ? std::string_view(arg) : option, p->error.problem());
}

class output_file {
 public:
  explicit output_file(const std::string& path) {
    if (path.empty() || path == "-") {
      file_ = stdout;
    } else {
      file_ = std::fopen(path.c_str(), "wb");
      if (!file_) throw io::csv_error(fmt::format("cannot write '{}': {}", path, std::strerror(errno)));
      owned_ = true;
    }
    path_ = path.empty() ? "-" : path;
  }
  ~output_file() {
    if (owned_) std::fclose(file_);
  }
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;
  void write(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
      throw io::csv_error(fmt::format("cannot write '{}': {}", path_, std::strerror(errno)));
  }
  void close() {
    if (std::fflush(file_) != 0)
      throw io::csv_error(fmt::format("cannot write '{}': {}", path_, std::strerror(errno)));
  }

 private:
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string path_;
};

// Formats the rows of every series into blocks of text, a window of blocks at a time in parallel,
// and writes the blocks in series order. `format` formats series [first, last) and tells how
// many rows a series has (rows_of) and how many come before it (rows_before).
template <class Format>
void write_blocks(output_file& out, std::size_t series, int threads, std::string_view what, const Format& format) {
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
  out.close();
}

std::string group_prefix(const batch_command& cmd, const batch_data& d, std::size_t s) {
  std::string p;
  for (std::size_t g = 0; g < cmd.by.size(); ++g) {
    text_field(p, d.keys[s * cmd.by.size() + g]);
    p += ',';
  }
  return p;
}

// What --rules asks for, as the writers need it.
struct rules_layout {
  bool on = false;           // --rules given
  bool mdc = false;          // the Making Data Count mode
  rule_mask evaluated = 0;   // every rule evaluated (the summary's columns)
  std::vector<rule> shown;   // the rules that fired anywhere in the batch (the points' columns)
  double target = missing_number;
};

struct point_writer {
  const batch_command& cmd;
  const batch_data& d;
  const batch_result& r;
  const std::vector<std::uint8_t>& failed;
  const rules_layout& rules;
  std::size_t rows_of(std::size_t s) const { return d.offsets[s + 1] - d.offsets[s]; }
  std::size_t rows_before(std::size_t s) const { return d.offsets[s]; }

  void operator()(std::string& out, std::size_t first, std::size_t last) const {
    number_field y, cl, lcl, ucl, lcl95, ucl95;
    for (std::size_t s = first; s < last; ++s) {
      if (failed[s]) continue;  // reported on standard error and in the summary
      const std::string prefix = group_prefix(cmd, d, s);
      const std::size_t begin = d.offsets[s], end = d.offsets[s + 1];
      const series_part* part = r.summary.parts.data() + r.summary.part_offsets[s];
      std::string runs;  // the part's runs analysis, the same on every point of the part
      if (!rules.mdc) runs_fields(runs, part->summary.runs);
      for (std::size_t k = begin; k < end; ++k) {
        const std::size_t i = k - begin;
        if (i > part->summary.last) {
          while (i > part->summary.last) ++part;
          runs.clear();
          if (!rules.mdc) runs_fields(runs, part->summary.runs);
        }
        out += prefix;
        int_field(out, static_cast<long long>(i + 1));
        out += ',';
        if (!cmd.x.empty()) {
          text_field(out, d.x_of(k));
          out += ',';
        }
        int_field(out, r.part[k]);
        out += ',';
        bool_field(out, r.baseline[k] != 0);
        out += ',';
        if (rules.mdc) {
          // period, baseline, y, cl, lcl, ucl, special_cause, point_type (as spc chart's MDC mode)
          y.write(out, r.y[k]);
          out += ',';
          cl.write(out, r.cl[k]);
          out += ',';
          lcl.write(out, r.lcl[k]);
          out += ',';
          ucl.write(out, r.ucl[k]);
          out += ',';
          out += to_string(r.cause[k]);
          out += ',';
          out += to_string(r.type[k]);
        } else {
          bool_field(out, r.include[k] != 0);
          out += ',';
          y.write(out, r.y[k]);
          out += ',';
          cl.write(out, r.cl[k]);
          out += ',';
          lcl.write(out, r.lcl[k]);
          out += ',';
          ucl.write(out, r.ucl[k]);
          out += ',';
          lcl95.write(out, r.lcl_95[k]);
          out += ',';
          ucl95.write(out, r.ucl_95[k]);
          out += ',';
          bool_field(out, r.sigma_signal[k] != 0);
          out += ',';
          out += runs;
        }
        if (rules.on) {
          text_sink sink{out, {}};
          write_rule_fields(sink, rules.shown, r.fired[k], part->rules_fired);
        }
        out += '\n';
      }
    }
  }
};

struct summary_writer {
  const batch_command& cmd;
  const batch_data& d;
  const batch_result& r;
  const std::vector<std::string>& errors;  // per series, "" when charted
  const rules_layout& rules;
  std::size_t columns = 0;                 // after the --by columns, before error
  std::size_t rows_of(std::size_t) const { return 1; }
  std::size_t rows_before(std::size_t s) const { return s; }

  void operator()(std::string& out, std::size_t first, std::size_t last) const {
    const bool with_x = !cmd.x.empty();
    for (std::size_t s = first; s < last; ++s) {
      const std::string prefix = group_prefix(cmd, d, s);
      if (!errors[s].empty()) {
        out += prefix;
        // Every column but the error empty; then the error.
        out.append(columns, ',');
        text_field(out, errors[s]);
        out += '\n';
        continue;
      }
      for (std::size_t k = r.summary.part_offsets[s]; k < r.summary.part_offsets[s + 1]; ++k) {
        const series_part& p = r.summary.parts[k];
        number_field num;
        out += prefix;
        int_field(out, p.summary.part);
        out += ',';
        int_field(out, static_cast<long long>(p.summary.first + 1));
        out += ',';
        int_field(out, static_cast<long long>(p.summary.last + 1));
        if (with_x) {
          out += ',';
          text_field(out, d.x_of(d.offsets[s] + p.summary.first));
          out += ',';
          text_field(out, d.x_of(d.offsets[s] + p.summary.last));
        }
        text_sink sink{out, {}};
        if (rules.mdc) {
          write_mdc_period_fields(sink, r.summary.periods[k], rules.target);
          write_rule_summary_fields(sink, rules.evaluated, r.summary.rules[k], p.n_rule_points);
          out += ",\n";  // no error
          continue;
        }
        out += ',';
        int_field(out, static_cast<long long>(p.n_points));
        for (double v : {p.summary.cl, p.summary.lcl, p.summary.ucl}) {
          out += ',';
          num.write(out, v);
        }
        out += ',';
        int_field(out, p.summary.n_sigma_signals);
        out += ',';
        num.write(out, p.last_y);
        out += ',';
        bool_field(out, p.last_sigma_signal);
        out += ',';
        runs_fields(out, p.summary.runs);
        if (rules.on) {
          write_rule_summary_fields(sink, rules.evaluated, r.summary.rules[k], p.n_rule_points);
          sink.field(to_string(p.last_rule));
          sink.field(to_string(p.last_variation));
        }
        out += ",\n";  // no error
      }
    }
  }
};

std::string header_text(const batch_command& cmd, const std::vector<std::string>& names) {
  std::string h;
  auto add = [&h](std::string_view name) {
    if (!h.empty()) h += ',';
    text_field(h, name);
  };
  for (const auto& b : cmd.by) add(b);
  for (const auto& c : names) add(c);
  return h + '\n';
}

// The columns after the --by columns.
std::vector<std::string> point_columns(const batch_command& cmd, const rules_layout& rules) {
  std::vector<std::string> names{"i"};
  if (!cmd.x.empty()) names.emplace_back("x");
  if (rules.mdc) {
    for (const char* c : mdc_point_columns) names.emplace_back(c);
  } else {
    for (const char* c : {"part", "baseline", "include", "y", "cl", "lcl", "ucl", "lcl_95", "ucl_95", "sigma_signal",
                          "n_obs", "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min",
                          "runs_signal"})
      names.emplace_back(c);
  }
  if (rules.on) add_rule_header(rules.shown, names);
  return names;
}

std::vector<std::string> summary_columns(const batch_command& cmd, const rules_layout& rules) {
  std::vector<std::string> names{rules.mdc ? "period" : "part", "first", "last"};
  if (!cmd.x.empty()) {
    names.emplace_back("x_first");
    names.emplace_back("x_last");
  }
  if (rules.mdc) {
    for (const char* c : mdc_period_columns) names.emplace_back(c);
    add_rule_summary_header(rules.evaluated, names);
  } else {
    for (const char* c : {"n_points", "cl", "lcl", "ucl", "n_sigma_signals", "last_y", "last_sigma_signal", "n_obs",
                          "n_useful", "longest_run", "longest_run_max", "n_crossings", "n_crossings_min",
                          "runs_signal"})
      names.emplace_back(c);
    if (rules.on) {
      add_rule_summary_header(rules.evaluated, names);
      names.emplace_back("last_rule");
      names.emplace_back("variation");
    }
  }
  names.emplace_back("error");
  return names;
}

// ---------------------------------------------------------------------------------------------
// The command
// ---------------------------------------------------------------------------------------------

void check_command(const batch_command& cmd, chart_type chart) {
  const std::string name(to_string(chart));
  if (needs_subgroup_sd(chart)) {
    if (cmd.n.empty() || cmd.sd.empty())
      throw usage_error(fmt::format(
          "option --{}: the {} chart in a batch reads one row per subgroup: give the subgroup mean "
          "(--y), size (--n) and standard deviation (--sd)",
          cmd.n.empty() ? "n" : "sd", name));
  } else if (!cmd.sd.empty()) {
    throw usage_error(fmt::format("option --sd: only the xbar and s charts read a subgroup standard deviation, not the {} chart", name));
  }
  if (needs_denominator(chart) && cmd.n.empty())
    throw usage_error(fmt::format("option --n: the {} chart needs a denominator column (--n COL)", name));
  if (!cmd.n.empty() && !needs_denominator(chart) && chart != chart_type::run && chart != chart_type::i)
    throw usage_error(fmt::format("option --n: the {} chart does not use a denominator column", name));
  for (const auto& b : cmd.by) {
    if (b.empty()) throw usage_error("option --by: a column name is empty");
    for (const std::string* c : {&cmd.x, &cmd.y, &cmd.n, &cmd.sd})
      if (*c == b) throw usage_error(fmt::format("option --by: column '{}' is also a value or label column", b));
  }
  if (!cmd.output.empty() && cmd.output != "-" && cmd.output == cmd.summary)
    throw usage_error("options --output and --summary: the two outputs need different files");
  if (cmd.output == "-" && cmd.summary == "-")
    throw usage_error("options --output and --summary: only one of them can go to standard output");
}

}  // namespace

int run_batch(const batch_command& cmd) {
  const std::optional<chart_type> chart = parse_chart_type(cmd.chart);
  if (!chart) throw usage_error(fmt::format("option --chart: unknown chart type '{}'", cmd.chart));
  const std::optional<runs_method> method = parse_runs_method(cmd.method);
  if (!method) throw usage_error(fmt::format("option --method: unknown method '{}'", cmd.method));
  check_command(cmd, *chart);
  const rules_request req = check_rules(cmd, *chart);
  // Checked here rather than per series: the same for every series (spc chart's message).
  for (std::size_t k = 1; k < cmd.rebase.size(); ++k)
    if (cmd.rebase[k] <= cmd.rebase[k - 1])
      throw usage_error("option --rebase: positions must be strictly increasing");
  started = std::chrono::steady_clock::now();
  const bool per_point = !cmd.output.empty() || cmd.summary.empty();

  const batch_data d = read_batch(cmd);
  const std::size_t rows = d.y.size(), S = d.series();
  if (rows >= large_input) progress(fmt::format("computing {} series,", S), rows);

  chart_options options = chart_options_of(cmd, *chart, *method);
  // --multiply: the MDC chart is linear in y (so --target is in the units shown); every other
  // chart is computed as given and its results multiplied.
  std::vector<double> scaled;
  if (req.mdc_mode && cmd.multiply != 1.0) {
    scaled = d.y;
    for (double& v : scaled) v *= cmd.multiply;
  }
  batch_input in;
  in.y = scaled.empty() ? std::span<const double>(d.y) : std::span<const double>(scaled);
  in.n = d.n;
  in.sd = d.sd;
  in.offsets = d.offsets;
  batch_options bo;
  bo.sets = {&options, 1};
  bo.ratio = !cmd.n.empty();
  bo.threads = cmd.threads;
  // --rules: the rule sets on each part of every series, or the Making Data Count mode.
  batch_rules rules;
  if (req.mask != 0) {
    rules.rules = req.options;
    if (req.mdc_mode) {
      rules.mdc = req.mdc;
      options = chart_options{};
      options.chart = chart_type::i;
    }
    bo.rules = {&rules, 1};
  }
  batch_result r = qic_batch(in, bo, per_point);
  if (!req.mdc_mode && cmd.multiply != 1.0) multiply(r, cmd.multiply);

  // Every series that could not be charted: unreadable values first, then the engine's problems.
  std::vector<std::string> errors(S);
  std::vector<std::uint8_t> failed(S, 0);
  std::size_t failures = 0;
  for (std::size_t s = 0; s < S; ++s) {
    if (d.bad_value[s].empty() && r.summary.status[s] == series_status::ok) continue;
    errors[s] = series_error(cmd, d, r.summary, s);
    failed[s] = 1;
    ++failures;
  }

  int threads = cmd.threads;
#if defined(_OPENMP)
  if (threads <= 0) threads = omp_get_max_threads();
#else
  threads = 1;
#endif
  rules_layout layout;
  layout.on = req.mask != 0;
  layout.mdc = req.mdc_mode;
  layout.evaluated = req.options.rules;
  layout.target = req.mdc.target;
  if (layout.on) {
    // One column per rule that fired anywhere in the written series (spc chart: in its series).
    rule_mask anywhere = 0;
    for (std::size_t s = 0; s < S; ++s)
      if (!failed[s])
        for (std::size_t k = r.summary.part_offsets[s]; k < r.summary.part_offsets[s + 1]; ++k)
          anywhere |= r.summary.parts[k].rules_fired;
    layout.shown = rules_shown(anywhere);
  }
  if (per_point) {
    if (rows >= large_input) progress("writing", rows);
    output_file out(cmd.output);
    out.write(header_text(cmd, point_columns(cmd, layout)));
    write_blocks(out, S, threads, "wrote", point_writer{cmd, d, r, failed, layout});
  }
  if (!cmd.summary.empty()) {
    output_file out(cmd.summary);
    const std::vector<std::string> columns = summary_columns(cmd, layout);
    out.write(header_text(cmd, columns));
    write_blocks(out, S, threads, "wrote the summary of",
                 summary_writer{cmd, d, r, errors, layout, columns.size() - 1});
  }

  if (failures == 0) {
    if (rows >= large_input) progress(fmt::format("done: {} series,", S), rows);
    return exit_ok;
  }
  constexpr std::size_t shown = 10;
  std::size_t listed = 0;
  for (std::size_t s = 0; s < S && listed < shown; ++s) {
    if (!failed[s]) continue;
    fmt::print(stderr, "spc: error: {}: series {}: {}\n", d.source, series_name(cmd, d, s), errors[s]);
    ++listed;
  }
  if (failures > listed)
    fmt::print(stderr, "spc: error: and {} more series that could not be charted (see the summary's error column)\n",
               failures - listed);
  fmt::print(stderr, "spc batch: {} of {} series charted, {} could not be\n", S - failures, S, failures);
  return exit_data_error;
}


}  // namespace spc::cli
