// The batch engine against the single-series API: every golden case in one batch, mixed chart
// types and options, edge-case series, bad series, thread counts.
#include <doctest/doctest.h>

#include <bit>
#include <cstring>
#include <random>

#include "golden.hpp"
#include "spc/batch.hpp"

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
    const auto chart = static_cast<chart_type>(rng() % chart_type_count);
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
  // Random data may hold a few invalid series (e.g. a t chart value of 0 is impossible here, but
  // freeze and parts are drawn within range), so the counts are checked, not assumed zero.
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
  CHECK_THROWS_AS(compute_batch({y, {}, {}, good}, opts, chart_columns{too_short, {}, {}, {}, {}, {}, {}, {}, {}, {}}, sum), input_error);
  // No series at all is a valid, empty batch.
  const std::vector<double> nothing;
  const std::vector<std::size_t> zero = {0};
  const batch_result empty = run({nothing, {}, {}, zero}, opts);
  CHECK(empty.summary.parts.empty());
  CHECK(empty.summary.part_offsets == std::vector<std::size_t>{0});
}
