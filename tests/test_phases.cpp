// Automatic phases (spc/phases.hpp, phases.md): every case of the golden suite agrees through the
// library, the batch engine and the command line (phase boundaries exactly, centre lines to 1e-9);
// the hand-worked examples of phases.md §7 as named tests; the false-proposal rate on in-control
// series by simulation; bad options refused naming the option.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.hpp"
#include "golden.hpp"
#include "phases_golden.hpp"
#include "spc/batch.hpp"
#include "spc/mdc.hpp"
#include "spc/phases.hpp"

using namespace spc;
using test::phase_golden_case;

namespace {

chart_options chart_of(chart_type c) {
  chart_options o;
  o.chart = c;
  return o;
}

// --- Comparing with the golden suite --------------------------------------------------------------

// The expected per-point part and centre line, and the expected phases (first, last, cl, reason;
// for the unit-level comparison also evidence, statistic and limit), against what was computed.
struct computed_phases {
  std::vector<std::int32_t> part;
  std::vector<double> cl;
  std::vector<phase_proposal> phases;  // with the phase's centre line in `cl` for every method
};

int compare(const phase_golden_case& g, const computed_phases& c, bool evidence, bool notes) {
  int bad = 0;
  auto report = [&](const std::string& what) {
    ++bad;
    MESSAGE("case " << g.id << ": " << what);
  };
  if (c.part.size() != g.y.size() || c.cl.size() != g.y.size()) {
    report("wrong number of points");
    return bad;
  }
  for (std::size_t i = 0; i < g.y.size(); ++i) {
    if (c.part[i] != g.part[i])
      report("point " + std::to_string(i + 1) + " part " + std::to_string(c.part[i]) + ", want " +
             std::to_string(g.part[i]));
    if (!test::close(c.cl[i], g.cl[i]))
      report("point " + std::to_string(i + 1) + " cl " + std::to_string(c.cl[i]) + ", want " + std::to_string(g.cl[i]));
  }
  if (c.phases.size() != g.expected.size()) {
    report(std::to_string(c.phases.size()) + " phases, want " + std::to_string(g.expected.size()));
    return bad;
  }
  for (std::size_t k = 0; k < c.phases.size(); ++k) {
    const phase_proposal& p = c.phases[k];
    const test::golden_phase& w = g.expected[k];
    const std::string at = "phase " + std::to_string(k + 1) + " ";
    if (p.first + 1 != w.first || p.last + 1 != w.last)
      report(at + "points " + std::to_string(p.first + 1) + "-" + std::to_string(p.last + 1) + ", want " +
             std::to_string(w.first) + "-" + std::to_string(w.last));
    if (!test::close(p.cl, w.cl)) report(at + "cl " + std::to_string(p.cl) + ", want " + std::to_string(w.cl));
    if (to_string(p.reason) != w.reason) report(at + "reason " + std::string(to_string(p.reason)) + ", want " + w.reason);
    if (!evidence) continue;
    const auto pos = [](std::size_t v) {
      return v == phase_proposal::npos ? std::optional<std::size_t>() : std::optional<std::size_t>(v + 1);
    };
    if (pos(p.evidence_first) != w.evidence_first || pos(p.evidence_last) != w.evidence_last)
      report(at + "evidence differs");
    if (!g.runcharter && (!test::close(p.statistic, w.statistic, 1e-9) || !test::close(p.limit, w.limit, 1e-9)))
      report(at + "statistic " + std::to_string(p.statistic) + " / limit " + std::to_string(p.limit) + ", want " +
             std::to_string(w.statistic) + " / " + std::to_string(w.limit));
  }
  if (notes) {
    // The golden files carry every note on the last row; spc puts a note on the phase where it
    // applies (phases.md §8.1). The notes must agree as a set, word for word.
    std::multiset<std::string> want, got;
    for (const auto& w : g.expected)
      if (!w.notes.empty()) want.insert(w.notes);
    for (const auto& p : c.phases)
      if (!p.note.empty()) got.insert(to_string(p.note));
    if (want != got) {
      std::string text;
      for (const auto& n : got) text += " [" + n + "]";
      report("notes differ:" + text);
    }
  }
  return bad;
}

// The golden case through the library: qic_phased (the MDC mode: the proposals as the rebase
// positions of mdc_chart).
computed_phases through_library(const phase_golden_case& g) {
  computed_phases c;
  if (g.mdc()) {
    c.phases = propose_phases(g.series(), g.chart_options_(), g.phases);
    mdc_options mo;
    mo.direction = *parse_improvement_direction(g.improvement);
    mo.rebase = rebase_of(c.phases);
    const mdc_result r = mdc_chart(g.y, mo);
    c.part = r.period;
    c.cl = r.mean;
    for (std::size_t k = 0; k < c.phases.size(); ++k) c.phases[k].cl = r.periods[k].mean;
    return c;
  }
  const phased_chart r = qic_phased(g.series(), g.chart_options_(), g.phases);
  c.part = r.chart.part;
  c.cl = r.chart.cl;
  c.phases = r.phases;
  for (std::size_t k = 0; k < c.phases.size(); ++k) c.phases[k].cl = r.chart.parts[k].cl;
  return c;
}

}  // namespace

TEST_CASE("phases golden: every anhoej and changepoint case agrees through the library") {
  const auto& cases = test::auto_phase_cases();
  REQUIRE(cases.size() == 38);
  int bad = 0;
  for (const auto& g : cases) bad += compare(g, through_library(g), true, true);
  CHECK(bad == 0);
}

TEST_CASE("phases golden: every runcharter case agrees through the library") {
  const auto& cases = test::runcharter_phase_cases();
  REQUIRE(cases.size() == 27);
  int bad = 0;
  for (const auto& g : cases) {
    if (g.expect_error) {
      CHECK_THROWS_AS(qic_phased(g.series(), g.chart_options_(), g.phases), input_error);
      continue;
    }
    bad += compare(g, through_library(g), true, true);
  }
  CHECK(bad == 0);
}

namespace {

// Every case of `cases` (none in the MDC mode) as one series of one batch, each with its own
// option set and phase options, computed in `threads` threads.
struct phased_batch {
  std::vector<double> y, n;
  std::vector<std::size_t> offsets{0};
  std::vector<chart_options> sets;
  std::vector<std::optional<phase_options>> phases;
  std::vector<const phase_golden_case*> of_series;
  batch_result result;

  phased_batch(const std::vector<const phase_golden_case*>& cases, int threads, bool per_point = true) {
    for (const phase_golden_case* g : cases) {
      y.insert(y.end(), g->y.begin(), g->y.end());
      if (g->n.empty())
        n.insert(n.end(), g->y.size(), 1.0);
      else
        n.insert(n.end(), g->n.begin(), g->n.end());
      offsets.push_back(y.size());
      sets.push_back(g->chart_options_());
      phases.emplace_back(g->phases);
      of_series.push_back(g);
    }
    batch_input in{.y = y, .n = n, .offsets = offsets};
    batch_options o{.sets = sets, .threads = threads, .phases = phases};
    result = qic_batch(in, o, per_point);
  }

  computed_phases series(std::size_t s) const {
    computed_phases c;
    const std::size_t a = offsets[s], b = offsets[s + 1];
    if (!result.part.empty()) {
      c.part.assign(result.part.begin() + static_cast<std::ptrdiff_t>(a), result.part.begin() + static_cast<std::ptrdiff_t>(b));
      c.cl.assign(result.cl.begin() + static_cast<std::ptrdiff_t>(a), result.cl.begin() + static_cast<std::ptrdiff_t>(b));
    }
    const batch_summary& sum = result.summary;
    for (std::size_t k = sum.part_offsets[s]; k < sum.part_offsets[s + 1]; ++k) {
      phase_proposal p = sum.phases[k];
      CHECK(p.first == sum.parts[k].summary.first);
      CHECK(p.last == sum.parts[k].summary.last);
      p.cl = sum.parts[k].summary.cl;
      c.phases.push_back(p);
    }
    return c;
  }
};

std::vector<const phase_golden_case*> golden_series(bool runcharter) {
  std::vector<const phase_golden_case*> out;
  for (const auto& g : runcharter ? test::runcharter_phase_cases() : test::auto_phase_cases())
    if (!g.mdc() && !g.expect_error) out.push_back(&g);
  return out;
}

}  // namespace

TEST_CASE("phases golden: every case agrees through the batch engine - one option set per series") {
  for (const bool runcharter : {false, true}) {
    const auto cases = golden_series(runcharter);
    for (const int threads : {1, 3}) {
      const phased_batch b(cases, threads);
      REQUIRE(b.result.summary.problems.empty());
      REQUIRE(b.result.summary.phases.size() == b.result.summary.parts.size());
      int bad = 0;
      for (std::size_t s = 0; s < cases.size(); ++s) {
        const computed_phases c = b.series(s);
        bad += compare(*cases[s], c, true, true);
        // Bitwise what qic_phased gives on the series alone.
        const phased_chart alone = qic_phased(cases[s]->series(), cases[s]->chart_options_(), cases[s]->phases);
        const std::size_t a = b.offsets[s];
        for (std::size_t i = 0; i < alone.chart.size(); ++i) {
          const auto same = [](double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; };
          bad += !same(alone.chart.cl[i], b.result.cl[a + i]) || !same(alone.chart.ucl[i], b.result.ucl[a + i]) ||
                 !same(alone.chart.lcl[i], b.result.lcl[a + i]) || alone.chart.baseline[i] != b.result.baseline[a + i];
        }
        const batch_summary& sum = b.result.summary;
        for (std::size_t k = 0; k < alone.chart.parts.size(); ++k)
          bad += !(alone.chart.parts[k].runs == sum.parts[sum.part_offsets[s] + k].summary.runs);
      }
      CHECK(bad == 0);
    }
  }
}

TEST_CASE("phases golden: the Making Data Count case through the batch engine (proposals as rebase positions)") {
  for (const auto& g : test::auto_phase_cases()) {
    if (!g.mdc()) continue;
    batch_rules rules;
    rules.rules = mdc_rules();
    rules.mdc = mdc_options{};
    rules.mdc->direction = *parse_improvement_direction(g.improvement);
    const chart_options i_chart = chart_of(chart_type::i);
    const std::optional<phase_options> phases = g.phases;
    const std::vector<std::size_t> offsets{0, g.y.size()};
    const batch_result r = qic_batch({.y = g.y, .offsets = offsets},
                                     {.sets = {&i_chart, 1}, .rules = {&rules, 1}, .phases = {&phases, 1}});
    computed_phases c;
    c.part = r.part;
    c.cl = r.cl;
    REQUIRE(r.summary.phases.size() == r.summary.periods.size());
    for (std::size_t k = 0; k < r.summary.phases.size(); ++k) {
      phase_proposal p = r.summary.phases[k];
      p.cl = r.summary.periods[k].mean;
      c.phases.push_back(p);
    }
    CHECK(compare(g, c, true, true) == 0);
  }
}

TEST_CASE("phases: batch rows of series without automatic phases have reason none - summary-only mode agrees") {
  const auto cases = golden_series(false);
  // Two option sets: the first with phases, the second the same chart without.
  std::vector<double> y = cases[0]->y, n(y.size(), 1.0);
  y.insert(y.end(), cases[0]->y.begin(), cases[0]->y.end());
  n.insert(n.end(), cases[0]->y.size(), 1.0);
  const std::vector<std::size_t> offsets{0, cases[0]->y.size(), y.size()};
  const std::vector<chart_options> sets{cases[0]->chart_options_(), cases[0]->chart_options_()};
  const std::vector<std::optional<phase_options>> phases{cases[0]->phases, std::nullopt};
  const batch_result r = qic_batch({.y = y, .n = n, .offsets = offsets}, {.sets = sets, .phases = phases});
  const batch_summary& sum = r.summary;
  REQUIRE(sum.part_offsets[1] == cases[0]->expected.size());
  REQUIRE(sum.part_offsets[2] == sum.part_offsets[1] + 1);
  CHECK(sum.phases.back().reason == phase_reason::none);
  CHECK(sum.phases.front().reason == phase_reason::start);
  // The summary-only mode gives the same rows.
  const phased_batch full(cases, 2, true), summary_only(cases, 2, false);
  REQUIRE(full.result.summary.parts.size() == summary_only.result.summary.parts.size());
  for (std::size_t k = 0; k < full.result.summary.parts.size(); ++k) {
    CHECK(full.result.summary.phases[k].first == summary_only.result.summary.phases[k].first);
    CHECK(full.result.summary.parts[k].summary.cl == summary_only.result.summary.parts[k].summary.cl);
    CHECK(full.result.summary.parts[k].summary.runs == summary_only.result.summary.parts[k].summary.runs);
  }
}

TEST_CASE("phases: the batch engine refuses phase options wrong for their set - and fails only a short runcharter series") {
  const std::vector<double> y(30, 1.0);
  const std::vector<std::size_t> offsets{0, 30};
  const batch_input in{.y = y, .offsets = offsets};
  const chart_options run = chart_of(chart_type::run), mr = chart_of(chart_type::mr);
  std::optional<phase_options> alpha = phase_options{};
  alpha->alpha = 0.01;  // anhoej takes no alpha
  try {
    qic_batch(in, {.sets = {&run, 1}, .phases = {&alpha, 1}});
    FAIL("not refused");
  } catch (const input_error& e) {
    CHECK(e.argument() == "alpha");
  }
  const std::optional<phase_options> plain = phase_options{};
  CHECK_THROWS_AS(qic_batch(in, {.sets = {&mr, 1}, .phases = {&plain, 1}}), input_error);
  const std::vector<std::optional<phase_options>> two{plain, plain};
  CHECK_THROWS_AS(qic_batch(in, {.sets = {&run, 1}, .phases = two}), input_error);
  // runcharter on 30 points with med_rows 13 and runlength 20: that series fails, not the batch.
  std::optional<phase_options> rc = phase_options{.method = phase_method::runcharter};
  rc->runlength = 20;
  const batch_result r = qic_batch(in, {.sets = {&run, 1}, .phases = {&rc, 1}});
  REQUIRE(r.summary.problems.size() == 1);
  CHECK(r.summary.problems[0].error.argument() == "med_rows");
  CHECK(r.summary.parts.empty());
  CHECK(r.summary.phases.empty());
}

// --- The command line --------------------------------------------------------------------------------

namespace {

using test::contains;
using test::quote;
using test::spc_cli;

// The CSV input of a case: i, y and (p, u) n, with an id column when `id` is given.
std::string case_csv(const phase_golden_case& g, bool header, const std::string& id = {}) {
  std::ostringstream s;
  s.precision(17);
  if (header) s << (id.empty() ? "" : "id,") << "i,y" << (g.n.empty() ? "" : ",n") << "\n";
  for (std::size_t i = 0; i < g.y.size(); ++i) {
    if (!id.empty()) s << id << ",";
    s << i + 1 << ",";
    if (!std::isnan(g.y[i])) s << g.y[i];
    if (!g.n.empty()) {
      s << ",";
      if (!std::isnan(g.n[i])) s << g.n[i];
    }
    s << "\n";
  }
  return s.str();
}

std::string input_options(const phase_golden_case& g) { return " --x i --y y" + std::string(g.n.empty() ? "" : " --n n"); }

// The per-point and summary CSVs of one series as computed_phases (the summary's cl per phase).
computed_phases from_outputs(const io::csv_table& points, const io::csv_table& summary, bool mdc,
                             const std::string& id = {}) {
  computed_phases c;
  const char* part = mdc ? "period" : "part";
  const auto p = points.numbers(part), cl = points.numbers("cl");
  const bool by = !id.empty();
  for (std::size_t k = 0; k < points.rows; ++k) {
    if (by && points.cells[points.column("id")][k] != id) continue;
    c.part.push_back(static_cast<std::int32_t>(p[k]));
    c.cl.push_back(cl[k]);
  }
  const auto first = summary.numbers("first"), last = summary.numbers("last"), scl = summary.numbers("cl");
  const auto ef = summary.numbers("evidence_first"), el = summary.numbers("evidence_last");
  const auto stat = summary.numbers("statistic"), limit = summary.numbers("limit");
  for (std::size_t k = 0; k < summary.rows; ++k) {
    if (by && summary.cells[summary.column("id")][k] != id) continue;
    phase_proposal q;
    q.first = static_cast<std::size_t>(first[k]) - 1;
    q.last = static_cast<std::size_t>(last[k]) - 1;
    q.cl = scl[k];
    const std::string& reason = summary.cells[summary.column("reason")][k];
    q.reason = reason == "start"        ? phase_reason::start
               : reason == "shift_up"   ? phase_reason::shift_up
               : reason == "shift_down" ? phase_reason::shift_down
                                        : phase_reason::none;
    q.evidence_first = std::isnan(ef[k]) ? phase_proposal::npos : static_cast<std::size_t>(ef[k]) - 1;
    q.evidence_last = std::isnan(el[k]) ? phase_proposal::npos : static_cast<std::size_t>(el[k]) - 1;
    q.statistic = stat[k];
    q.limit = limit[k];
    c.phases.push_back(q);
  }
  return c;
}

}  // namespace

TEST_CASE("phases golden: every case agrees through spc chart") {
  int bad = 0, cases = 0;
  for (const bool runcharter : {false, true}) {
    for (const auto& g : runcharter ? test::runcharter_phase_cases() : test::auto_phase_cases()) {
      INFO("case " << g.id);
      const auto in = test::write_text("phases_in", case_csv(g, true));
      const auto out = test::scratch_file("phases_out"), sum = test::scratch_file("phases_sum");
      const test::cli_result r = spc_cli("chart " + g.cli_options() + " --input " + quote(in) + input_options(g) +
                                         " --output " + quote(out) + " --summary " + quote(sum));
      if (g.expect_error) {
        CHECK(r.status == 2);
        CHECK(contains(r.err, "spc: error: option --med-rows"));
        continue;
      }
      REQUIRE_MESSAGE(r.status == 0, r.err);
      ++cases;
      const auto summary = io::read_csv(sum.string());
      bad += compare(g, from_outputs(io::read_csv(out.string()), summary, g.mdc()), true, false);
      // The summary's notes, word for word (the golden files carry them all on the last row).
      std::multiset<std::string> want, got;
      for (const auto& w : g.expected)
        if (!w.notes.empty()) want.insert(w.notes);
      for (std::size_t k = 0; k < summary.rows; ++k)
        if (const std::string& n = summary.cells[summary.column("note")][k]; !n.empty()) got.insert(n);
      CHECK(want == got);
      // The report: one "proposed:" line per proposal and the split to adopt.
      std::size_t proposals = g.expected.size() - 1, lines = 0;
      for (std::size_t at = r.out.find("  proposed: "); at != std::string::npos; at = r.out.find("  proposed: ", at + 1))
        ++lines;
      CHECK(lines == proposals);
      CHECK(contains(r.out, proposals ? "Proposed split: --" : "No split proposed"));
    }
  }
  CHECK(cases == 65);
  CHECK(bad == 0);
}

TEST_CASE("phases golden: every case agrees through spc batch - one run per set of options") {
  // The cases grouped by their options: spc batch takes one set of options for every series.
  std::map<std::string, std::vector<const phase_golden_case*>> groups;
  for (const bool runcharter : {false, true})
    for (const auto& g : runcharter ? test::runcharter_phase_cases() : test::auto_phase_cases())
      if (!g.expect_error) groups[g.cli_options() + input_options(g)].push_back(&g);
  int bad = 0, series = 0;
  for (const auto& [options, cases] : groups) {
    std::string csv;
    for (const phase_golden_case* g : cases) csv += case_csv(*g, csv.empty(), g->id);
    const auto in = test::write_text("phases_batch_in", csv);
    const auto out = test::scratch_file("phases_batch_out"), sum = test::scratch_file("phases_batch_sum");
    const test::cli_result r = spc_cli("batch " + options + " --by id --threads 2 --input " + quote(in) +
                                       " --output " + quote(out) + " --summary " + quote(sum));
    INFO("spc batch " << options);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto points = io::read_csv(out.string()), summary = io::read_csv(sum.string());
    for (const phase_golden_case* g : cases) {
      bad += compare(*g, from_outputs(points, summary, g->mdc(), g->id), true, false);
      ++series;
    }
  }
  CHECK(series == 65);
  CHECK(bad == 0);
}

TEST_CASE("phases golden: the refused command lines exit 2 naming the option") {
  const auto t = io::read_csv(test::data_path("golden/phases/errors.csv"));
  REQUIRE(t.rows == 5);
  // What each case must name (errors.csv gives the command line; phases.md §8.1 the refusal).
  const std::map<std::string, std::string> names = {{"e1", "--parts"},
                                                    {"e2", "--phase-method"},
                                                    {"e3", "--med-rows"},
                                                    {"e4", "--min-phase"},
                                                    {"e5", "--alpha"}};
  for (std::size_t k = 0; k < t.rows; ++k) {
    const std::string id = t.cells[t.column("id")][k], args = t.cells[t.column("args")][k];
    std::string csv = "i,y\n", values = t.cells[t.column("y")][k];
    std::size_t i = 1;
    for (std::size_t a = 0; a <= values.size();) {
      const std::size_t e = std::min(values.find(';', a), values.size());
      csv += std::to_string(i++) + "," + values.substr(a, e - a) + "\n";
      a = e + 1;
    }
    const auto in = test::write_text("phases_err", csv);
    const auto out = test::scratch_file("phases_err_out"), sum = test::scratch_file("phases_err_sum");
    INFO(id);
    test::expect_error("chart " + args + " --input " + quote(in) + " --x i --y y --output " + quote(out) +
                           " --summary " + quote(sum),
                       std::stoi(t.cells[t.column("expect_exit")][k]), {"spc: error:", "option " + names.at(id)});
    CHECK(!std::filesystem::exists(out));
  }
}

// --- The hand-worked examples of phases.md §7 ---------------------------------------------------------

namespace {

const std::vector<double> w1_values = {12, 15, 11, 14, 13, 16, 12, 14, 15, 13, 11, 16, 14, 12,
                                       15, 15, 9,  8,  10, 7,  9,  6,  8,  10, 7,  9,  8,  6};

phase_options method(phase_method m) {
  phase_options o;
  o.method = m;
  return o;
}

}  // namespace

TEST_CASE("phases §7.1: a sustained run below the baseline median is proposed at its first point [w1]") {
  const chart_options run = chart_of(chart_type::run);
  const phased_chart r = qic_phased(series_view{w1_values}, run, phase_options{});
  REQUIRE(r.phases.size() == 2);
  const phase_proposal& p = r.phases[1];
  CHECK(r.phases[0].reason == phase_reason::start);
  CHECK(p.reason == phase_reason::shift_down);
  CHECK(p.first == 16);  // point 17
  CHECK(p.reference_first == 0);
  CHECK(p.reference_last == 11);
  CHECK(p.reference_cl == 13.5);  // (13 + 14) / 2
  CHECK(p.n_useful == 28);        // no value equals 13.5
  CHECK(p.limit == 9);            // Lmax(28) = round(4.81) + 3 = 8, T = 9
  CHECK(p.evidence_first == 16);
  CHECK(p.evidence_last == 27);
  CHECK(p.statistic == 12);
  // The guard on points 1-28 with the step at 17: left mean 13.625 (SS 41.75), right 8.0833
  // (SS 20.917).
  const trend_guard_result g = trend_guard(w1_values, {}, 0, 16, 27);
  CHECK(g.rss_step == doctest::Approx(41.75 + 20.916667).epsilon(1e-6));
  CHECK(g.rss_line == doctest::Approx(124.39).epsilon(1e-4));
  CHECK_FALSE(g.refused());
  // Phases 1-16 (the part median 14) and 17-28 (median 8): the chart of --parts 16.
  CHECK(r.chart.parts[0].cl == 14);
  CHECK(r.chart.parts[1].cl == 8);
  chart_options parts = run;
  parts.parts = {16};
  CHECK(parts_of(r.phases) == std::vector<std::size_t>{16});
  const chart_result same = qic(series_view{w1_values}, parts);
  CHECK(same.cl == r.chart.cl);
  CHECK(same.parts[1].runs == r.chart.parts[1].runs);
}

TEST_CASE("phases §7.1 with direction above: the only sustained run is below - nothing is proposed [w7]") {
  phase_options o;
  o.direction = phase_direction::above;
  const phased_chart r = qic_phased(series_view{w1_values}, chart_of(chart_type::run), o);
  REQUIRE(r.phases.size() == 1);
  CHECK(r.chart.parts[0].cl == 11.5);
  CHECK(r.phases[0].note.empty());
}

TEST_CASE("phases §7.2: runcharter keeps its baseline median over the first phase and cuts the run after L [rcw1]") {
  phase_options o = method(phase_method::runcharter);
  o.med_rows = 12;
  const phased_chart r = qic_phased(series_view{w1_values}, chart_of(chart_type::run), o);
  REQUIRE(r.phases.size() == 2);
  CHECK(r.chart.parts[0].cl == 13.5);  // runcharter's baseline median, not the part's median 14
  CHECK(r.chart.parts[1].cl == 8);     // the median of 9 8 10 7 9 6 8 10 7
  CHECK(r.phases[1].first == 16);
  CHECK(r.phases[1].evidence_first == 16);
  CHECK(r.phases[1].evidence_last == 24);  // point 25: the 9th useful point
  CHECK(r.phases[1].statistic == 9);
  CHECK(r.phases[1].limit == 9);
  // baseline: points 1-12 and the 9 points that fixed the new median.
  for (std::size_t i = 0; i < 28; ++i) CHECK(r.chart.baseline[i] == (i < 12 || (i >= 16 && i <= 24)));
  // The runs analysis is against runcharter's median (13.5 in part 1: no point on it).
  CHECK(r.chart.parts[0].runs.n_useful == 16);
  CHECK(r.chart.parts[1].runs == runs_analysis(std::span(w1_values).subspan(16), 8.0));
}

TEST_CASE("phases §7.3: a trend is not a shift [w2]") {
  std::vector<double> v;
  for (int i = 1; i <= 30; ++i) v.push_back(std::round((10 + 0.5 * i + (i % 2 ? 0.8 : -0.8)) * 10) / 10);
  CHECK(v[0] == 11.3);
  CHECK(v[29] == 24.2);
  const phased_chart r = qic_phased(series_view{v}, chart_of(chart_type::run), phase_options{});
  REQUIRE(r.phases.size() == 1);
  CHECK(r.chart.parts[0].cl == 17.75);
  const phase_note& n = r.phases[0].note;
  CHECK(n.kind == phase_note_kind::trend);
  CHECK(n.at == 12);  // the run of 18 from point 13
  CHECK(n.window_first == 0);
  CHECK(n.window_last == 23);  // r + m - 1 = 24
  const trend_guard_result g = trend_guard(v, {}, 0, 12, 23);
  CHECK(g.rss_step == doctest::Approx(77.26).epsilon(1e-3));
  CHECK(g.rss_line == doctest::Approx(15.28).epsilon(1e-3));
  CHECK(g.refused());
  CHECK(to_string(n) ==
        "shift at 13 not proposed: a straight line fits points 1-24 at least as well as a step at 13 (a trend)");
}

TEST_CASE("phases §7.4: a shift too late to propose is noted - one more point makes it a proposal at 20 [w3]") {
  std::vector<double> v = {50, 53, 48, 51, 49, 52, 47, 50, 54, 49, 51, 48, 52, 50, 47,
                           53, 49, 51, 50, 48, 41, 39, 42, 38, 40, 43, 39, 41, 40, 42};
  const chart_options run = chart_of(chart_type::run);
  const phased_chart r = qic_phased(series_view{v}, run, phase_options{});
  REQUIRE(r.phases.size() == 1);
  CHECK(r.chart.parts[0].cl == 48.5);
  CHECK(r.phases[0].note.kind == phase_note_kind::too_few_after);
  CHECK(r.phases[0].note.at == 19);
  CHECK(r.phases[0].note.points_after == 11);
  CHECK(to_string(r.phases[0].note) == "shift at 20 not proposed: 11 points from it to the end, fewer than 12");
  // With one more point below 50 it is proposed at 20 (the run's first point, where 48 already
  // lies below 50), not at 21 where the drop is. Points 1, 8, 14, 19 lie on the median 50.
  v.push_back(41);
  const phased_chart longer = qic_phased(series_view{v}, run, phase_options{});
  REQUIRE(longer.phases.size() == 2);
  CHECK(longer.phases[1].first == 19);
  CHECK(longer.phases[1].reference_cl == 50);
  CHECK(longer.phases[1].n_useful == 27);
  CHECK(longer.phases[1].limit == 9);  // Lmax(27) = 8
}

TEST_CASE("phases §7.5: a P chart - the baseline proportion and the guard weighted by n [w4]") {
  const std::vector<double> y = {20, 22, 18, 25, 21, 19, 23, 20, 24, 18, 22, 21, 23, 19, 22,
                                 20, 21, 24, 14, 12, 15, 13, 11, 16, 14, 12, 13, 15, 12, 14};
  const std::vector<double> n(30, 100.0);
  const phased_chart r = qic_phased(series_view{y, n}, chart_of(chart_type::p), phase_options{});
  REQUIRE(r.phases.size() == 2);
  CHECK(r.phases[1].reference_cl == doctest::Approx(253.0 / 1200).epsilon(1e-12));
  CHECK(r.phases[1].limit == 9);
  CHECK(r.phases[1].first == 18);  // point 19
  CHECK(r.phases[1].statistic == 12);
  std::vector<double> p(30);
  for (std::size_t i = 0; i < 30; ++i) p[i] = y[i] / n[i];
  const trend_guard_result g = trend_guard(p, n, 0, 18, 29);
  CHECK(g.rss_step == doctest::Approx(0.98028).epsilon(1e-4));
  CHECK(g.rss_line == doctest::Approx(2.37888).epsilon(1e-4));
  CHECK(r.chart.parts[0].cl == doctest::Approx(382.0 / 1800).epsilon(1e-12));
  CHECK(r.chart.parts[1].cl == doctest::Approx(161.0 / 1200).epsilon(1e-12));
}

TEST_CASE("phases §7.6: change point on an I chart - one candidate - z = 5.2958 > 1.96 [w5]") {
  const std::vector<double> v = {10, 12, 11, 13, 12, 10, 11, 13, 12, 11, 10, 12,
                                 14, 15, 13, 16, 14, 15, 13, 14, 16, 15, 14, 13};
  const chart_options i = chart_of(chart_type::i);
  const std::vector<double> z = change_statistics(series_view{v}, i, 0, 23, 12);
  REQUIRE(z.size() == 1);  // tau = 13 only
  // AMR = 35 / 23, sigma = AMR / 1.128; z = (172/12 - 137/12) / (sigma sqrt(2/12)).
  const double sigma = 35.0 / 23 / 1.128;
  CHECK(z[0] == doctest::Approx((172.0 - 137.0) / 12 / (sigma * std::sqrt(2.0 / 12))).epsilon(1e-12));
  CHECK(z[0] == doctest::Approx(5.295797).epsilon(1e-6));
  const phased_chart r = qic_phased(series_view{v}, i, method(phase_method::changepoint));
  REQUIRE(r.phases.size() == 2);
  CHECK(r.phases[1].first == 12);
  CHECK(r.phases[1].reason == phase_reason::shift_up);
  CHECK(r.phases[1].limit == doctest::Approx(1.959964).epsilon(1e-6));
  CHECK(r.phases[1].candidates == 1);
  CHECK(r.phases[1].reference_cl == doctest::Approx(137.0 / 12).epsilon(1e-12));
  CHECK(r.phases[1].after_level == doctest::Approx(172.0 / 12).epsilon(1e-12));
  const trend_guard_result g = trend_guard(v, {}, 0, 12, 23);
  CHECK(g.rss_step == doctest::Approx(25.583).epsilon(1e-4));
  CHECK(g.rss_line == doctest::Approx(39.185).epsilon(1e-4));
  CHECK(r.chart.parts[0].cl == doctest::Approx(11.416667).epsilon(1e-6));
  CHECK(r.chart.parts[1].cl == doctest::Approx(14.333333).epsilon(1e-6));
  // The anhoej method proposes the same here: the run 13-24 of 12 >= 9.
  const phased_chart a = qic_phased(series_view{v}, i, phase_options{});
  CHECK(parts_of(a.phases) == parts_of(r.phases));
}

TEST_CASE("phases §7.7: change point on a run chart - Wilcoxon-Mann-Whitney with mid-ranks [w6]") {
  const chart_options run = chart_of(chart_type::run);
  const std::vector<double> z = change_statistics(series_view{w1_values}, run, 0, 27, 12);
  REQUIRE(z.size() == 5);  // tau = 13..17
  const double want[] = {-3.1707, -3.4470, -3.5074, -3.9791, -4.4763};
  for (std::size_t k = 0; k < 5; ++k) CHECK(z[k] == doctest::Approx(want[k]).epsilon(1e-4));
  // tau = 17: W_L = 328, n_L (n + 1) / 2 = 232, variance 16 * 12 / 12 * (29 - 192 / 756).
  CHECK(z[4] == doctest::Approx((232.0 - 328.0) / std::sqrt(16.0 * 12 / 12 * (29 - 192.0 / 756))).epsilon(1e-12));
  const phased_chart r = qic_phased(series_view{w1_values}, run, method(phase_method::changepoint));
  REQUIRE(r.phases.size() == 2);
  CHECK(r.phases[1].first == 16);
  CHECK(r.phases[1].reason == phase_reason::shift_down);
  CHECK(r.phases[1].statistic == doctest::Approx(4.476332).epsilon(1e-6));
  CHECK(r.phases[1].limit == doctest::Approx(2.5758293).epsilon(1e-7));  // Φ⁻¹(1 - 0.05 / 10)
  CHECK(r.phases[1].candidates == 5);
  CHECK(r.chart.parts[0].cl == 14);
  CHECK(r.chart.parts[1].cl == 8);
}

TEST_CASE("phases §7.8: the bundled C. difficile counts in the Making Data Count mode [w8]") {
  const auto t = io::read_csv(std::string(SPC_EXAMPLES_DATA) + "/cdi.csv");
  const std::vector<double> y = t.numbers("n");
  REQUIRE(y.size() == 36);
  const std::vector<phase_proposal> p = propose_phases(series_view{y}, chart_of(chart_type::i), phase_options{});
  REQUIRE(p.size() == 2);
  CHECK(p[1].reference_cl == doctest::Approx(231.0 / 12).epsilon(1e-12));  // 19.25
  CHECK(p[1].n_useful == 36);
  CHECK(p[1].limit == 9);       // Lmax(36) = 8
  CHECK(p[1].first == 21);      // point 22, August 2014
  CHECK(p[1].statistic == 15);  // 22-36 all below
  mdc_options mo;
  mo.direction = improvement_direction::decrease;
  mo.rebase = rebase_of(p);
  CHECK(mo.rebase == std::vector<std::size_t>{22});
  const mdc_result r = mdc_chart(y, mo);
  REQUIRE(r.periods.size() == 2);
  CHECK(r.periods[0].mean == doctest::Approx(407.0 / 21).epsilon(1e-12));
  CHECK(r.periods[1].mean == doctest::Approx(127.0 / 15).epsilon(1e-12));
  // Through the command line: the report gives the known change and the proposal for a person to
  // choose between.
  const test::cli_result c = spc_cli("chart --chart i --rules mdc --improvement decrease --phases auto --input " +
                                     quote(std::string(SPC_EXAMPLES_DATA) + "/cdi.csv") + " --x month --y n --output " +
                                     quote(test::scratch_file("cdi_out")));
  REQUIRE(c.status == 0);
  CHECK(contains(c.out, "proposed: shift down at point 22 (2014-08-01): a run of 15 points below the baseline mean "
                        "19.25 of points 1-12 (9 or more is a shift for 36 useful points)"));
  CHECK(contains(c.out, "Proposed split: --rebase 22 (adopt it when the change has a known cause)"));
}

TEST_CASE("phases §7.9: runcharter cuts a run after L points - anhoej sees a trend [rcw2]") {
  const std::vector<double> v = {10, 12, 11, 13, 12, 11, 14, 15, 16, 15, 17, 18, 19, 20, 19, 21, 19, 18, 20, 19};
  const chart_options run = chart_of(chart_type::run);
  phase_options o = method(phase_method::runcharter);
  o.med_rows = 6;
  o.runlength = 5;
  const phased_chart r = qic_phased(series_view{v}, run, o);
  REQUIRE(r.phases.size() == 3);
  CHECK(r.phases[1].first == 6);
  CHECK(r.phases[2].first == 11);
  CHECK(r.chart.parts[0].cl == 11.5);
  CHECK(r.chart.parts[1].cl == 15);
  CHECK(r.chart.parts[2].cl == 19);
  CHECK(r.phases[2].last - r.phases[2].first + 1 == 9);  // phases of 6, 5 and 9 points
  phase_options a;
  a.min_phase = 6;
  const phased_chart b = qic_phased(series_view{v}, run, a);
  REQUIRE(b.phases.size() == 1);
  CHECK(b.phases[0].note.kind == phase_note_kind::trend);
  CHECK(b.phases[0].note.window_first == 0);
  CHECK(b.phases[0].note.window_last == 11);  // points 1-12
}

TEST_CASE("phases §3: runcharter skips points on the old median - for the run and for the new median [rc037]") {
  for (const auto& g : test::runcharter_phase_cases()) {
    if (g.id != "rc037") continue;
    const phased_chart r = qic_phased(g.series(), g.chart_options_(), g.phases);
    REQUIRE(r.phases.size() >= 2);
    CHECK(r.phases[0].cl == 100);        // baseline median of weeks 1-13
    CHECK(r.phases[1].first == 14);      // the run starts at week 15
    CHECK(r.phases[1].evidence_last == 25);  // its 9th useful point is week 26
    CHECK(r.phases[1].cl == doctest::Approx(81.8).epsilon(1e-12));
    // The points on the old median inside the run did not fix the new median: not baseline.
    for (std::size_t i = 14; i <= 25; ++i) CHECK(r.chart.baseline[i] == (g.y[i] != 100));
  }
}

// --- Operating characteristics (phases.md §6) ---------------------------------------------------------

namespace {

// Standard normal values from a fixed seed: mt19937_64's output is the same on every platform
// (unlike std::normal_distribution's), and Box-Muller turns it into normal values.
struct normal_source {
  std::mt19937_64 bits;
  explicit normal_source(std::uint64_t seed) : bits(seed) {}
  double uniform() { return (static_cast<double>(bits() >> 11) + 0.5) * 0x1.0p-53; }
  double operator()() {
    const double u = uniform(), v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v);
  }
};

// Share of `series` series of `points` points with at least one proposal: in-control series, or
// with a step of `step` sigmas at point points/2 + 1 (`within`: the share with a proposal within 2
// points of it). One batch through the engine.
struct rate {
  double any = 0, within = 0;
};
rate proposal_rate(chart_type chart, const phase_options& options, std::size_t series, std::size_t points,
                   double step = 0, std::uint64_t seed = 2024) {
  normal_source normal(seed);
  std::vector<double> y(series * points);
  std::vector<std::size_t> offsets(series + 1);
  for (std::size_t s = 0; s < series; ++s) {
    offsets[s + 1] = (s + 1) * points;
    for (std::size_t i = 0; i < points; ++i) y[s * points + i] = normal() + (i >= points / 2 ? step : 0.0);
  }
  const chart_options set = chart_of(chart);
  const std::optional<phase_options> phases = options;
  const batch_result r = qic_batch({.y = y, .offsets = offsets}, {.sets = {&set, 1}, .phases = {&phases, 1}}, false);
  rate out;
  for (std::size_t s = 0; s < series; ++s) {
    const std::size_t a = r.summary.part_offsets[s], b = r.summary.part_offsets[s + 1];
    out.any += b - a > 1;
    bool near = false;
    for (std::size_t k = a + 1; k < b; ++k)
      near |= std::abs(static_cast<double>(r.summary.phases[k].first) - static_cast<double>(points / 2)) <= 2;
    out.within += near;
  }
  out.any /= static_cast<double>(series);
  out.within /= static_cast<double>(series);
  return out;
}

// Whether a simulated share of `series` series agrees with the specification's figure: within four
// standard errors of it, plus 0.01 for the figure's own precision (phases.md §6: about 0.01).
bool agrees(double share, double figure, std::size_t series) {
  const double half = 4 * std::sqrt(figure * (1 - figure) / static_cast<double>(series)) + 0.01;
  return std::abs(share - figure) <= half;
}

}  // namespace

TEST_CASE("phases §6: the false-proposal rate on in-control series is the stated one") {
  // 2,000 in-control series (sigma 1) per cell from a fixed seed, through the batch engine (about
  // a second in a release build): the figures of §6 within simulation error.
  constexpr std::size_t series = 2000;
  const phase_options anhoej;
  phase_options fixed7, changepoint = method(phase_method::changepoint);
  fixed7.runlength = 7;
  const double run60 = proposal_rate(chart_type::run, anhoej, series, 60).any;
  const double i60 = proposal_rate(chart_type::i, anhoej, series, 60).any;
  const double i60_fixed7 = proposal_rate(chart_type::i, fixed7, series, 60).any;
  const double cp_i24 = proposal_rate(chart_type::i, changepoint, series, 24).any;
  const double cp_i60 = proposal_rate(chart_type::i, changepoint, series, 60).any;
  const double cp_run60 = proposal_rate(chart_type::run, changepoint, series, 60).any;
  MESSAGE("stable, 60 points: anhoej run " << run60 << ", i " << i60 << ", i with runlength 7 " << i60_fixed7
                                           << "; changepoint i " << cp_i60 << ", run " << cp_run60
                                           << "; changepoint i at 24 points " << cp_i24);
  CHECK(agrees(run60, 0.106, series));
  CHECK(agrees(i60, 0.084, series));
  CHECK(agrees(i60_fixed7, 0.325, series));  // a fixed 7 is about four times as noisy
  CHECK(i60_fixed7 > 3 * i60);
  // The change-point method's bound: at most alpha, and alpha itself with a single candidate.
  CHECK(agrees(cp_i24, 0.050, series));
  CHECK(cp_i60 <= 0.05);
  CHECK(agrees(cp_i60, 0.029, series));
  CHECK(cp_run60 <= 0.05);
  CHECK(agrees(cp_run60, 0.013, series));
}

TEST_CASE("phases §6: a 1.5-sigma step is found and located as stated") {
  const rate anhoej = proposal_rate(chart_type::i, phase_options{}, 1000, 60, 1.5, 7);
  const rate cp = proposal_rate(chart_type::i, method(phase_method::changepoint), 1000, 60, 1.5, 7);
  MESSAGE("step at 60 points: anhoej any " << anhoej.any << ", within 2 " << anhoej.within << "; changepoint any "
                                           << cp.any << ", within 2 " << cp.within);
  CHECK(agrees(anhoej.any, 0.701, 1000));
  CHECK(agrees(anhoej.within, 0.462, 1000));
  CHECK(agrees(cp.any, 0.977, 1000));
  CHECK(agrees(cp.within, 0.818, 1000));
}

// --- Missing values, exclusions, edge cases -------------------------------------------------------------

TEST_CASE("phases: missing and excluded points are gaps for the detection and keep their positions") {
  // w1 with gaps: a missing value in the baseline and in the run, and an excluded point in the run.
  std::vector<double> v = w1_values;
  v[3] = na;
  v[20] = na;
  chart_options run = chart_of(chart_type::run);
  run.exclude = {23};
  const phased_chart r = qic_phased(series_view{v}, run, phase_options{});
  REQUIRE(r.phases.size() == 2);
  CHECK(r.phases[1].first == 16);
  CHECK(r.phases[1].evidence_first == 16);
  CHECK(r.phases[1].evidence_last == 27);
  CHECK(r.phases[1].statistic == 10);  // 12 points, one missing, one excluded
  // The baseline median of the 11 values left is 13; points 5 and 10 lie on it: 28 - 3 - 2 useful.
  CHECK(r.phases[1].reference_cl == 13);
  CHECK(r.phases[1].n_useful == 23);
  // The chart is the chart with those parts and the same exclusion.
  chart_options parts = run;
  parts.parts = parts_of(r.phases);
  CHECK(qic(series_view{v}, parts).cl == r.chart.cl);
  // A series with no values at all: one phase, no proposal.
  const std::vector<double> none(30, na);
  CHECK(propose_phases(series_view{none}, run, phase_options{}).size() == 1);
  CHECK(propose_phases(series_view{none}, chart_of(chart_type::i), method(phase_method::changepoint)).size() == 1);
  // An empty series has no phase; one too short for a proposal has one.
  CHECK(propose_phases(series_view{std::span<const double>{}}, chart_of(chart_type::run), phase_options{}).empty());
  const std::vector<double> short_series(w1_values.begin(), w1_values.begin() + 23);
  CHECK(propose_phases(series_view{short_series}, chart_of(chart_type::run), phase_options{}).size() == 1);
}

TEST_CASE("phases: runcharter with med_rows 0 or runlength 0 gives one phase") {
  const chart_options run = chart_of(chart_type::run);
  phase_options o = method(phase_method::runcharter);
  o.med_rows = 0;
  const phased_chart none = qic_phased(series_view{w1_values}, run, o);
  REQUIRE(none.phases.size() == 1);
  CHECK(std::isnan(none.chart.parts[0].cl));  // no baseline: no centre line (runcharter returns NA)
  CHECK(std::isnan(none.chart.cl[0]));
  CHECK(none.chart.parts[0].runs.n_useful == 0);
  o.med_rows = 12;
  o.runlength = 0;  // "turn off run chart analysis"
  const phased_chart off = qic_phased(series_view{w1_values}, run, o);
  REQUIRE(off.phases.size() == 1);
  CHECK(off.chart.parts[0].cl == 13.5);
  // Too few points: runcharter stops, and so does spc.
  o.runlength = 17;
  try {
    propose_phases(series_view{w1_values}, run, o);
    FAIL("not refused");
  } catch (const input_error& e) {
    CHECK(e.argument() == "med_rows");
    CHECK(contains(e.problem(), "at least 29 points"));
  }
}

TEST_CASE("phases: the options a method does not read, and values out of range, are refused naming them") {
  const chart_options run = chart_of(chart_type::run), i = chart_of(chart_type::i);
  const auto argument = [](const phase_options& o, const chart_options& c) {
    const auto e = find_problem(o, c);
    return e ? e->argument() : std::string();
  };
  phase_options o;
  CHECK(argument(o, run).empty());
  CHECK(argument(o, chart_of(chart_type::mr)) == "chart");
  CHECK(argument(o, chart_of(chart_type::pp)) == "chart");
  CHECK(argument(o, chart_of(chart_type::xbar)) == "chart");
  for (const chart_type c : {chart_type::run, chart_type::i, chart_type::c, chart_type::p, chart_type::u})
    CHECK(argument(o, chart_of(c)).empty());
  o.alpha = 0.1;
  CHECK(argument(o, run) == "alpha");
  o = phase_options{};
  o.med_rows = 5;
  CHECK(argument(o, run) == "med_rows");
  o = method(phase_method::changepoint);
  o.runlength = 8;
  CHECK(argument(o, run) == "runlength");
  o = method(phase_method::changepoint);
  o.alpha = 1;
  CHECK(argument(o, run) == "alpha");
  o.alpha = std::nan("");
  CHECK(argument(o, run) == "alpha");
  o = method(phase_method::runcharter);
  CHECK(argument(o, i) == "phase_method");
  o.min_phase = 12;
  CHECK(argument(o, run) == "min_phase");
  o = method(phase_method::runcharter);
  o.runlength = 0;
  CHECK(argument(o, run).empty());
  o.runlength = -1;
  CHECK(argument(o, run) == "runlength");
  o = phase_options{};
  o.runlength = 1;
  CHECK(argument(o, run) == "runlength");
  o = phase_options{};
  o.min_phase = 1;
  CHECK(argument(o, run) == "min_phase");
  chart_options with = run;
  with.parts = {10};
  CHECK(argument(phase_options{}, with) == "parts");
  with = run;
  with.freeze = 10;
  CHECK(argument(phase_options{}, with) == "freeze");
  with = run;
  with.cl = 3;
  CHECK(argument(phase_options{}, with) == "cl");
  with = run;
  with.exclude = {3};
  CHECK(argument(phase_options{}, with).empty());
  CHECK(argument(method(phase_method::runcharter), with) == "exclude");
}

TEST_CASE("phases: spc chart refuses every phase option of phases.md §8.1 with exit 2 naming it") {
  std::string csv = "i,y\n";
  for (std::size_t k = 0; k < w1_values.size(); ++k) csv += std::to_string(k + 1) + "," + std::to_string(w1_values[k]) + "\n";
  const std::string in = quote(test::write_text("phases_refusals", csv));
  const auto refused = [&](const std::string& options, const std::string& option) {
    test::expect_error("chart --input " + in + " --y y " + options, 2, {"spc: error:", option});
  };
  // Phase options without --phases auto.
  for (const char* o : {"--phase-method changepoint", "--min-phase 12", "--runlength 8", "--direction above",
                        "--alpha 0.05", "--med-rows 13"})
    refused(std::string("--chart run ") + o, std::string(o).substr(0, std::string(o).find(' ')));
  // An option the method does not take.
  refused("--chart run --phases auto --alpha 0.1", "option --alpha");
  refused("--chart run --phases auto --med-rows 13", "option --med-rows");
  refused("--chart run --phases auto --phase-method changepoint --med-rows 13", "option --med-rows");
  refused("--chart run --phases auto --phase-method runcharter --min-phase 12", "option --min-phase");
  refused("--chart run --phases auto --phase-method runcharter --alpha 0.1", "option --alpha");
  refused("--chart run --phases auto --phase-method changepoint --runlength 8", "option --runlength");
  // The options the phases replace; --exclude with runcharter.
  refused("--chart run --phases auto --parts 12", "option --parts");
  refused("--chart run --phases auto --freeze 12", "option --freeze");
  refused("--chart i --phases auto --cl 12", "option --cl");
  refused("--chart i --rules mdc --improvement increase --phases auto --rebase 13", "option --rebase");
  refused("--chart i --rules mdc --improvement increase --phases auto --fix-after 12", "option --fix-after");
  refused("--chart run --phases auto --phase-method runcharter --exclude 3", "option --exclude");
  // Charts.
  refused("--chart mr --phases auto", "option --chart");
  refused("--chart g --phases auto", "option --chart");
  refused("--chart i --phases auto --phase-method runcharter", "option --phase-method");
  refused("--chart i --rules mdc --improvement increase --phases auto --phase-method runcharter", "option --phase-method");
  // Values out of range, unknown names.
  refused("--chart run --phases auto --min-phase 1", "option --min-phase");
  refused("--chart run --phases auto --runlength 1", "option --runlength");
  refused("--chart run --phases auto --phase-method runcharter --runlength -1", "option --runlength");
  refused("--chart run --phases auto --phase-method runcharter --med-rows -1", "option --med-rows");
  refused("--chart run --phases auto --phase-method changepoint --alpha 1", "option --alpha");
  refused("--chart run --phases auto --phase-method changepoint --alpha 0", "option --alpha");
  refused("--chart run --phases auto --phase-method magic", "--phase-method");
  refused("--chart run --phases auto --direction up", "--direction");
  refused("--chart run --phases manual", "option --phases");
  // Too few points for runcharter: 28 < 13 + 16.
  refused("--chart run --phases auto --phase-method runcharter --runlength 16", "option --med-rows");
  // Exclusions are gaps for anhoej and changepoint: accepted.
  const test::cli_result ok = spc_cli("chart --input " + in + " --y y --chart run --phases auto --exclude 3");
  CHECK(ok.status == 0);
}

TEST_CASE("phases: spc batch proposes per series - a series too short for runcharter fails only itself") {
  std::string csv = "unit,y\n";
  for (const char* unit : {"a", "b"})
    for (std::size_t k = 0; k < (unit[0] == 'a' ? w1_values.size() : 10); ++k)
      csv += std::string(unit) + "," + std::to_string(w1_values[k]) + "\n";
  const std::string in = quote(test::write_text("phases_batch_units", csv));
  const auto sum = test::scratch_file("phases_batch_units_sum");
  const test::cli_result r = spc_cli("batch --input " + in + " --by unit --y y --chart run --phases auto "
                                     "--phase-method runcharter --med-rows 12 --summary " + quote(sum));
  CHECK(r.status == 1);
  CHECK(contains(r.err, "series unit=b: option --med-rows: the runcharter method needs at least 21 points"));
  const auto t = io::read_csv(sum.string());
  REQUIRE(t.rows == 3);
  CHECK(t.cells[t.column("reason")][1] == "shift_down");
  CHECK(t.cells[t.column("evidence_last")][1] == "25");
  CHECK(contains(t.cells[t.column("error")][2], "option --med-rows"));
}

TEST_CASE("phases: --multiply scales the levels in the report, not the proposals") {
  std::string csv = "i,y,n\n";
  const std::vector<double> y = {20, 22, 18, 25, 21, 19, 23, 20, 24, 18, 22, 21, 23, 19, 22,
                                 20, 21, 24, 14, 12, 15, 13, 11, 16, 14, 12, 13, 15, 12, 14};
  for (std::size_t k = 0; k < y.size(); ++k) csv += std::to_string(k + 1) + "," + std::to_string(y[k]) + ",100\n";
  const std::string in = quote(test::write_text("phases_multiply", csv));
  const auto out = test::scratch_file("phases_multiply_out"), sum = test::scratch_file("phases_multiply_sum");
  const test::cli_result r = spc_cli("chart --chart p --input " + in + " --x i --y y --n n --phases auto --multiply 100 "
                                     "--output " + quote(out) + " --summary " + quote(sum));
  REQUIRE(r.status == 0);
  CHECK(contains(r.out, "proposed: shift down at point 19 (19): a run of 12 points below the baseline proportion "
                        "21.083 of points 1-12 (9 or more is a shift for 30 useful points)"));
  const auto t = io::read_csv(sum.string());
  CHECK(t.numbers("cl")[1] == doctest::Approx(100 * 161.0 / 1200).epsilon(1e-12));
  CHECK(t.numbers("statistic")[1] == 12);
}
