// The batch engine against the single-series API: every golden case in one batch, mixed chart
// types and options, edge-case series, bad series, thread counts; the streaming CSV reader; and
// `spc batch` end to end.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "golden.hpp"
#include "io/csv_reader.hpp"
#include "io/csv_writer.hpp"
#include "spc/batch.hpp"
#include "spc/mdc.hpp"
#include "spc/rules.hpp"

using namespace spc;

namespace {

// Bitwise equality of doubles (NaN equals NaN with the same bits; 0.0 differs from -0.0).
bool same(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool same(const part_summary& a, const part_summary& b) {
  return a.part == b.part && a.first == b.first && a.last == b.last && same(a.cl, b.cl) && same(a.lcl, b.lcl) &&
         same(a.ucl, b.ucl) && a.n_sigma_signals == b.n_sigma_signals && a.runs == b.runs;
}

// A batch assembled from single series: the columns, the boundaries and the option table.
struct assembled {
  std::vector<double> y, n, sd;
  std::vector<std::size_t> offsets{0};
  std::vector<chart_options> sets;
  std::vector<std::uint32_t> set_of;
  std::vector<series_view> views;  // what spc::qic sees for each series (filled by finish())

  void add(std::span<const double> ys, std::span<const double> ns, std::span<const double> sds,
           const chart_options& o) {
    const std::size_t m = ys.size();
    y.insert(y.end(), ys.begin(), ys.end());
    for (std::size_t i = 0; i < m; ++i) n.push_back(ns.empty() ? na : ns[i]);
    for (std::size_t i = 0; i < m; ++i) sd.push_back(sds.empty() ? na : sds[i]);
    offsets.push_back(y.size());
    set_of.push_back(static_cast<std::uint32_t>(sets.size()));
    sets.push_back(o);
  }
  batch_input input() const { return batch_input{y, n, sd, offsets}; }
  batch_options options(int threads, bool ratio = false) const {
    return batch_options{sets, set_of, ratio, threads};
  }
  // The series as the single-series API sees it (n where the chart reads it).
  series_view view(std::size_t s, bool ratio = false) const {
    const std::size_t first = offsets[s], m = offsets[s + 1] - first;
    const chart_options& o = sets[set_of[s]];
    series_view v{std::span<const double>(y).subspan(first, m)};
    if (needs_denominator(o.chart) || (ratio && (o.chart == chart_type::run || o.chart == chart_type::i)))
      v.n = std::span<const double>(n).subspan(first, m);
    if (needs_subgroup_sd(o.chart)) v.sd = std::span<const double>(sd).subspan(first, m);
    return v;
  }
};

// Checks series s of a batch result against spc::qic, bit for bit; returns the mismatches.
int check_series(const assembled& a, const batch_result& r, std::size_t s, bool ratio = false) {
  int bad = 0;
  const chart_options& o = a.sets[a.set_of[s]];
  // spc::qic reads an empty span as "not given" (a P chart without n): an empty series has no
  // parts in a batch.
  const series_view v = a.view(s, ratio);
  const chart_result want = v.y.empty() ? chart_result{} : qic(v, o);
  const std::size_t first = a.offsets[s];
  const bool per_point = !r.y.empty();
  for (std::size_t i = 0; per_point && i < want.size(); ++i) {
    const std::size_t k = first + i;
    const bool ok = same(r.y[k], want.y[i]) && same(r.cl[k], want.cl[i]) && same(r.lcl[k], want.lcl[i]) &&
                    same(r.ucl[k], want.ucl[i]) && same(r.lcl_95[k], want.lcl_95[i]) &&
                    same(r.ucl_95[k], want.ucl_95[i]) && r.part[k] == want.part[i] &&
                    r.baseline[k] == want.baseline[i] && r.include[k] == want.include[i] &&
                    r.sigma_signal[k] == want.sigma_signal[i];
    if (!ok) {
      ++bad;
      MESSAGE("series " << s << " point " << i + 1 << " differs from spc::qic");
    }
  }
  const std::size_t from = r.summary.part_offsets[s], to = r.summary.part_offsets[s + 1];
  if (to - from != want.parts.size()) {
    MESSAGE("series " << s << ": " << to - from << " summary rows, spc::qic has " << want.parts.size() << " parts");
    return bad + 1;
  }
  for (std::size_t k = 0; k < want.parts.size(); ++k) {
    const series_part& row = r.summary.parts[from + k];
    const part_summary& p = want.parts[k];
    const bool ok = row.series == s && same(row.summary, p) && row.n_points == p.last - p.first + 1 &&
                    same(row.last_y, want.y[p.last]) && row.last_sigma_signal == (want.sigma_signal[p.last] != 0);
    if (!ok) {
      ++bad;
      MESSAGE("series " << s << " part " << k + 1 << ": summary differs from spc::qic");
    }
  }
  return bad;
}

int check_all(const assembled& a, const batch_result& r, bool ratio = false) {
  int bad = 0;
  for (std::size_t s = 0; s + 1 < a.offsets.size(); ++s)
    if (r.summary.status[s] == series_status::ok) bad += check_series(a, r, s, ratio);
  return bad;
}

assembled golden_batch() {
  assembled a;
  for (const auto& g : test::qicharts2_cases()) a.add(g.value, g.denominator, g.subgroup_sd, g.options);
  return a;
}

// Random series of every chart type with assorted options (fixed seed).
assembled mixed_batch(std::size_t count, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  assembled a;
  std::vector<double> y, n, sd;
  for (std::size_t s = 0; s < count; ++s) {
    const auto chart = static_cast<chart_type>(rng() % shewhart_chart_count);
    const std::size_t m = 1 + rng() % 40;
    y.clear();
    n.clear();
    sd.clear();
    for (std::size_t i = 0; i < m; ++i) {
      const double den = std::floor(5 + 200 * unit(rng));
      double value = 0;
      switch (chart) {
        case chart_type::p:
        case chart_type::pp: value = std::floor(den * 0.3 * unit(rng)); break;
        case chart_type::c:
        case chart_type::u:
        case chart_type::up:
        case chart_type::g: value = std::floor(20 * unit(rng)); break;
        case chart_type::t: value = 0.1 + 30 * unit(rng); break;
        default: value = 10 + 5 * unit(rng); break;
      }
      if (unit(rng) < 0.05) value = na;  // gaps
      y.push_back(value);
      n.push_back(needs_subgroup_sd(chart) ? std::floor(2 + 8 * unit(rng)) : den);
      sd.push_back(1 + unit(rng));
    }
    chart_options o;
    o.chart = chart;
    const auto variant = rng() % 6;
    if (variant == 1 && m > 2) o.freeze = 1 + rng() % (m - 1);
    if (variant == 2 && m > 4) o.parts = {m / 2};
    if (variant == 3 && m > 6) o.parts = {m / 3, 2 * m / 3};
    if (variant == 4 && m > 3) o.exclude = {1 + rng() % m};
    if (variant == 5) o.cl = chart == chart_type::p || chart == chart_type::pp ? 0.1 : 12.0;
    o.method = static_cast<runs_method>(rng() % 3);
    o.screen_mr = rng() % 2 == 0;
    a.add(y, n, sd, o);
  }
  return a;
}

chart_options chart(chart_type type, std::size_t freeze = 0, std::vector<std::size_t> parts = {}) {
  chart_options o;
  o.chart = type;
  o.freeze = freeze;
  o.parts = std::move(parts);
  return o;
}

batch_options with_sets(std::span<const chart_options> sets, int threads = 0) {
  batch_options o;
  o.sets = sets;
  o.threads = threads;
  return o;
}

}  // namespace

TEST_CASE("batch: every golden case in one batch equals spc::qic, for 1, 2 and 3 threads") {
  const assembled a = golden_batch();
  REQUIRE(a.sets.size() == 120);
  for (int threads : {1, 2, 3}) {
    CAPTURE(threads);
    const batch_result r = qic_batch(a.input(), a.options(threads));
    CHECK(r.summary.problems.empty());
    CHECK(check_all(a, r) == 0);
    // And against the golden files themselves, through the same comparison as the golden suite.
    int mismatches = 0;
    for (std::size_t s = 0; s < a.sets.size(); ++s) {
      const auto& g = test::qicharts2_cases()[s];
      chart_result c;
      const std::size_t first = a.offsets[s], m = a.offsets[s + 1] - first;
      auto slice = [&](const auto& v) { return std::vector(v.begin() + first, v.begin() + first + m); };
      c.y = slice(r.y);
      c.cl = slice(r.cl);
      c.lcl = slice(r.lcl);
      c.ucl = slice(r.ucl);
      c.lcl_95 = slice(r.lcl_95);
      c.ucl_95 = slice(r.ucl_95);
      c.part = slice(r.part);
      c.baseline = slice(r.baseline);
      c.include = slice(r.include);
      c.sigma_signal = slice(r.sigma_signal);
      for (std::size_t k = r.summary.part_offsets[s]; k < r.summary.part_offsets[s + 1]; ++k)
        c.parts.push_back(r.summary.parts[k].summary);
      mismatches += test::compare(g, c);
    }
    CHECK(mismatches == 0);
  }
}

TEST_CASE("batch: summary-only mode gives the same summary as the per-point mode") {
  const assembled a = golden_batch();
  const batch_result full = qic_batch(a.input(), a.options(2));
  const batch_result brief = qic_batch(a.input(), a.options(2), false);
  CHECK(brief.y.empty());
  CHECK(brief.sigma_signal.empty());
  REQUIRE(brief.summary.parts.size() == full.summary.parts.size());
  CHECK(brief.summary.part_offsets == full.summary.part_offsets);
  for (std::size_t k = 0; k < full.summary.parts.size(); ++k) {
    const auto& x = full.summary.parts[k];
    const auto& z = brief.summary.parts[k];
    CHECK((x.series == z.series && same(x.summary, z.summary) && x.n_points == z.n_points &&
           same(x.last_y, z.last_y) && x.last_sigma_signal == z.last_sigma_signal));
  }
}

TEST_CASE("batch: mixed chart types and options, independent of the thread count") {
  const assembled a = mixed_batch(3000, 20240501);
  const batch_result one = qic_batch(a.input(), a.options(1));
  CHECK(check_all(a, one) == 0);
  // The random series are valid by construction (values in range, freeze and parts within the
  // series), so every one of them is computed.
  CHECK(one.summary.problems.size() == 0);
  for (int threads : {2, 4, 7}) {
    CAPTURE(threads);
    const batch_result many = qic_batch(a.input(), a.options(threads));
    CHECK(many.summary.part_offsets == one.summary.part_offsets);
    CHECK(std::memcmp(many.y.data(), one.y.data(), one.y.size() * sizeof(double)) == 0);
    CHECK(std::memcmp(many.cl.data(), one.cl.data(), one.cl.size() * sizeof(double)) == 0);
    CHECK(std::memcmp(many.ucl_95.data(), one.ucl_95.data(), one.ucl_95.size() * sizeof(double)) == 0);
    CHECK(many.part == one.part);
    CHECK(many.sigma_signal == one.sigma_signal);
    CHECK(check_all(a, many) == 0);
  }
}

TEST_CASE("batch: one option set for every series, and one per series") {
  const assembled g = golden_batch();
  // The P chart cases under one shared option set (no freeze, parts or exclude).
  assembled a;
  for (const auto& c : test::qicharts2_cases())
    if (c.options.chart == chart_type::p) a.add(c.value, c.denominator, {}, chart(chart_type::p));
  const chart_options p = chart(chart_type::p);
  const batch_result shared = qic_batch(a.input(), with_sets({&p, 1}, 2));
  CHECK(check_all(a, shared) == 0);
  // One option set per series, no index.
  const batch_result own = qic_batch(g.input(), with_sets(g.sets, 2));
  CHECK(check_all(g, own) == 0);
}

TEST_CASE("batch: run and I charts of ratios read n when asked") {
  assembled a;
  const std::vector<double> y = {3, 5, 2, 8, 4, 6, 7, 1, 5, 4}, n = {10, 12, 9, 20, 11, 15, 14, 8, 13, 10};
  a.add(y, n, {}, chart(chart_type::run));
  a.add(y, n, {}, chart(chart_type::i));
  a.add(y, n, {}, chart(chart_type::c));  // never reads n, even with ratio
  const batch_result plain = qic_batch(a.input(), a.options(1, false));
  const batch_result ratio = qic_batch(a.input(), a.options(1, true));
  CHECK(check_all(a, plain, false) == 0);
  CHECK(check_all(a, ratio, true) == 0);
  CHECK(ratio.summary.problems.empty());
  CHECK(ratio.y[0] == doctest::Approx(0.3));
  CHECK(plain.y[0] == 3);
  CHECK(ratio.y[20] == 3);
}

TEST_CASE("batch: empty, one-point and all-missing series give defined results") {
  assembled a;
  const std::vector<double> none, one = {7}, one_n = {20}, gaps = {na, na, na, na},
                                  ok = {4, 6, 5, 7, 3, 5, 6, 4, 5, 8, 2, 6}, ok_n(12, 20.0);
  for (chart_type type : {chart_type::run, chart_type::i, chart_type::p, chart_type::c, chart_type::g}) {
    const chart_options o = chart(type);
    const bool den = needs_denominator(type);
    a.add(none, {}, {}, o);                                               // empty
    a.add(one, den ? one_n : none, {}, o);                                // one point
    a.add(gaps, den ? std::vector<double>(4, na) : none, {}, o);          // all missing
    a.add(ok, den ? ok_n : none, {}, o);                                  // an ordinary series
  }
  for (int threads : {1, 2}) {
    const batch_result r = qic_batch(a.input(), a.options(threads));
    CHECK(r.summary.problems.empty());
    CHECK(check_all(a, r) == 0);
    for (std::size_t s = 0; s < a.sets.size(); s += 4) {
      CAPTURE(s);
      // Empty: computed, no parts.
      CHECK(r.summary.status[s] == series_status::ok);
      CHECK(r.summary.part_offsets[s + 1] == r.summary.part_offsets[s]);
      // One point: one part of one point.
      const series_part& single = r.summary.parts[r.summary.part_offsets[s + 1]];
      CHECK(single.series == s + 1);
      CHECK(single.n_points == 1);
      CHECK(single.last_y == (a.sets[s].chart == chart_type::p ? 7.0 / 20 : 7.0));
      // All missing: no centre line, no signal, no useful point.
      const series_part& missing = r.summary.parts[r.summary.part_offsets[s + 2]];
      CHECK(missing.series == s + 2);
      CHECK(missing.n_points == 4);
      CHECK(std::isnan(missing.summary.cl));
      CHECK(std::isnan(missing.last_y));
      CHECK_FALSE(missing.last_sigma_signal);
      CHECK(missing.summary.runs.n_useful == 0);
      CHECK(missing.summary.runs.n_obs == 4);
      CHECK_FALSE(missing.summary.runs.runs_signal);
    }
  }
}

TEST_CASE("batch: a bad series reports its row and problem while the others compute") {
  assembled a;
  const std::vector<double> good = {4, 6, 5, 7, 3, 5, 6, 4, 5, 8}, den(10, 20.0);
  std::vector<double> negative = good, above = good;
  negative[3] = -1;  // a negative count
  above[6] = 25;     // a numerator above its denominator
  const chart_options p = chart(chart_type::p);
  a.add(good, den, {}, p);                                  // 0
  a.add(negative, den, {}, p);                              // 1: rows 10..19, bad row 13
  a.add(good, den, {}, chart(chart_type::c));  // 2
  a.add(above, den, {}, p);                                 // 3: rows 30..39, bad row 36
  a.add(good, den, {}, chart(chart_type::p, 12));  // 4: freeze beyond
  a.add(good, den, {}, chart(chart_type::i, 0, {3, 7}));  // 5: three parts
  for (int threads : {1, 2}) {
    const batch_result r = qic_batch(a.input(), a.options(threads));
    REQUIRE(r.summary.problems.size() == 3);
    const series_problem& neg = r.summary.problems[0];
    CHECK(neg.series == 1);
    CHECK(neg.row == 13);
    CHECK(neg.error.argument() == "y");
    CHECK(neg.error.index() == 3);
    CHECK(std::string(neg.error.what()).find("negative") != std::string::npos);
    CHECK(r.summary.problems[1].series == 3);
    CHECK(r.summary.problems[1].row == 36);
    CHECK(r.summary.problems[1].error.argument() == "y");
    CHECK(r.summary.problems[2].series == 4);
    CHECK(r.summary.problems[2].row == input_error::npos);
    CHECK(r.summary.problems[2].error.argument() == "freeze");
    CHECK(r.summary.problem(3) == &r.summary.problems[1]);
    CHECK(r.summary.problem(2) == nullptr);

    using enum series_status;
    CHECK(r.summary.status == std::vector<series_status>{ok, failed, ok, failed, failed, ok});
    // Failed series have no summary rows; their points are missing.
    CHECK(r.summary.part_offsets == std::vector<std::size_t>{0, 1, 1, 2, 2, 2, 5});
    CHECK(r.summary.parts.size() == 5);
    CHECK(r.summary.parts[4].series == 5);
    CHECK(r.summary.parts[4].summary.part == 3);
    for (std::size_t i = 10; i < 20; ++i) {
      CHECK(std::isnan(r.y[i]));
      CHECK(std::isnan(r.cl[i]));
      CHECK(r.part[i] == 0);
      CHECK(r.sigma_signal[i] == 0);
    }
    CHECK(check_all(a, r) == 0);
  }
}

TEST_CASE("batch: a summary reused between calls gives the same results as a new one") {
  const assembled mixed = mixed_batch(500, 7);
  const assembled golden = golden_batch();
  batch_summary reused;
  qic_batch_into(golden.input(), golden.options(2), chart_columns{}, reused);
  qic_batch_into(mixed.input(), mixed.options(2), chart_columns{}, reused);
  const batch_result fresh = qic_batch(mixed.input(), mixed.options(2), false);
  REQUIRE(reused.parts.size() == fresh.summary.parts.size());
  CHECK(reused.part_offsets == fresh.summary.part_offsets);
  CHECK(reused.status == fresh.summary.status);
  for (std::size_t k = 0; k < reused.parts.size(); ++k) {
    const auto& a = reused.parts[k];
    const auto& b = fresh.summary.parts[k];
    CHECK((a.series == b.series && same(a.summary, b.summary) && a.n_points == b.n_points &&
           same(a.last_y, b.last_y) && a.last_sigma_signal == b.last_sigma_signal));
  }
}

TEST_CASE("batch: a malformed call throws input_error") {
  const std::vector<double> y = {1, 2, 3}, n2 = {1, 2};
  const chart_options o = chart(chart_type::i);
  const std::vector<std::size_t> good = {0, 1, 3}, not_from_zero = {1, 3}, decreasing = {0, 2, 1, 3},
                                 short_of_rows = {0, 2};
  const batch_options opts = with_sets({&o, 1});
  auto run = [&](const batch_input& in, const batch_options& bo) { return qic_batch(in, bo); };
  CHECK_NOTHROW(run({y, {}, {}, good}, opts));
  CHECK_THROWS_AS(run({y, {}, {}, {}}, opts), input_error);
  CHECK_THROWS_AS(run({y, {}, {}, not_from_zero}, opts), input_error);
  CHECK_THROWS_AS(run({y, {}, {}, decreasing}, opts), input_error);
  CHECK_THROWS_AS(run({y, {}, {}, short_of_rows}, opts), input_error);
  CHECK_THROWS_AS(run({y, n2, {}, good}, opts), input_error);
  CHECK_THROWS_AS(run({y, {}, {}, good}, batch_options{}), input_error);
  const std::vector<chart_options> three(3, o);
  CHECK_THROWS_AS(run({y, {}, {}, good}, with_sets(three)), input_error);
  const std::vector<std::uint32_t> bad_index = {0, 1};
  CHECK_THROWS_AS(run({y, {}, {}, good}, batch_options{{&o, 1}, bad_index, false, 0}), input_error);
  std::vector<double> too_short(2);
  batch_summary sum;
  CHECK_THROWS_AS(qic_batch_into({y, {}, {}, good}, opts, chart_columns{too_short, {}, {}, {}, {}, {}, {}, {}, {}, {}}, sum), input_error);
  // No series at all is a valid, empty batch.
  const std::vector<double> nothing;
  const std::vector<std::size_t> zero = {0};
  const batch_result empty = run({nothing, {}, {}, zero}, opts);
  CHECK(empty.summary.parts.empty());
  CHECK(empty.summary.part_offsets == std::vector<std::size_t>{0});
}

// ---------------------------------------------------------------------------------------------
// Rules and the Making Data Count mode in the batch
// ---------------------------------------------------------------------------------------------

namespace {

bool same(const rules_summary& a, const rules_summary& b) {
  return a.evaluated == b.evaluated && a.fired == b.fired && a.points == b.points && a.n_points == b.n_points &&
         a.ihi_useful == b.ihi_useful && a.ihi_runs == b.ihi_runs && same(a.ihi_runs_lower, b.ihi_runs_lower) &&
         same(a.ihi_runs_upper, b.ihi_runs_upper) && a.ihi_runs_from_table == b.ihi_runs_from_table &&
         a.anhoej_useful == b.anhoej_useful && a.longest_run == b.longest_run &&
         a.longest_run_max == b.longest_run_max && a.crossings == b.crossings && a.crossings_min == b.crossings_min;
}

bool same(const mdc_period& a, const mdc_period& b) {
  return a.period == b.period && a.first == b.first && a.last == b.last && a.n_points == b.n_points &&
         a.n_missing == b.n_missing && same(a.mean, b.mean) && same(a.amr, b.amr) && same(a.lpl, b.lpl) &&
         same(a.upl, b.upl) && a.improvement == b.improvement && a.concern == b.concern &&
         a.neutral_high == b.neutral_high && a.neutral_low == b.neutral_low && a.common_cause == b.common_cause &&
         a.variation == b.variation && a.assurance == b.assurance && a.trial_limits == b.trial_limits;
}

rule_options rules_of_list(const char* list) {
  rule_options o;
  o.rules = *parse_rules(list);
  return o;
}

// The rule fields of a summary row, from the per-point results of the single-series API: points
// with a label, and the label and direction of the last point with a value.
bool row_rules_match(const series_part& row, const rules_summary& want, std::span<const double> y,
                     std::span<const rule> label, std::span<const std::int8_t> direction) {
  std::int32_t flagged = 0;
  for (rule r : label) flagged += r != rule::none;
  rule last = rule::none;
  variation v = variation::none;
  for (std::size_t i = y.size(); i-- > 0;)
    if (!std::isnan(y[i])) {
      last = label[i];
      v = last == rule::none    ? variation::common_cause
          : direction[i] > 0    ? variation::special_cause_high
          : direction[i] < 0    ? variation::special_cause_low
                                : variation::special_cause;
      break;
    }
  return row.rules_fired == want.fired && row.n_rule_points == flagged && row.last_rule == last &&
         row.last_variation == v;
}

// Checks the rules of series s (a chart with `ro`, or none) against spc::apply_rules on spc::qic.
int check_series_rules(const assembled& a, const batch_result& r, std::size_t s, const batch_rules* br,
                       bool ratio = false) {
  int bad = 0;
  const chart_options& o = a.sets[a.set_of[s]];
  const series_view v = a.view(s, ratio);
  const std::size_t first = a.offsets[s], m = v.y.size();
  const std::size_t from = r.summary.part_offsets[s];
  const bool per_point = !r.fired.empty();
  if (!br || br->rules.rules == 0) {
    for (std::size_t i = 0; per_point && i < m; ++i)
      bad += r.fired[first + i] != 0 || r.label[first + i] != rule::none || r.direction[first + i] != 0;
    for (std::size_t k = from; k < r.summary.part_offsets[s + 1]; ++k)
      bad += !same(r.summary.rules[k], rules_summary{}) || r.summary.parts[k].last_variation != variation::none;
    return bad;
  }
  if (m == 0) return 0;
  const chart_result chart = qic(v, o);
  const rules_result want = apply_rules(chart, br->rules);
  for (std::size_t i = 0; per_point && i < m; ++i) {
    const std::size_t k = first + i;
    if (r.fired[k] != want.fired[i] || r.label[k] != want.label[i] || r.direction[k] != want.direction[i]) {
      ++bad;
      MESSAGE("series " << s << " point " << i + 1 << ": rules differ from spc::apply_rules");
    }
  }
  REQUIRE(r.summary.part_offsets[s + 1] - from == want.parts.size());
  for (std::size_t k = 0; k < want.parts.size(); ++k) {
    const part_summary& p = chart.parts[k];
    const std::size_t len = p.last - p.first + 1;
    const auto sub = [&](const auto& col) { return std::span(col).subspan(p.first, len); };
    if (!same(r.summary.rules[from + k], want.parts[k]) ||
        !row_rules_match(r.summary.parts[from + k], want.parts[k], sub(chart.y), sub(want.label),
                         sub(want.direction))) {
      ++bad;
      MESSAGE("series " << s << " part " << k + 1 << ": rules summary differs from spc::apply_rules");
    }
  }
  return bad;
}

// What the MDC mode gives for one series, from the single-series API, as `spc chart --rules
// mdc,...` computes it: mdc_chart on the values, the other rules per period on its mean and
// limits, the MDC rules counted from the points.
struct mdc_expected {
  std::vector<double> y;
  mdc_result chart;
  std::vector<rule_mask> fired;
  std::vector<rule> label;
  std::vector<std::int8_t> direction;
  std::vector<rules_summary> periods;
};

mdc_expected expect_mdc(std::span<const double> y, std::span<const double> n, const batch_rules& br) {
  mdc_expected e;
  chart_options i_chart;
  i_chart.chart = chart_type::i;
  e.y = qic(series_view{y, n, {}}, i_chart).y;
  e.chart = mdc_chart(e.y, *br.mdc, br.rules);
  e.fired = e.chart.fired;
  e.label = e.chart.label;
  e.direction = e.chart.direction;
  for (const mdc_period& p : e.chart.periods) e.periods.push_back(p.rules);
  return e;
}

// Checks MDC series s of a batch against expect_mdc, bit for bit.
int check_series_mdc(const assembled& a, const batch_result& r, std::size_t s, const batch_rules& br,
                     bool ratio) {
  int bad = 0;
  const std::size_t first = a.offsets[s], m = a.offsets[s + 1] - first;
  const std::span<const double> y = std::span(a.y).subspan(first, m);
  const std::span<const double> n = ratio ? std::span(a.n).subspan(first, m) : std::span<const double>{};
  const mdc_expected e = expect_mdc(y, n, br);
  const mdc_result& w = e.chart;
  const bool per_point = !r.y.empty();
  for (std::size_t i = 0; per_point && i < m; ++i) {
    const std::size_t k = first + i;
    const mdc_period& p = w.periods[static_cast<std::size_t>(w.period[i] - 1)];
    const bool baseline = br.mdc->fix_after_n_points == 0 || i - p.first < br.mdc->fix_after_n_points;
    const bool outside = e.y[i] > w.upl[i] || e.y[i] < w.lpl[i];
    const bool ok = same(r.y[k], e.y[i]) && same(r.cl[k], w.mean[i]) && same(r.lcl[k], w.lpl[i]) &&
                    same(r.ucl[k], w.upl[i]) && std::isnan(r.lcl_95[k]) && std::isnan(r.ucl_95[k]) &&
                    r.part[k] == w.period[i] && r.baseline[k] == baseline && r.include[k] == 1 &&
                    r.sigma_signal[k] == outside && r.cause[k] == w.cause[i] && r.type[k] == w.type[i] &&
                    r.fired[k] == e.fired[i] && r.label[k] == e.label[i] && r.direction[k] == e.direction[i];
    if (!ok) {
      ++bad;
      MESSAGE("series " << s << " point " << i + 1 << " differs from mdc_chart");
    }
  }
  const std::size_t from = r.summary.part_offsets[s], to = r.summary.part_offsets[s + 1];
  if (to - from != w.periods.size()) {
    MESSAGE("series " << s << ": " << to - from << " summary rows, mdc_chart has " << w.periods.size() << " periods");
    return bad + 1;
  }
  for (std::size_t k = 0; k < w.periods.size(); ++k) {
    const mdc_period& p = w.periods[k];
    const series_part& row = r.summary.parts[from + k];
    const std::size_t len = p.last - p.first + 1;
    std::int32_t outside = 0;
    for (std::size_t i = p.first; i <= p.last; ++i) outside += e.y[i] > p.upl || e.y[i] < p.lpl;
    const bool ok =
        row.series == s && row.summary.part == p.period && row.summary.first == p.first &&
        row.summary.last == p.last && row.n_points == len && same(row.summary.cl, p.mean) &&
        same(row.summary.lcl, p.lpl) && same(row.summary.ucl, p.upl) && row.summary.n_sigma_signals == outside &&
        same(row.last_y, e.y[p.last]) && same(r.summary.periods[from + k], p) &&
        same(r.summary.rules[from + k], e.periods[k]) &&
        row_rules_match(row, e.periods[k], std::span(e.y).subspan(p.first, len),
                        std::span(e.label).subspan(p.first, len), std::span(e.direction).subspan(p.first, len));
    if (!ok) {
      ++bad;
      MESSAGE("series " << s << " period " << k + 1 << ": summary differs from mdc_chart");
    }
  }
  return bad;
}

// The rule variants the tests cycle through.
std::vector<batch_rules> rule_variants() {
  std::vector<batch_rules> v(7);
  v[1].rules = rules_of_list("sigma3,anhoej,ihi,we,nelson,mdc");
  v[2].rules = rules_of_list("anhoej,we");
  v[3].rules = rules_of_list("ihi");
  v[4].rules = rules_of_list("nelson,sigma3");
  v[5].rules = rules_of_list("mdc");
  v[5].rules.mdc.trend = 6;
  v[5].rules.mdc.two_in_three = two_in_three_policy::beyond_2sigma;
  v[6].rules = rules_of_list("we2,nelson7,ihi_shift");
  return v;  // v[0]: no rules
}

}  // namespace

TEST_CASE("batch: rules on every golden case equal spc::apply_rules on spc::qic, for 1 and 3 threads") {
  const assembled a = golden_batch();
  const std::vector<batch_rules> variants = rule_variants();
  // Every golden case with every rule set at once, then with a rule variant per case.
  for (int mixed : {0, 1}) {
    std::vector<batch_rules> rules(a.sets.size());
    for (std::size_t k = 0; k < rules.size(); ++k) rules[k] = mixed ? variants[k % variants.size()] : variants[1];
    for (int threads : {1, 3}) {
      CAPTURE(mixed);
      CAPTURE(threads);
      batch_options bo = a.options(threads);
      bo.rules = rules;
      const batch_result r = qic_batch(a.input(), bo);
      CHECK(r.summary.problems.empty());
      CHECK(check_all(a, r) == 0);  // the charts are unchanged by the rules
      REQUIRE(r.fired.size() == a.y.size());
      CHECK(r.cause.empty());
      REQUIRE(r.summary.rules.size() == r.summary.parts.size());
      CHECK(r.summary.periods.empty());
      int bad = 0;
      for (std::size_t s = 0; s < a.sets.size(); ++s) bad += check_series_rules(a, r, s, &rules[s]);
      CHECK(bad == 0);
      // Summary-only: the same rows.
      const batch_result brief = qic_batch(a.input(), bo, false);
      CHECK(brief.fired.empty());
      REQUIRE(brief.summary.rules.size() == r.summary.rules.size());
      int differ = 0;
      for (std::size_t k = 0; k < r.summary.rules.size(); ++k) {
        const series_part &x = r.summary.parts[k], &z = brief.summary.parts[k];
        differ += !same(r.summary.rules[k], brief.summary.rules[k]) || x.rules_fired != z.rules_fired ||
                  x.n_rule_points != z.n_rule_points || x.last_rule != z.last_rule ||
                  x.last_variation != z.last_variation;
      }
      CHECK(differ == 0);
    }
  }
}

TEST_CASE("batch: the Making Data Count mode equals mdc_chart on every golden mdc case, for 1 and 3 threads") {
  const auto& cases = test::mdc_golden_cases();
  REQUIRE(cases.size() == 80);
  assembled a;
  std::vector<batch_rules> rules;
  for (const auto& g : cases) {
    a.add(g.value, {}, {}, chart(chart_type::i));
    batch_rules br;
    br.mdc = g.options;
    rules.push_back(br);
  }
  // The same cases again with other rules on top of the MDC rules (spc chart --rules mdc,...).
  const std::vector<const char*> others = {"we,ihi", "anhoej,nelson", "sigma3"};
  for (std::size_t k = 0; k < cases.size(); ++k) {
    a.add(cases[k].value, {}, {}, chart(chart_type::i));
    batch_rules br = rules[k];
    br.rules = rules_of_list(others[k % others.size()]);
    rules.push_back(br);
  }
  for (int threads : {1, 3}) {
    CAPTURE(threads);
    batch_options bo = a.options(threads);
    bo.rules = rules;
    const batch_result r = qic_batch(a.input(), bo);
    CHECK(r.summary.problems.empty());
    REQUIRE(r.cause.size() == a.y.size());
    REQUIRE(r.summary.periods.size() == r.summary.parts.size());
    int bad = 0;
    for (std::size_t s = 0; s < rules.size(); ++s) bad += check_series_mdc(a, r, s, rules[s], false);
    CHECK(bad == 0);
    // And against the golden files: the period of each point, the limits, the special causes and
    // point types, and the variation (the last period with a value) and assurance (the last period)
    // of each series.
    int golden = 0;
    for (std::size_t s = 0; s < cases.size(); ++s) {
      const auto& g = cases[s];
      for (std::size_t i = 0; i < g.points.size(); ++i) {
        const std::size_t k = a.offsets[s] + i;
        const auto& w = g.points[i];
        golden += r.part[k] - 1 != w.rebase_group || !test::close(r.cl[k], w.mean) ||
                  !test::close(r.lcl[k], w.lpl) || !test::close(r.ucl[k], w.upl) ||
                  ptd_label(r.cause[k]) != w.cause || ptd_label(r.type[k]) != w.type;
      }
      point_type variation = point_type::common_cause;
      for (std::size_t k = r.summary.part_offsets[s]; k < r.summary.part_offsets[s + 1]; ++k)
        if (r.summary.periods[k].n_points > r.summary.periods[k].n_missing) variation = r.summary.periods[k].variation;
      golden += ptd_label(variation) != g.variation ||
                to_string(r.summary.periods[r.summary.part_offsets[s + 1] - 1].assurance) != g.assurance;
    }
    CHECK(golden == 0);
    // Summary-only: the same periods and rules.
    const batch_result brief = qic_batch(a.input(), bo, false);
    REQUIRE(brief.summary.parts.size() == r.summary.parts.size());
    int differ = 0;
    for (std::size_t k = 0; k < r.summary.parts.size(); ++k)
      differ += !same(brief.summary.periods[k], r.summary.periods[k]) ||
                !same(brief.summary.rules[k], r.summary.rules[k]) ||
                !same(brief.summary.parts[k].summary, r.summary.parts[k].summary) ||
                brief.summary.parts[k].last_variation != r.summary.parts[k].last_variation;
    CHECK(differ == 0);
  }
}

TEST_CASE("batch: chart types, rule sets and the MDC mode mixed, independent of the thread count") {
  assembled a = mixed_batch(1500, 99);
  std::mt19937_64 rng(5);
  const std::vector<batch_rules> variants = rule_variants();
  std::vector<batch_rules> rules(a.sets.size());
  for (std::size_t k = 0; k < rules.size(); ++k) rules[k] = variants[rng() % variants.size()];
  // MDC series of ratios, with rebases (one at position 1: no new period), fix_after, targets,
  // other rules, gaps; one with a rebase beyond its series (it fails alone) and one empty.
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::size_t first_mdc = a.sets.size();
  for (std::size_t k = 0; k < 60; ++k) {
    const std::size_t m = k == 59 ? 0 : 5 + rng() % 40;
    std::vector<double> y(m), n(m);
    for (std::size_t i = 0; i < m; ++i) {
      n[i] = std::floor(20 + 50 * unit(rng));
      y[i] = unit(rng) < 0.05 ? na : std::floor(n[i] * (0.2 + 0.3 * unit(rng) + (i > m / 2 ? 0.2 : 0.0)));
    }
    a.add(y, n, {}, chart(chart_type::i));
    batch_rules br;
    br.mdc.emplace();
    br.mdc->direction = static_cast<improvement_direction>(k % 3);
    if (m > 10 && k % 4 == 1) br.mdc->rebase = {m / 2};
    if (m > 10 && k % 4 == 2) br.mdc->rebase = {1, m / 3, 2 * m / 3};
    if (k == 7) br.mdc->rebase = {m + 5};  // beyond the series: fails alone
    if (m >= 30 && k % 5 == 0) br.mdc->fix_after_n_points = 12;
    if (k % 2 == 0) br.mdc->target = 0.4;
    br.mdc->screen_outliers = k % 7 != 0;
    if (k % 3 == 0) br.rules = rules_of_list("we,ihi,anhoej");
    rules.push_back(br);
  }
  for (int threads : {1, 2, 4}) {
    CAPTURE(threads);
    batch_options bo = a.options(threads, true);
    bo.rules = rules;
    const batch_result r = qic_batch(a.input(), bo);
    REQUIRE(r.summary.problems.size() == 1);
    CHECK(r.summary.problems[0].series == first_mdc + 7);
    CHECK(r.summary.problems[0].error.argument() == "rebase");
    int bad = 0;
    for (std::size_t s = 0; s < rules.size(); ++s) {
      if (r.summary.status[s] != series_status::ok) continue;
      if (s < first_mdc) {
        bad += check_series(a, r, s, true);
        bad += check_series_rules(a, r, s, &rules[s], true);
      } else {
        bad += check_series_mdc(a, r, s, rules[s], true);
      }
    }
    CHECK(bad == 0);
    // The failed series: missing points, no rules, no rows.
    const std::size_t f = first_mdc + 7;
    CHECK(r.summary.part_offsets[f] == r.summary.part_offsets[f + 1]);
    for (std::size_t k = a.offsets[f]; k < a.offsets[f + 1]; ++k)
      CHECK((std::isnan(r.y[k]) && r.part[k] == 0 && r.fired[k] == 0 && r.label[k] == rule::none &&
             r.cause[k] == special_cause::none && r.type[k] == point_type::common_cause));
    // Non-MDC series have no special cause.
    for (std::size_t k = 0; k < a.offsets[first_mdc]; ++k)
      CHECK((r.cause[k] == special_cause::none && r.type[k] == point_type::common_cause));
  }
  batch_options one = a.options(1, true), many = a.options(4, true);
  one.rules = rules;
  many.rules = rules;
  const batch_result x = qic_batch(a.input(), one), z = qic_batch(a.input(), many);
  CHECK(std::memcmp(x.y.data(), z.y.data(), x.y.size() * sizeof(double)) == 0);
  CHECK(std::memcmp(x.ucl.data(), z.ucl.data(), x.ucl.size() * sizeof(double)) == 0);
  CHECK(x.fired == z.fired);
  CHECK(x.label == z.label);
  CHECK(x.direction == z.direction);
  CHECK(x.cause == z.cause);
  CHECK(x.type == z.type);
  CHECK(x.summary.part_offsets == z.summary.part_offsets);
  REQUIRE(x.summary.rules.size() == z.summary.rules.size());
  for (std::size_t k = 0; k < x.summary.rules.size(); ++k) {
    CHECK(same(x.summary.rules[k], z.summary.rules[k]));
    CHECK(same(x.summary.periods[k], z.summary.periods[k]));
  }
}

TEST_CASE("batch: malformed rule and MDC options throw input_error") {
  const std::vector<double> y = {1, 2, 3, 4, 5, 6};
  const std::vector<std::size_t> offsets = {0, 3, 6};
  const batch_input in{y, {}, {}, offsets};
  const chart_options i = chart(chart_type::i), p = chart(chart_type::p), frozen = chart(chart_type::i, 2);
  auto run = [&](const chart_options& o, const batch_rules& br) {
    batch_options bo = with_sets({&o, 1});
    bo.rules = {&br, 1};
    return qic_batch(in, bo);
  };
  batch_rules mdc;
  mdc.mdc.emplace();
  CHECK_NOTHROW(run(i, mdc));
  CHECK_THROWS_AS(run(p, mdc), input_error);       // not an I chart
  CHECK_THROWS_AS(run(frozen, mdc), input_error);  // freeze in the MDC mode
  batch_rules fix = mdc;
  fix.mdc->fix_after_n_points = 5;
  CHECK_THROWS_AS(run(i, fix), input_error);
  batch_rules unordered = mdc;
  unordered.mdc->rebase = {3, 2};
  CHECK_THROWS_AS(run(i, unordered), input_error);
  batch_rules zero = mdc;
  zero.mdc->rebase = {0};
  CHECK_THROWS_AS(run(i, zero), input_error);
  batch_rules short_run;
  short_run.rules = rules_of_list("we");
  short_run.rules.we.run = 1;
  CHECK_THROWS_AS(run(i, short_run), input_error);
  // Rules for another number of option sets.
  const std::vector<batch_rules> two(2);
  batch_options bo = with_sets({&i, 1});
  bo.rules = two;
  CHECK_THROWS_AS(qic_batch(in, bo), input_error);
  // A rule column of the wrong size.
  std::vector<rule_mask> fired(2);
  batch_summary sum;
  bo.rules = {&mdc, 1};
  CHECK_THROWS_AS(qic_batch_into(in, bo, chart_columns{}, batch_rule_columns{fired, {}, {}, {}, {}}, sum), input_error);
  // A rebase within one series and beyond the other fails that one only.
  batch_rules beyond = mdc;
  beyond.mdc->rebase = {2};
  const std::vector<std::size_t> uneven = {0, 1, 6};
  bo.rules = {&beyond, 1};
  const batch_result r = qic_batch(batch_input{y, {}, {}, uneven}, bo);
  REQUIRE(r.summary.problems.size() == 1);
  CHECK(r.summary.problems[0].series == 0);
  CHECK(r.summary.part_offsets == std::vector<std::size_t>{0, 0, 2});
}

// ---------------------------------------------------------------------------------------------
// io::csv_stream: the streaming reader of `spc batch` reads what io::read_csv reads
// ---------------------------------------------------------------------------------------------

namespace {

namespace fs = std::filesystem;

const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("spc_test_batch_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

struct scratch_removal {
  ~scratch_removal() {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path() / ("spc_test_batch_" + std::to_string(::getpid())), ec);
  }
} remove_scratch_at_exit;

fs::path write_file(const std::string& name, const std::string& text) {
  const fs::path p = scratch_dir() / name;
  std::ofstream(p, std::ios::binary) << text;
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("csv_stream: records across buffer refills, quotes, CR LF, blank lines, BOM") {
  const std::string text =
      "\xEF\xBB\xBFunit,\"label, quoted\",value\r\n"
      "A,\"x \"\"1\"\"\",1.5\r\n"
      "\r\n"
      "B,\"two\nlines\",\n"
      "\"C\",plain,NA\n"
      ",,3";  // no final line end
  const fs::path p = write_file("stream.csv", text);
  const io::csv_table want = io::read_csv(p.string());
  REQUIRE(want.rows == 4);
  for (std::size_t buffer : {1, 2, 3, 5, 8, 13, 64, 1 << 20}) {
    CAPTURE(buffer);
    io::csv_stream in(p.string(), buffer);
    CHECK(in.header() == want.header);
    std::size_t rows = 0;
    while (in.next()) {
      REQUIRE(rows < want.rows);
      REQUIRE(in.fields().size() == want.header.size());
      for (std::size_t k = 0; k < want.header.size(); ++k) CHECK(in.fields()[k] == want.cells[k][rows]);
      ++rows;
      CHECK(in.row() == rows);
    }
    CHECK(rows == want.rows);
    CHECK(in.bytes_read() == text.size());
  }
  io::csv_stream in(p.string(), 4);
  CHECK(in.column("value") == 2);
  CHECK_THROWS_AS(in.column("missing"), io::csv_error);
  CHECK_THROWS_AS(io::csv_stream((scratch_dir() / "no such file.csv").string()), io::csv_error);
  CHECK_THROWS_AS(io::csv_stream(write_file("empty.csv", "").string()), io::csv_error);
}

// ---------------------------------------------------------------------------------------------
// spc batch, run as a separate process
// ---------------------------------------------------------------------------------------------

#ifdef SPC_CLI_PATH

namespace {

struct run_result {
  int status = -1;
  std::string out, err;
};

run_result spc_run(const std::string& args) {
  static int counter = 0;
  const std::string id = std::to_string(counter++);
  const fs::path out = scratch_dir() / ("stdout_" + id), err = scratch_dir() / ("stderr_" + id);
  const std::string command = std::string("'") + SPC_CLI_PATH + "' " + args + " >'" + out.string() + "' 2>'" +
                              err.string() + "'";
  const int status = std::system(command.c_str());
  run_result r;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  CHECK_MESSAGE(r.err.find("Sanitizer") == std::string::npos, r.err);
  CHECK_MESSAGE(r.err.find("runtime error") == std::string::npos, r.err);
  return r;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

const std::string infections = std::string(SPC_EXAMPLES_DATA) + "/hospital_infections.csv";

}  // namespace

TEST_CASE("spc batch: every series equals spc chart on that series alone, text for text") {
  const fs::path points = scratch_dir() / "points.csv", summary = scratch_dir() / "summary.csv";
  const run_result r = spc_run("batch --input '" + infections + "' --by hospital,infection --x month --y n --n days "
                               "--chart u --output '" + points.string() + "' --summary '" + summary.string() + "'");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.empty());
  const io::csv_table data = io::read_csv(infections);
  const auto& hospital = data.cells[data.column("hospital")];
  const auto& infection = data.cells[data.column("infection")];
  const std::vector<std::string> out = lines_of(read_file(points));
  REQUIRE(out.size() == data.rows + 1);
  const std::vector<std::string> sum = lines_of(read_file(summary));
  std::size_t series = 0;
  for (std::size_t first = 0; first < data.rows;) {
    std::size_t last = first;
    while (last < data.rows && hospital[last] == hospital[first] && infection[last] == infection[first]) ++last;
    // The series alone, through spc chart.
    std::string csv = "month,n,days\n";
    for (std::size_t k = first; k < last; ++k)
      csv += data.cells[data.column("month")][k] + "," + data.cells[data.column("n")][k] + "," +
             data.cells[data.column("days")][k] + "\n";
    const fs::path one = write_file("one.csv", csv);
    const run_result c = spc_run("chart --chart u --input '" + one.string() + "' --x month --y n --n days");
    REQUIRE(c.status == 0);
    const std::vector<std::string> want = lines_of(c.out);
    const std::string prefix = hospital[first] + "," + infection[first] + ",";
    CHECK(out[0] == "hospital,infection," + want[0]);
    for (std::size_t k = first; k < last; ++k) CHECK(out[k + 1] == prefix + want[k - first + 1]);
    // One summary row (one part) per series, in the same order.
    REQUIRE(series + 1 < sum.size());
    CHECK(sum[series + 1].rfind(prefix + "1,1," + std::to_string(last - first) + ",", 0) == 0);
    CHECK(sum[series + 1].back() == ',');  // no error
    ++series;
    first = last;
  }
  CHECK(sum.size() == series + 1);
  // One summary layout for spc chart and spc batch: n_missing and n_excluded (once only in spc
  // chart's summary) are in both.
  CHECK(sum[0] == "hospital,infection,part,first,last,x_first,x_last,n_points,n_missing,n_excluded,cl,lcl,ucl,"
                  "n_sigma_signals,last_y,"
                  "last_sigma_signal,n_obs,n_useful,longest_run,longest_run_max,n_crossings,n_crossings_min,"
                  "runs_signal,error");
}

TEST_CASE("spc batch: rows of a series need not be next to each other (stable grouping)") {
  // The same file sorted by month first: series come in order of first appearance.
  const io::csv_table data = io::read_csv(infections);
  std::vector<std::size_t> order(data.rows);
  for (std::size_t k = 0; k < data.rows; ++k) order[k] = k;
  const auto& month = data.cells[data.column("month")];
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return month[a] < month[b]; });
  std::string csv = "hospital,infection,month,n,days\n";
  for (std::size_t k : order) {
    for (std::size_t c = 0; c < 5; ++c) csv += (c ? "," : "") + data.cells[c][k];
    csv += "\n";
  }
  const fs::path shuffled = write_file("by_month.csv", csv);
  const std::string args = " --by hospital,infection --x month --y n --n days --chart u --freeze 12";
  const run_result a = spc_run("batch --input '" + infections + "'" + args);
  const run_result b = spc_run("batch --input '" + shuffled.string() + "'" + args);
  REQUIRE(a.status == 0);
  REQUIRE(b.status == 0);
  CHECK(a.out == b.out);

  // A bad value in the regrouped file is named by its row in that file.
  std::vector<std::string> rows = lines_of(csv);
  const std::size_t bad = 40;  // data row 40 = line 41
  std::vector<std::string> cells;
  std::istringstream line(rows[bad]);
  for (std::string cell; std::getline(line, cell, ',');) cells.push_back(cell);
  rows[bad] = cells[0] + "," + cells[1] + "," + cells[2] + ",-1," + cells[4];
  std::string edited;
  for (const auto& r : rows) edited += r + "\n";
  const run_result c = spc_run("batch --input '" + write_file("by_month_bad.csv", edited).string() + "'" + args);
  CHECK(c.status == 1);
  CHECK(contains(c.err, "series hospital=" + cells[0] + ", infection=" + cells[1] +
                            ": row 40, column 'n': a count cannot be negative (-1) in a u chart"));
}

TEST_CASE("spc batch: a bad series is named with its row and column; the others are written") {
  std::string csv = "ward,month,events,patients\n";
  for (const char* ward : {"A", "B", "C", "D"})
    for (int m = 1; m <= 12; ++m) {
      std::string events = std::to_string(3 + m % 4), patients = "40";
      if (std::string(ward) == "B" && m == 5) events = "-2";      // file row 17
      if (std::string(ward) == "C" && m == 8) patients = "forty";  // file row 32
      if (std::string(ward) == "D" && m == 3) events = "50";       // above its denominator, row 39
      csv += std::string(ward) + ",2024-" + (m < 10 ? "0" : "") + std::to_string(m) + "," + events + "," + patients + "\n";
    }
  const fs::path in = write_file("bad.csv", csv);
  const fs::path summary = scratch_dir() / "bad_summary.csv";
  const run_result r = spc_run("batch --input '" + in.string() + "' --by ward --x month --y events --n patients "
                               "--chart p --summary '" + summary.string() + "' --output -");
  CHECK(r.status == 1);
  CHECK(contains(r.err, "series ward=B: row 17, column 'events': a count cannot be negative"));
  CHECK(contains(r.err, "series ward=C: row 32, column 'patients': 'forty' is not a number"));
  CHECK(contains(r.err, "series ward=D: row 39, column 'events': the numerator 50 is above its denominator 40"));
  CHECK(contains(r.err, "1 of 4 series charted, 3 could not be"));
  const std::vector<std::string> out = lines_of(r.out);
  CHECK(out.size() == 1 + 12);  // only ward A
  for (std::size_t k = 1; k < out.size(); ++k) CHECK(out[k].rfind("A,", 0) == 0);
  const std::vector<std::string> sum = lines_of(read_file(summary));
  REQUIRE(sum.size() == 5);
  CHECK(sum[1].rfind("A,1,1,12,2024-01,2024-12,12,", 0) == 0);
  // The group, 21 empty cells (part to runs_signal), and the error (quoted: it holds commas).
  CHECK(sum[2] == "B" + std::string(22, ',') + "\"row 17, column 'events': a count cannot be negative (-2) in a p chart\"");
  CHECK(contains(sum[3], "'forty' is not a number"));
}

TEST_CASE("spc batch: options per series, summary only, usage errors") {
  std::string csv = "unit,y\n";
  for (int k = 0; k < 20; ++k) csv += "long," + std::to_string(10 + (k * 7) % 5) + "\n";
  for (int k = 0; k < 5; ++k) csv += "short," + std::to_string(10 + k) + "\n";
  const fs::path in = write_file("lengths.csv", csv);
  // A freeze beyond a short series fails that series only.
  const run_result r = spc_run("batch --input '" + in.string() + "' --by unit --y y --chart i --freeze 10 --summary -");
  CHECK(r.status == 1);
  CHECK(contains(r.err, "series unit=short: option --freeze: 10 is beyond the series, which has 5 points"));
  const std::vector<std::string> sum = lines_of(r.out);  // summary only: no per-point rows
  REQUIRE(sum.size() == 3);
  CHECK(sum[0].rfind("unit,part,first,last,n_points,", 0) == 0);
  CHECK(sum[1].rfind("long,1,1,20,20,", 0) == 0);
  CHECK(sum[2].rfind("short,,,", 0) == 0);

  // Series come in order of first appearance, sorted or not, next to each other or not.
  const fs::path unsorted = write_file("unsorted.csv", "g,y\nb,1\nb,2\na,3\na,4\nc,5\nb,6\n");
  const run_result order = spc_run("batch --input '" + unsorted.string() + "' --by g --y y --chart run --summary -");
  REQUIRE(order.status == 0);
  const std::vector<std::string> groups = lines_of(order.out);
  REQUIRE(groups.size() == 4);
  CHECK(groups[1].rfind("b,1,1,3,3,", 0) == 0);  // rows 1, 2 and 6
  CHECK(groups[2].rfind("a,1,1,2,2,", 0) == 0);
  CHECK(groups[3].rfind("c,1,1,1,1,", 0) == 0);

  // Usage errors exit with 2 and name the option; data errors with 1.
  const std::string base = "batch --input '" + in.string() + "' --by unit --y y";
  const run_result no_n = spc_run(base + " --chart p");
  CHECK(no_n.status == 2);
  CHECK(contains(no_n.err, "--n"));
  const run_result no_chart = spc_run(base);
  CHECK(no_chart.status == 2);
  const run_result no_column = spc_run("batch --input '" + in.string() + "' --by ward --y y --chart i");
  CHECK(no_column.status == 1);
  CHECK(contains(no_column.err, "missing column 'ward'"));
  const run_result same_file = spc_run(base + " --chart i --output - --summary -");
  CHECK(same_file.status == 2);
  const run_result help = spc_run("batch --help");
  CHECK(help.status == 0);
  for (const char* option : {"--by", "--x", "--y", "--n", "--chart", "--freeze", "--parts", "--exclude", "--cl",
                             "--method", "--no-screen", "--output", "--summary", "--threads"})
    CHECK_MESSAGE(contains(help.out, option), "batch --help should mention " << option);
}

namespace {

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) cells.push_back(cell);
  if (!line.empty() && line.back() == ',') cells.emplace_back();
  return cells;
}

// Runs `spc batch ARGS` on the infections file and `spc chart ARGS` on each of its series alone,
// and checks that every series' rows and summary rows carry the same text, column for column.
// The batch has a column for every rule that fired anywhere in the batch, spc chart for every
// rule that fired in its series: a column spc chart does not have must be false throughout.
void check_batch_against_chart(const std::string& args, bool mdc) {
  const fs::path points = scratch_dir() / "rules_points.csv", summary = scratch_dir() / "rules_summary.csv";
  const run_result r = spc_run("batch --input '" + infections + "' --by hospital,infection --x month --y n --n days " +
                               args + " --output '" + points.string() + "' --summary '" + summary.string() + "'");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const io::csv_table data = io::read_csv(infections);
  const auto& hospital = data.cells[data.column("hospital")];
  const auto& infection = data.cells[data.column("infection")];
  const std::vector<std::string> out = lines_of(read_file(points)), sum = lines_of(read_file(summary));
  REQUIRE(out.size() == data.rows + 1);
  const std::vector<std::string> out_header = cells_of(out[0]), sum_header = cells_of(sum[0]);
  auto index = [](const std::vector<std::string>& header) {
    std::map<std::string, std::size_t> at;
    for (std::size_t k = 0; k < header.size(); ++k) at[header[k]] = k;
    return at;
  };
  const auto out_at = index(out_header), sum_at = index(sum_header);
  CHECK(sum_header.back() == "error");
  std::size_t sum_row = 1, series = 0, compared = 0;
  for (std::size_t first = 0; first < data.rows; ++series) {
    std::size_t last = first;
    while (last < data.rows && hospital[last] == hospital[first] && infection[last] == infection[first]) ++last;
    std::string csv = "month,n,days\n";
    for (std::size_t k = first; k < last; ++k)
      csv += data.cells[data.column("month")][k] + "," + data.cells[data.column("n")][k] + "," +
             data.cells[data.column("days")][k] + "\n";
    const fs::path one = write_file("one_rules.csv", csv), one_points = scratch_dir() / "one_points.csv",
                   one_summary = scratch_dir() / "one_summary.csv";
    const run_result c = spc_run("chart --input '" + one.string() + "' --x month --y n --n days " + args +
                                 " --output '" + one_points.string() + "' --summary '" + one_summary.string() + "'");
    REQUIRE(c.status == 0);
    const std::vector<std::string> want = lines_of(read_file(one_points)), want_sum = lines_of(read_file(one_summary));
    const std::vector<std::string> want_header = cells_of(want[0]), want_sum_header = cells_of(want_sum[0]);
    CAPTURE(series);
    // Points: the group columns, then every column of spc chart with its text; the batch's other
    // rule columns false.
    for (std::size_t k = first; k < last; ++k) {
      const std::vector<std::string> got = cells_of(out[k + 1]), w = cells_of(want[k - first + 1]);
      REQUIRE(got.size() == out_header.size());
      CHECK(got[0] == hospital[first]);
      CHECK(got[1] == infection[first]);
      std::size_t matched = 0;
      for (std::size_t col = 0; col < want_header.size(); ++col) {
        REQUIRE(out_at.count(want_header[col]) == 1);
        CHECK_MESSAGE(got[out_at.at(want_header[col])] == w[col], want_header[col] << " at row " << k + 1);
        ++matched;
      }
      for (std::size_t col = 2; col < out_header.size(); ++col)
        if (std::find(want_header.begin(), want_header.end(), out_header[col]) == want_header.end())
          CHECK_MESSAGE(got[col] == "false", out_header[col] << " at row " << k + 1);
      compared += matched;
    }
    // Summary: one row per part (period); every column both have is the same text, and the
    // batch has every column spc chart's summary has (MDC: exactly those, then error).
    for (std::size_t row = 1; row < want_sum.size(); ++row, ++sum_row) {
      REQUIRE(sum_row < sum.size());
      const std::vector<std::string> got = cells_of(sum[sum_row]), w = cells_of(want_sum[row]);
      REQUIRE(got.size() == sum_header.size());
      CHECK(got[0] == hospital[first]);
      CHECK(got.back().empty());  // no error
      for (std::size_t col = 0; col < want_sum_header.size(); ++col) {
        const std::string& name = want_sum_header[col];
        if (!mdc && (name == "n_missing" || name == "n_excluded")) continue;  // not in a batch summary
        REQUIRE_MESSAGE(sum_at.count(name) == 1, name);
        CHECK_MESSAGE(got[sum_at.at(name)] == w[col], name << " in summary row " << sum_row);
      }
    }
    first = last;
  }
  CHECK(sum_row == sum.size());
  CHECK(compared >= data.rows * (mdc ? 11 : 21));
  if (mdc) {
    std::vector<std::string> want_columns = {"hospital", "infection", "period", "first", "last", "x_first", "x_last"};
    CHECK(std::equal(want_columns.begin(), want_columns.end(), sum_header.begin()));
  } else {
    CHECK(sum_header[sum_header.size() - 3] == "last_rule");
    CHECK(sum_header[sum_header.size() - 2] == "variation");
  }
}

}  // namespace

TEST_CASE("spc batch --rules: every series equals spc chart --rules on that series alone, text for text") {
  check_batch_against_chart("--chart u --rules anhoej,we,ihi,nelson,sigma3 --parts 12", false);
  check_batch_against_chart("--chart p --rules mdc,ihi --trend-points 6 --two-in-three beyond_2sigma", false);
}

TEST_CASE("spc batch --rules mdc: every series equals spc chart's Making Data Count mode, text for text") {
  check_batch_against_chart("--chart i --rules mdc --improvement decrease --target 0.0008", true);
  check_batch_against_chart(
      "--chart i --rules mdc,we,ihi --improvement increase --target 0.0005 --rebase 13 --trend-points 6 "
      "--shift-points 6 --two-in-three beyond_2sigma --no-screen",
      true);
  check_batch_against_chart("--chart i --rules mdc --improvement neutral --fix-after 12", true);
}

TEST_CASE("spc batch --rules: last rule and variation, usage errors, a rebase beyond a series") {
  // A shift upwards at the end of one series, none in the other.
  std::string csv = "unit,y\n";
  for (int k = 0; k < 20; ++k) csv += "up," + std::to_string(k < 12 ? 10 + (k * 7) % 3 : 20 + k % 2) + "\n";
  for (int k = 0; k < 20; ++k) csv += "flat," + std::to_string(10 + (k * 7) % 5) + "\n";
  for (int k = 0; k < 8; ++k) csv += "short," + std::to_string(10 + k % 3) + "\n";
  const fs::path in = write_file("shift.csv", csv);
  const std::string base = "batch --input '" + in.string() + "' --by unit --y y";
  const run_result r = spc_run(base + " --chart i --rules we --summary -");
  REQUIRE(r.status == 0);
  const std::vector<std::string> sum = lines_of(r.out);
  REQUIRE(sum.size() == 4);
  CHECK(contains(sum[1], ",we1,special_cause_high,"));
  CHECK(contains(sum[2], ",none,common_cause,"));

  // The MDC mode: a rebase beyond a series fails that series alone.
  const run_result m = spc_run(base + " --chart i --rules mdc --improvement increase --rebase 10 --summary -");
  CHECK(m.status == 1);
  CHECK(contains(m.err, "series unit=short: option --rebase: position 10 is not between 1 and 8"));
  const std::vector<std::string> periods = lines_of(m.out);
  REQUIRE(periods.size() == 1 + 2 + 2 + 1);
  CHECK(periods[1].rfind("up,1,1,9,", 0) == 0);
  CHECK(periods[2].rfind("up,2,10,20,", 0) == 0);
  CHECK(contains(periods[2], ",improvement,"));
  CHECK(periods[5].rfind("short,,,", 0) == 0);

  // Usage errors, with spc chart's messages.
  const auto usage = [&](const std::string& args, const std::string& message) {
    const run_result u = spc_run(base + " " + args);
    CHECK_MESSAGE(u.status == 2, args);
    CHECK_MESSAGE(contains(u.err, message), args << ": " << u.err);
  };
  usage("--chart i --rules nonsense", "--rules: 'nonsense' is not a rule set or a rule");
  usage("--chart i --rules mdc", "option --improvement");
  usage("--chart i --rules we --improvement increase", "option --improvement: only in the Making Data Count mode");
  usage("--chart p --rules mdc --improvement increase --n y", "not --chart p");
  usage("--chart i --rules mdc --improvement increase --freeze 5", "option --freeze: not in the Making Data Count mode");
  usage("--chart i --rules mdc --improvement increase --rebase 5,3", "option --rebase: positions must be strictly increasing");
  usage("--chart i --rules mdc --improvement increase --fix-after 5", "--fix-after");
  usage("--chart i --rules we --trend-points 6", "option --trend-points");
  usage("--chart run --rules sigma3,we2", "option --rules: sigma3, we2 need control limits");
  const run_result help = spc_run("batch --help");
  for (const char* option : {"--rules", "--improvement", "--target", "--rebase", "--fix-after", "--two-in-three",
                             "--trend-points", "--shift-points"})
    CHECK_MESSAGE(contains(help.out, option), "batch --help should mention " << option);
  const run_result top = spc_run("--help");
  CHECK(top.status == 0);
  CHECK(contains(top.out, "batch"));
}

#endif  // SPC_CLI_PATH
