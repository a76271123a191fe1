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
  if (io::parse_number(cell, value)) return true;
  for (std::string_view t : {"TRUE", "True", "true"})
    if (cell == t) return value = 1, true;
  for (std::string_view f : {"FALSE", "False", "false"})
    if (cell == f) return value = 0, true;
  return false;
}

// Raw measurements: the rows of each series that share an x become one subgroup (in order of
// first appearance), summarised by spc::summarise_subgroups (mean, size, sample sd; missing
// measurements ignored; a subgroup with none is a missing point).
void summarise_raw_subgroups(series_table& t, const command& cmd) {
  const std::size_t S = t.series(), rows = t.rows();
  std::vector<std::size_t> subgroup(rows);
  std::vector<label_ref> labels;
  std::vector<std::size_t> offsets{0};
  std::vector<std::vector<std::uint64_t>> rows_of;
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t s = 0; s < S; ++s) {
    index.clear();
    for (std::size_t r = t.offsets[s]; r < t.offsets[s + 1]; ++r) {
      const std::string_view x = t.x_of(r);
      if (x.empty() && t.bad_value[s].empty())
        t.bad_value[s] = fmt::format("row {}, column '{}': the subgroup is empty", t.row_in_file(r), cmd.x);
      auto [it, added] = index.try_emplace(x, labels.size());
      if (added) {
        labels.push_back(t.x[r]);
        rows_of.emplace_back();
      }
      subgroup[r] = it->second;
      rows_of[it->second].push_back(t.row_in_file(r));
    }
    offsets.push_back(labels.size());
  }
  subgroup_summary sum = summarise_subgroups(t.y, subgroup, labels.size());
  t.measurements = rows;
  t.y = std::move(sum.mean);
  t.n = std::move(sum.size);
  t.sd = std::move(sum.sd);
  t.x = std::move(labels);
  t.offsets = std::move(offsets);
  t.file_row.clear();
  t.point_rows_offsets.assign(1, 0);
  t.point_rows.clear();
  for (const auto& r : rows_of) {
    t.file_row.push_back(r.front());
    t.point_rows.insert(t.point_rows.end(), r.begin(), r.end());
    t.point_rows_offsets.push_back(t.point_rows.size());
  }
}

}  // namespace

std::string series_table::series_name(const command& cmd, std::size_t s) const {
  std::string name;
  for (std::size_t g = 0; g < groups; ++g) name += fmt::format("{}{}={}", g ? ", " : "", cmd.by[g], keys[s * groups + g]);
  return name;
}

series_table read_series(const command& cmd, const request& req) {
  io::csv_stream in(cmd.input);
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
  const bool outcomes = req.info->y_domain == value_domain::binary;
  const std::size_t groups = by_col.size();
  d.groups = groups;

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
  auto number = [&](std::string_view cell, const std::string& column, std::uint32_t series, bool outcome = false) {
    double v = missing_number;
    if (!(outcome ? parse_outcome(cell, v) : io::parse_number(cell, v))) {
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
  if (req.raw_subgroups) summarise_raw_subgroups(d, cmd);
  return d;
}

}  // namespace spc::cli
