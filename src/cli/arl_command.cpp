// `spc arl` (arl_command.hpp): options, checks, the library's ARL functions, one CSV row per shift
// written through the CLI's writer (whole or not at all).
#include "arl_command.hpp"

#include <cmath>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "io/csv_reader.hpp"
#include "io/csv_writer.hpp"
#include "options.hpp"
#include "spc/arl.hpp"

namespace spc::cli {

namespace {

constexpr const char* description =
    "Average run length (ARL) of a CUSUM or EWMA chart of normal observations at given mean shifts (in sigma), "
    "or the threshold (h, or L) that gives an in-control ARL (--arl0). Computed as Knoth's R package spc does: "
    "the ARL integral equation by Gauss-Legendre Nystrom (docs/sequential.md).";

constexpr const char* footer =
    "Output, one row per shift: chart, sided, k, h, headstart, shift, arl (cusum) or chart, sided, lambda, L, "
    "shift, arl (ewma). With --arl0, h (or L) is the critical value found and arl the ARL at each shift with it.\n"
    "The two-sided CUSUM combines the two one-sided ARLs (Lucas & Crosier 1982). The EWMA's ARL is for fixed "
    "(asymptotic) limits, as every published table; spc chart's default exact limits give an in-control ARL a "
    "few per cent lower (chart with --asymptotic for the ARL computed here).\n\n"
    "Examples: the ARLs of the default CUSUM (k 0.5, h 5) at shifts of 0, 0.5, 1 and 2 sigma:\n"
    "  spc arl --chart cusum --k 0.5 --h 5 --shift 0,0.5,1,2\n"
    "The EWMA limit width L for an in-control ARL of 370 with lambda 0.2:\n"
    "  spc arl --chart ewma --lambda 0.2 --arl0 370 --shift 0,1\n\n"
    "Exit status: 0 success, 2 a problem on the command line (the message names the option).";

double number_or_fail(const std::string& text) {
  double v = 0;
  if (!io::parse_number(text, v) || !std::isfinite(v))
    throw usage_error(fmt::format("option --shift: '{}' is not a finite number (give shifts in sigma, e.g. 0,0.5,1)",
                                  text));
  return v;
}

// A library problem as an option of spc arl.
[[noreturn]] void as_usage(const input_error& e) {
  const std::string& arg = e.argument();
  const std::string option = arg == "sides" ? "sided" : arg;
  throw usage_error(fmt::format("option --{}: {}", option, e.problem()));
}

}  // namespace

CLI::App* add_arl_command(CLI::App& app, arl_command& cmd) {
  CLI::App* sub = app.add_subcommand("arl", description);
  sub->footer(footer);
  sub->add_option("--chart,-c", cmd.chart, "Chart: cusum or ewma")
      ->required()
      ->type_name("TYPE")
      ->transform(CLI::IsMember({"cusum", "ewma"}, CLI::ignore_case));
  sub->add_option("--sided", cmd.sided, "two (default) or one (cusum only: the upper side)")
      ->type_name("SIDES")
      ->transform(CLI::IsMember({"one", "two"}, CLI::ignore_case));
  sub->add_option("--k", cmd.k, "cusum: reference value in sigma (required)")->type_name("K");
  sub->add_option("--h", cmd.h, "cusum: decision interval in sigma (or --arl0)")->type_name("H");
  sub->add_option("--headstart", cmd.headstart, "cusum: start value of each side in sigma (default 0)")
      ->type_name("HS");
  sub->add_option("--lambda", cmd.lambda, "ewma: weight of the newest value, in (0, 1] (required)")
      ->type_name("LAMBDA");
  sub->add_option("--L", cmd.L, "ewma: limit width in sigma of the EWMA (or --arl0)")->type_name("L");
  sub->add_option("--arl0", cmd.arl0, "Find h (cusum) or L (ewma) for this in-control ARL (> 1)")->type_name("A");
  sub->add_option("--shift", cmd.shift, "Mean shifts in sigma, comma-separated (default 0)")
      ->delimiter(',')
      ->type_name("D,D,...");
  sub->add_option("--nodes", cmd.nodes, "Gauss-Legendre nodes (default 64 for cusum; 100 for ewma, more for small lambda)")
      ->type_name("N");
  sub->add_option("--output,-o", cmd.output, "Write the CSV to this file (default: standard output)")->type_name("FILE");
  return sub;
}

int run_arl(const arl_command& cmd) {
  const bool cusum = cmd.chart == "cusum";
  const char* chart = cusum ? "cusum" : "ewma";
  auto refuse = [&](bool given, const char* option, const char* whose) {
    if (given) throw usage_error(fmt::format("option --{}: a parameter of the {} chart, not of the {} chart", option, whose, chart));
  };
  if (cusum) {
    refuse(cmd.lambda.has_value(), "lambda", "ewma");
    refuse(cmd.L.has_value(), "L", "ewma");
    if (!cmd.k) throw usage_error("option --k: the cusum chart needs its reference value (--k K, in sigma; 0.5 is usual)");
    if (cmd.h && cmd.arl0) throw usage_error("options --h and --arl0: give h to compute its ARL, or arl0 to find h, not both");
    if (!cmd.h && !cmd.arl0) throw usage_error("option --h: give the decision interval (--h H), or --arl0 A to find it");
  } else {
    refuse(cmd.k.has_value(), "k", "cusum");
    refuse(cmd.h.has_value(), "h", "cusum");
    refuse(cmd.headstart.has_value(), "headstart", "cusum");
    if (!cmd.lambda) throw usage_error("option --lambda: the ewma chart needs its weight (--lambda LAMBDA; 0.2 is usual)");
    if (cmd.L && cmd.arl0) throw usage_error("options --L and --arl0: give L to compute its ARL, or arl0 to find L, not both");
    if (!cmd.L && !cmd.arl0) throw usage_error("option --L: give the limit width (--L L), or --arl0 A to find it");
  }
  std::vector<double> shifts;
  for (const std::string& s : cmd.shift) shifts.push_back(number_or_fail(s));
  if (shifts.empty()) shifts.push_back(0);
  const arl_sides sides = *parse_arl_sides(cmd.sided);

  std::string text;
  io::csv_row row(text);
  try {
    if (cusum) {
      cusum_arl_options o;
      o.k = *cmd.k;
      o.headstart = cmd.headstart.value_or(0);
      o.sides = sides;
      if (cmd.nodes) o.nodes = *cmd.nodes;
      if (cmd.arl0) {
        o.h = cusum_critical_h(o, *cmd.arl0);
      } else {
        o.h = *cmd.h;
      }
      const std::vector<double> arl = cusum_arl(o, shifts);
      for (const char* name : {"chart", "sided", "k", "h", "headstart", "shift", "arl"}) row.field(name);
      row.end();
      for (std::size_t i = 0; i < shifts.size(); ++i) {
        row.field("cusum");
        row.field(to_string(sides));
        for (double v : {o.k, o.h, o.headstart, shifts[i], arl[i]}) row.field(v);
        row.end();
      }
    } else {
      ewma_arl_options o;
      o.lambda = *cmd.lambda;
      o.sides = sides;
      if (cmd.nodes) o.nodes = *cmd.nodes;
      o.L = cmd.arl0 ? ewma_critical_L(o, *cmd.arl0) : *cmd.L;
      const std::vector<double> arl = ewma_arl(o, shifts);
      for (const char* name : {"chart", "sided", "lambda", "L", "shift", "arl"}) row.field(name);
      row.end();
      for (std::size_t i = 0; i < shifts.size(); ++i) {
        row.field("ewma");
        row.field(to_string(sides));
        for (double v : {o.lambda, o.L, shifts[i], arl[i]}) row.field(v);
        row.end();
      }
      if (cmd.arl0)
        fmt::print(stderr,
                   "spc arl: note: L is calibrated for the asymptotic (fixed) limits; spc chart's default exact "
                   "limits give an in-control ARL a few per cent below {} (chart with --asymptotic for this ARL0)\n",
                   fmt::format("{:.15g}", *cmd.arl0));
    }
  } catch (const input_error& e) {
    as_usage(e);
  }
  io::output_file out(cmd.output);
  out.write(text);
  out.commit();
  return exit_ok;
}

}  // namespace spc::cli
