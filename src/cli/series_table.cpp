// Reading the CSV file into series (series_table.hpp).
#include "series_table.hpp"

#include <algorithm>
#include <limits>
#include <type_traits>
#include <unordered_map>

#include <fmt/format.h>

#include "io/csv_reader.hpp"
#include "pipeline.hpp"
#include "spc/subgroups.hpp"

namespace spc::cli {

namespace {

constexpr double missing_number = std::numeric_limits<double>::quiet_NaN();

// An outcome cell of the charts of 0/1 outcomes (bernoulli, racusum, vlad): a number, or a
// logical as R and pandas write them (TRUE/FALSE, True/False, true/false) read as 1/0.
bool parse_outcome(std::string_view cell, double& value) {
  double v = 0;
  if (io::parse_number(cell, v, '.') == io::number_status::number) return value = v, true;
  for (std::string_view t : {"TRUE", "True", "true"})
    if (cell == t) return value = 1, true;
  for (std::string_view f : {"FALSE", "False", "false"})
    if (cell == f) return value = 0, true;
  return false;
}

// --- x: dates, numbers or text ---------------------------------------------------------------------

// Days from 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
double days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<double>(era) * 146097.0 + static_cast<double>(doe) - 719468.0;
}

bool valid_date(int y, unsigned m, unsigned d) {
  constexpr unsigned days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > days[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m != 2 || d <= 28 || leap;
}

// Reads `digits` (min..max) decimal digits at `p`.
bool read_digits(std::string_view s, std::size_t& p, std::size_t min, std::size_t max, unsigned& v) {
  std::size_t k = 0;
  v = 0;
  while (p < s.size() && k < max && s[p] >= '0' && s[p] <= '9') v = v * 10 + static_cast<unsigned>(s[p++] - '0'), ++k;
  return k >= min;
}

// A date as a number of days (a time of day as its fraction), for ordering: ISO 8601 yyyy-mm-dd
// (optionally followed by 'T' or ' ' and hh:mm[:ss]) and yyyy-mm (the first of the month), and
// the Norwegian dd.mm.yyyy and d.m.yyyy (docs/cli.md, "Order of the points").
bool parse_date(std::string_view s, double& key) {
  std::size_t p = 0;
  unsigned a = 0, b = 0, c = 0;
  int year = 0;
  unsigned month = 0, day = 1;
  if (read_digits(s, p, 4, 4, a) && p < s.size() && s[p] == '-') {
    ++p;
    if (!read_digits(s, p, 2, 2, b)) return false;
    year = static_cast<int>(a);
    month = b;
    if (p < s.size() && s[p] == '-') {
      ++p;
      if (!read_digits(s, p, 2, 2, c)) return false;
      day = c;
    } else if (p != s.size()) {
      return false;
    }
  } else {
    p = 0;
    if (!read_digits(s, p, 1, 2, a) || p >= s.size() || s[p] != '.') return false;
    ++p;
    if (!read_digits(s, p, 1, 2, b) || p >= s.size() || s[p] != '.') return false;
    ++p;
    if (!read_digits(s, p, 4, 4, c)) return false;
    day = a;
    month = b;
    year = static_cast<int>(c);
  }
  if (!valid_date(year, month, day)) return false;
  double fraction = 0;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != ' ') return false;
    ++p;
    unsigned hh = 0, mm = 0, ss = 0;
    if (!read_digits(s, p, 2, 2, hh) || p >= s.size() || s[p] != ':') return false;
    ++p;
    if (!read_digits(s, p, 2, 2, mm)) return false;
    if (p < s.size() && s[p] == ':') {
      ++p;
      if (!read_digits(s, p, 2, 2, ss)) return false;
    }
    if (p != s.size() || hh > 23 || mm > 59 || ss > 60) return false;
    fraction = (hh * 3600.0 + mm * 60.0 + ss) / 86400.0;
  }
  key = days_from_civil(year, month, day) + fraction;
  return true;
}

enum class x_kind { text, number, date };

// What the --x column holds: numbers or dates when every label that is not empty is one (then the
// points are ordered by x), text otherwise (file order). `keys` gets each row's key (NaN when the
// label is empty, or for text).
x_kind classify_x(const series_table& t, std::vector<double>& keys) {
  const std::size_t rows = t.rows();
  keys.assign(rows, std::numeric_limits<double>::quiet_NaN());
  bool numbers = true, dates = true, any = false;
  for (std::size_t r = 0; r < rows && (numbers || dates); ++r) {
    const std::string_view x = t.x_of(r);
    if (x.empty()) continue;
    any = true;
    double v = 0;
    if (numbers && io::parse_number(x, v, '.') == io::number_status::number) {
      keys[r] = v;
      continue;
    }
    numbers = false;
    if (dates && parse_date(x, v)) {
      keys[r] = v;
      continue;
    }
    dates = false;
  }
  if (!any) return x_kind::text;
  if (numbers) return x_kind::number;
  if (dates) {
    // Numbers seen before the first date were read as numbers: read every label as a date.
    for (std::size_t r = 0; r < rows; ++r)
      if (!t.x_of(r).empty() && !parse_date(t.x_of(r), keys[r])) return x_kind::text;
    return x_kind::date;
  }
  return x_kind::text;
}

// --- Points from rows ----------------------------------------------------------------------------

// The rows of each series grouped into points by x: in x order for numbers and dates (a stable
// sort; an empty x last), in order of first appearance for text; rows with the same x are one
// point, rows with an empty x a point each. `order` lists rows point by point, `starts` where
// each point begins (points.size() + 1 entries), `series_points` the points of each series.
struct x_groups {
  std::vector<std::size_t> order, starts{0}, series_points{0};
  bool trivial = true;  // every point is one row, in file order
};

x_groups group_by_x(const series_table& t) {
  x_groups g;
  const std::size_t S = t.series(), rows = t.rows();
  std::vector<double> keys;
  const x_kind kind = classify_x(t, keys);
  g.order.reserve(rows);
  g.starts.reserve(rows + 1);
  std::vector<std::size_t> rank;  // per row of a series: its sort key (text: first appearance)
  std::unordered_map<std::string_view, std::size_t> first_seen;
  for (std::size_t s = 0; s < S; ++s) {
    const std::size_t a = t.offsets[s], b = t.offsets[s + 1];
    std::vector<std::size_t> idx(b - a);
    for (std::size_t k = 0; k < idx.size(); ++k) idx[k] = a + k;
    bool sorted = true;
    if (kind == x_kind::text) {
      first_seen.clear();
      rank.assign(b - a, 0);
      for (std::size_t r = a; r < b; ++r) {
        const std::string_view x = t.x_of(r);
        // An empty label is a point of its own, where it stands.
        const std::size_t at = x.empty() ? r - a : first_seen.try_emplace(x, r - a).first->second;
        rank[r - a] = at;
        sorted &= at == r - a;
      }
      if (!sorted)
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t i, std::size_t j) { return rank[i - a] < rank[j - a]; });
    } else {
      for (std::size_t r = a + 1; r < b && sorted; ++r) sorted = keys[r - 1] < keys[r];  // strictly: no ties
      if (!sorted)
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t i, std::size_t j) {
          if (std::isnan(keys[j])) return !std::isnan(keys[i]);
          return keys[i] < keys[j];
        });
    }
    g.trivial &= sorted;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const std::size_t r = idx[k];
      g.order.push_back(r);
      bool same = false;
      if (k > 0) {
        const std::size_t q = idx[k - 1];
        same = kind == x_kind::text ? !t.x_of(r).empty() && t.x_of(r) == t.x_of(q)
                                    : !std::isnan(keys[r]) && keys[r] == keys[q];
      }
      if (!same && k > 0) g.starts.push_back(g.order.size() - 1);
    }
    if (b > a) g.starts.push_back(g.order.size());
    g.series_points.push_back(g.starts.size() - 1);
  }
  return g;
}

// The points of a table whose x gives them: rows reordered, rows sharing an x combined as the
// chart table says (row_aggregation): counts and denominators summed, values averaged, or raw
// measurements summarised into subgroups (spc::summarise_subgroups: mean, size and sample sd;
// missing measurements ignored; a subgroup with none is a missing point). With --sd (one row per
// subgroup) two rows with the same x are refused.
void make_points(series_table& t, const command& cmd, const request& req) {
  const x_groups g = group_by_x(t);
  const std::size_t P = g.starts.size() - 1;
  const bool raw = req.raw_subgroups;
  if (g.trivial && P == t.rows() && !raw) return;  // one row per point, in file order

  const row_aggregation how = raw ? row_aggregation::subgroup : req.info->aggregation;
  if (!raw) {
    // A bad row must not disappear into a sum: the rows are checked as the chart checks points
    // (the library's own checks) before they are combined.
    chart_options bare;
    bare.chart = req.chart;
    for (std::size_t s = 0; s < t.series(); ++s) {
      if (!t.bad_value[s].empty()) continue;
      const std::size_t a = t.offsets[s], m = t.offsets[s + 1] - a;
      const series_view v{std::span<const double>(t.y).subspan(a, m),
                          t.n.empty() ? std::span<const double>{} : std::span<const double>(t.n).subspan(a, m),
                          t.sd.empty() ? std::span<const double>{} : std::span<const double>(t.sd).subspan(a, m)};
      const auto problem = find_problem(v, bare);
      if (!problem || problem->index() == input_error::npos) continue;
      const std::string& arg = problem->argument();
      const std::string& column = arg == "y" ? cmd.y : arg == "n" ? cmd.n : cmd.sd;
      t.bad_value[s] = fmt::format("row {}, column '{}': {}", t.row_in_file(a + problem->index()), column,
                                   problem->problem());
    }
  }
  std::vector<double> y(P), n(t.n.empty() ? 0 : P), sd(t.sd.empty() ? 0 : P);
  std::vector<label_ref> x(P);
  std::vector<std::uint64_t> file_row(P);
  std::vector<std::size_t> point_rows_offsets{0};
  std::vector<std::uint64_t> point_rows;
  point_rows.reserve(t.rows());
  std::vector<std::size_t> subgroup;
  if (raw) subgroup.resize(t.rows());
  std::size_t series = 0;
  for (std::size_t p = 0; p < P; ++p) {
    while (g.series_points[series + 1] <= p) ++series;
    const std::size_t first = g.starts[p], last = g.starts[p + 1];
    const std::size_t r0 = g.order[first];
    x[p] = t.x[r0];
    file_row[p] = t.row_in_file(r0);
    for (std::size_t k = first; k < last; ++k) point_rows.push_back(t.row_in_file(g.order[k]));
    point_rows_offsets.push_back(point_rows.size());
    if (raw) {
      if (t.x_of(r0).empty() && t.bad_value[series].empty())
        t.bad_value[series] = fmt::format("row {}, column '{}': the subgroup is empty", file_row[p], cmd.x);
      for (std::size_t k = first; k < last; ++k) subgroup[g.order[k]] = p;
      continue;
    }
    if (last - first == 1) {
      y[p] = t.y[r0];
      if (!n.empty()) n[p] = t.n[r0];
      if (!sd.empty()) sd[p] = t.sd[r0];
      continue;
    }
    if (!t.sd.empty()) {
      if (t.bad_value[series].empty())
        t.bad_value[series] = fmt::format(
            "rows {} and {} have the same x '{}' (column '{}'): with --sd each row is one subgroup; give each "
            "subgroup one row",
            file_row[p], t.row_in_file(g.order[first + 1]), t.x_of(r0), cmd.x);
      y[p] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    // Rows with a value (and a denominator, when the chart reads one) take part; none: missing.
    double sum_y = 0, sum_n = 0;
    std::size_t count = 0;
    for (std::size_t k = first; k < last; ++k) {
      const std::size_t r = g.order[k];
      if (std::isnan(t.y[r]) || (!t.n.empty() && std::isnan(t.n[r]))) continue;
      sum_y += t.y[r];
      if (!t.n.empty()) sum_n += t.n[r];
      ++count;
    }
    constexpr double gap = std::numeric_limits<double>::quiet_NaN();
    if (how == row_aggregation::sum || !t.n.empty()) {
      // Summed; with a denominator y / n is then the ratio of the sums (qicharts2's y.sum / n).
      y[p] = count ? sum_y : gap;
      if (!n.empty()) n[p] = count ? sum_n : gap;
    } else {
      y[p] = count ? sum_y / static_cast<double>(count) : gap;  // qicharts2's agg.fun = mean
    }
  }
  if (raw) {
    subgroup_summary sum = summarise_subgroups(t.y, subgroup, P);
    t.measurements = t.rows();
    y = std::move(sum.mean);
    n = std::move(sum.size);
    sd = std::move(sum.sd);
  }
  t.aggregated = true;
  t.aggregation = how;
  t.y = std::move(y);
  t.n = std::move(n);
  t.sd = std::move(sd);
  t.x = std::move(x);
  t.file_row = std::move(file_row);
  t.point_rows_offsets = std::move(point_rows_offsets);
  t.point_rows = std::move(point_rows);
  for (std::size_t s = 0; s <= t.series(); ++s) t.offsets[s] = g.series_points[s];
}

}  // namespace

std::string series_table::series_name(const command& cmd, std::size_t s) const {
  std::string name;
  for (std::size_t g = 0; g < groups; ++g) name += fmt::format("{}{}={}", g ? ", " : "", cmd.by[g], keys[s * groups + g]);
  return name;
}

series_table read_series(const command& cmd, const request& req) {
  io::csv_stream in(cmd.input, std::size_t{4} << 20, req.dialect);
  series_table d;
  d.source = in.source();
  const std::size_t width = in.header().size();
  std::vector<std::size_t> by_col;
  for (const auto& b : cmd.by) by_col.push_back(in.column(b));
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();  // a column not asked for
  const std::size_t y_col = in.column(cmd.y);
  const std::size_t n_col = cmd.n.empty() ? none : in.column(cmd.n);
  const std::size_t sd_col = cmd.sd.empty() ? none : in.column(cmd.sd);
  const std::size_t x_col = cmd.x.empty() ? none : in.column(cmd.x);
  const std::size_t risk_col = cmd.risk.empty() ? none : in.column(cmd.risk);
  const bool outcomes = req.info && req.info->y_domain == value_domain::binary;
  const std::size_t groups = by_col.size();
  d.groups = groups;

  std::vector<std::uint32_t> series_of_row;
  std::uint32_t current = 0;
  bool have_current = false, regrouped = false, reserved = false;

  // Series are found by their group values. Files are usually sorted by their group columns:
  // while each new group sorts after the previous new one, it cannot have been seen before and
  // needs no lookup. The hash index is built the first time a group comes out of order.
  // Group values joined, each after its length, so that no value can imitate a boundary.
  std::unordered_map<std::string, std::uint32_t> index;
  bool indexed = false;
  auto joined = [groups](auto value_of) {
    std::string key;
    for (std::size_t g = 0; g < groups; ++g) {
      const std::string_view v = value_of(g);
      const std::uint64_t size = v.size();
      key.append(reinterpret_cast<const char*>(&size), sizeof size);
      key.append(v);
    }
    return key;
  };
  auto after_last_series = [&](std::span<const std::string_view> f) {
    const std::string* last = d.keys.data() + d.keys.size() - groups;
    for (std::size_t g = 0; g < groups; ++g)
      if (const int c = f[by_col[g]].compare(last[g]); c != 0) return c > 0;
    return false;
  };
  const char decimal = req.dialect.decimal;
  auto number = [&](std::string_view cell, const std::string& column, std::uint32_t series, bool outcome = false) {
    double v = missing_number;
    io::number_status status = io::parse_number(cell, v, decimal);
    // An outcome may also be a logical (TRUE/FALSE), read as 1/0.
    if (outcome && status == io::number_status::not_a_number && parse_outcome(cell, v)) status = io::number_status::number;
    if (status == io::number_status::not_a_number || status == io::number_status::out_of_range) {
      if (d.bad_value[series].empty())
        d.bad_value[series] = fmt::format("row {}, column '{}': {}", in.row(), column,
                                          io::number_problem(cell, status, decimal, "with a decimal comma, give --decimal ,"));
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
    if (groups > 0) series_of_row.push_back(current);
    d.y.push_back(number(f[y_col], cmd.y, current, outcomes));
    if (risk_col != none) d.risk.push_back(number(f[risk_col], cmd.risk, current));
    if (n_col != none) d.n.push_back(number(f[n_col], cmd.n, current));
    if (sd_col != none) d.sd.push_back(number(f[sd_col], cmd.sd, current));
    if (x_col != none) {
      const std::string_view v = f[x_col];
      d.x.push_back(label_ref{d.x_text.size(), static_cast<std::uint32_t>(v.size())});
      d.x_text.append(v);
    }
    const std::size_t rows = in.row();
    // After a thousand rows, reserve for the whole file (by its size) rather than regrow.
    if (!reserved && rows == 1000 && in.file_size() > 0) {
      reserved = true;
      const double per_row = static_cast<double>(in.bytes_read()) / static_cast<double>(rows);
      const auto expected = static_cast<std::size_t>(static_cast<double>(in.file_size()) / per_row * 1.05) + 16;
      if (groups > 0) series_of_row.reserve(expected);
      d.y.reserve(expected);
      if (n_col != none) d.n.reserve(expected);
      if (sd_col != none) d.sd.reserve(expected);
      if (risk_col != none) d.risk.reserve(expected);
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
  if (groups == 0) {
    d.offsets = {0, rows};
  } else {
    std::vector<std::size_t> count(S + 1, 0);
    for (std::uint32_t s : series_of_row) ++count[s + 1];
    for (std::size_t s = 0; s < S; ++s) count[s + 1] += count[s];
    d.offsets = count;
    if (regrouped) {
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
      permute(d.risk);
      permute(d.x);
      d.file_row.resize(rows);
      for (std::size_t r = 0; r < rows; ++r) d.file_row[to[r]] = r + 1;
    }
  }
  // Sequential charts read case by case in file order (two operations on one day are two cases);
  // spc funnel keeps its rows (units are summed by the library).
  if (x_col != none && req.points_by_x && !req.sequential) make_points(d, cmd, req);
  return d;
}

}  // namespace spc::cli
