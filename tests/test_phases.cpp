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

TEST_CASE("phases golden: every case agrees through the batch engine, one option set per series") {
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

TEST_CASE("phases: batch rows of series without automatic phases have reason none; summary-only mode agrees") {
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

TEST_CASE("phases: the batch engine refuses phase options wrong for their set, and fails only a short runcharter series") {
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

TEST_CASE("phases golden: every case agrees through spc batch, one run per set of options") {
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
