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

// --- Comparing with the golden suite --------------------------------------------------------------

// The expected per-point part and centre line, and the expected phases (first, last, cl, reason;
// for the unit-level comparison also evidence, statistic and limit), against what was computed.
struct computed_phases {
  std::vector<std::int32_t> part;
  std::vector<double> cl;
  std::vector<phase_proposal> phases;  // with the phase's centre line in `cl` for every method
};

int compare(const phase_golden_case& g, const computed_phases& c, bool evidence) {
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
  if (evidence && !g.runcharter) {
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
  for (const auto& g : cases) bad += compare(g, through_library(g), true);
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
    bad += compare(g, through_library(g), true);
  }
  CHECK(bad == 0);
}
