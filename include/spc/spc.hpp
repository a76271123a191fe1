// spc/spc.hpp: the whole public API in one include.
#pragma once

#include "spc/chart.hpp"      // spc::qic: every chart, baselines, sigma signals
#include "spc/constants.hpp"  // c4, A3, B3, B4, d2, D4
#include "spc/runs.hpp"       // runs analysis: Anhøj rules, best box, cut box
#include "spc/subgroups.hpp"  // raw measurements to subgroup summaries (Xbar, S)
#include "spc/types.hpp"      // chart types, methods, missing values, input_error
