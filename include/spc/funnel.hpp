// spc/funnel.hpp: funnel plots: which units (hospitals, municipalities, nursing homes, wards)
// differ on one indicator more than chance allows.
//
// Each unit is one point: its indicator r = y / n against its precision n, with limits around a
// target θ0 at 95 % and 99.8 % that narrow as n grows (Spiegelhalter 2005, Stat Med 24:1185). A
// unit strictly outside the drawn 99.8 % limits is an outlier. The method, every formula and the
// deliberate differences from FunnelPlotR 0.6.0 are specified in the project's funnel
// specification (docs/funnel.md explains them with their sources):
//   - types: proportions (pr, exact binomial limits), indirectly standardised ratios O/E (sr,
//     exact Poisson limits; z on the log scale, SHMI, or the square-root scale, CQC) and ratios
//     of counts (rc, normal limits on the log scale);
//   - z-scores on each type's transformed scale; the dispersion ratio φ from winsorised (or, for
//     SHMI, truncated) z-scores; τ² by DerSimonian–Laird; additive (random effects) or
//     multiplicative adjusted limits, drawn when φ > 1 (`overdispersion::automatic`), never, or
//     always; adjusted limits are never inside the unadjusted ones;
//   - `funnel_compat::funnelplotr` reproduces FunnelPlotR 0.6.0's own numbers instead.
//
// The functions are pure: one funnel's units as spans of doubles, results as plain structs.
// Summing rows that share a unit (record-level or monthly data) is done by the batch form,
// `funnel_batch`, which also computes many funnels in one call, in parallel. Bad input throws
// `spc::input_error` naming the argument ("y", "n", "target", ...), the unit (0-based index) and
// the problem; a missing y or n (NaN) is a unit without data, not an error.
//
// Example: nursing homes screening residents for malnutrition, with the curves for a plot:
//
//   spc::funnel_options o{.type = spc::funnel_type::pr};
//   spc::funnel_result f = spc::funnel(screened, residents, o);
//   for (std::size_t i = 0; i < f.size(); ++i)
//     if (f.units.outlier[i] == spc::funnel_flag::low) report(i, f.units.ratio[i]);
//   std::vector<double> grid = spc::funnel_grid(o, 10, 400, 200);
//   spc::funnel_curves c = spc::curves(f, grid);   // c.lcl_998[k] is the limit at grid[k]
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "spc/batch.hpp"  // series_status
#include "spc/types.hpp"

namespace spc {

/// What the indicator is (funnel spec §1).
enum class funnel_type : std::uint8_t {
  pr,  ///< proportion: y cases with the outcome of n cases (0 <= y <= n, n a whole number >= 1)
  sr,  ///< indirectly standardised ratio O / E: observed events over expected events (E > 0)
  rc,  ///< ratio of counts: a count over a second count (> 0), e.g. this year over last year
};

/// The transformed scale of a standardised ratio (sr only).
enum class sr_method : std::uint8_t {
  shmi,  ///< log(O/E), SHMI truncation of the z-scores (NHS Digital; FunnelPlotR's default)
  cqc,   ///< sqrt(O/E), winsorised z-scores (CQC)
};

/// Which adjusted limits are drawn (funnel spec §6).
enum class overdispersion : std::uint8_t {
  automatic,       ///< "auto": additive, when the funnel is over-dispersed (φ > 1)
  none,            ///< never
  multiplicative,  ///< always, scaled by √max(φ, 1) (Spiegelhalter 2005)
  additive,        ///< always, with the between-unit variance τ² (random effects)
};

/// The adjusted limits a funnel draws (its `od_*` columns).
enum class funnel_adjustment : std::uint8_t { none, additive, multiplicative };

/// Whose numbers: the specification's (default), or FunnelPlotR 0.6.0's (funnel spec §8: its
/// rounded normal quantiles, chi-square SR limits, arcsine PR limits with its plotting-grid rule,
/// unsquared CQC and arcsine-variance RC limits, no widening, E rounded to 2 decimals for SHMI).
enum class funnel_compat : std::uint8_t { none, funnelplotr };

/// A unit against the drawn 99.8 % limits.
enum class funnel_flag : std::uint8_t {
  inside,   ///< not an outlier (a ratio equal to a limit is inside)
  high,     ///< r > the upper limit
  low,      ///< r < the lower limit
  no_data,  ///< the unit has no data (a missing y or n): no ratio, no flag
};

std::string_view to_string(funnel_type t) noexcept;     ///< "pr", "sr", "rc"
std::string_view to_string(sr_method m) noexcept;       ///< "shmi", "cqc"
std::string_view to_string(overdispersion o) noexcept;  ///< "auto", "none", "multiplicative", "additive"
std::string_view to_string(funnel_adjustment a) noexcept;  ///< "none", "additive", "multiplicative"
std::string_view to_string(funnel_compat c) noexcept;      ///< "none", "funnelplotr"
std::string_view to_string(funnel_flag f) noexcept;        ///< "", "high", "low", "" (no data)
std::optional<funnel_type> parse_funnel_type(std::string_view name) noexcept;
std::optional<sr_method> parse_sr_method(std::string_view name) noexcept;
std::optional<overdispersion> parse_overdispersion(std::string_view name) noexcept;
std::optional<funnel_compat> parse_funnel_compat(std::string_view name) noexcept;

/// The fewest z-scores from which φ and τ² are estimated (funnel spec §5.3).
inline constexpr std::size_t funnel_min_estimate_units = 2;

/// How one funnel is computed.
struct funnel_options {
  funnel_type type = funnel_type::pr;
  sr_method method = sr_method::shmi;  ///< sr only (ignored for pr and rc)
  overdispersion adjustment = overdispersion::automatic;
  /// θ0: in (0, 1) for pr, > 0 for sr and rc. Not set: the pooled Σy / Σn (pr, rc) or 1 (sr).
  std::optional<double> target = std::nullopt;
  /// funnelplotr: not with a target or multiplicative adjustment (FunnelPlotR has neither).
  funnel_compat compat = funnel_compat::none;
};

/// What one funnel estimated and decided: its summary row.
struct funnel_summary {
  std::size_t n_units = 0;     ///< I: units with data
  std::size_t n_estimate = 0;  ///< I′: the z-scores in the estimate of φ and τ² (after SHMI truncation)
  double target = na;          ///< θ0
  double phi = na;             ///< φ, the dispersion ratio; missing when I′ < 2
  double tau2 = na;            ///< τ², between-unit variance on the transformed scale; missing when I′ < 2
  bool overdispersed = false;  ///< I′ >= 2 and φ > 1
  funnel_adjustment adjustment = funnel_adjustment::none;  ///< the adjusted limits drawn
  std::size_t n_outliers_high = 0;  ///< units above the drawn upper 99.8 % limit
  std::size_t n_outliers_low = 0;   ///< units below the drawn lower 99.8 % limit
};

/// Mutable views of the per-unit outputs, one element per unit. Every span must have the
/// funnel's size, or be empty (that column is then not written).
struct funnel_columns {
  std::span<double> y, n;  ///< the unit's y and n as used (compat SHMI: E rounded to 2 decimals)
  std::span<double> ratio, z, z_adjusted;
  std::span<double> lcl_95, ucl_95, lcl_998, ucl_998;  ///< unadjusted limits at the unit's n
  /// Adjusted limits at the unit's n; missing when none are drawn.
  std::span<double> od_lcl_95, od_ucl_95, od_lcl_998, od_ucl_998;
  std::span<funnel_flag> outlier;
};

/// The per-unit columns of one funnel or of a batch (every vector of the same size).
struct funnel_units {
  std::vector<double> y;           ///< the unit's numerator (the sum of its rows in a batch)
  std::vector<double> n;           ///< its denominator (compat SHMI: E rounded to 2 decimals)
  std::vector<double> ratio;       ///< r = y / n
  std::vector<double> z;           ///< unadjusted z-score on the transformed scale; -inf for O = 0 (shmi)
  std::vector<double> z_adjusted;  ///< additive adjustment drawn: z·s / √(s² + τ²); otherwise z
  std::vector<double> lcl_95, ucl_95, lcl_998, ucl_998;
  std::vector<double> od_lcl_95, od_ucl_95, od_lcl_998, od_ucl_998;
  std::vector<funnel_flag> outlier;

  std::size_t size() const noexcept { return y.size(); }
  void resize(std::size_t units);
  funnel_columns columns() noexcept;
};

/// One funnel: its options, summary and per-unit columns (aligned with the input).
struct funnel_result {
  funnel_options options;
  funnel_summary summary;
  funnel_units units;

  std::size_t size() const noexcept { return units.size(); }
};

namespace detail {
struct funnel_scratch {
  std::vector<double> y, n, ratio, z, s, kept;  // the units as used, their z-scores and errors
  std::vector<std::size_t> order;               // ranks (SHMI truncation)
  std::vector<double> grid;                     // FunnelPlotR's plotting grid (compat PR)
};
}  // namespace detail

/// Scratch memory reused between funnels (one per thread in batch work). Opaque: create one and
/// pass it along.
struct funnel_workspace {
  detail::funnel_scratch scratch;
};

/// Finds a problem with the options alone, or nothing: a target out of range ("target"), compat
/// with a target or multiplicative adjustment ("compat"). Front ends call it before reading data.
std::optional<input_error> find_problem(const funnel_options& options);

/// Computes one funnel from the units' numerators `y` and denominators `n` (for sr: the
/// expected counts). A unit with a missing y or n has no data: its outputs are missing and its
/// flag `no_data`. Throws `input_error` for bad data, naming "y" or "n" and the unit: a negative
/// value, a zero denominator, an infinite value, for pr a numerator above its denominator or a
/// denominator that is not a whole number; and for bad options or funnels: spans of different
/// lengths, a target out of range ("target"), a target (given or pooled) that makes the limits
/// degenerate (pr: 0 or 1; sr, rc: 0), no unit with data ("units"), a forced adjustment with
/// fewer than 2 z-scores in the estimate ("overdispersion"), compat with a target or
/// multiplicative adjustment ("compat").
funnel_result funnel(std::span<const double> y, std::span<const double> n, const funnel_options& options);

/// The caller-owned form of `funnel`: the per-unit columns into `out` (each span empty = not
/// written, or of the funnel's size; `out.y` and `out.n` may be the memory of `y` and `n`), the
/// summary into `summary`. Allocates nothing once `ws` is warm (but for FunnelPlotR's plotting grid
/// in compat PR mode).
void funnel_into(std::span<const double> y, std::span<const double> n, const funnel_options& options,
                 const funnel_columns& out, funnel_summary& summary, funnel_workspace& ws);

// --- Curves, for plotting ----------------------------------------------------------------------

/// The limits of a funnel on a grid of denominators: the unadjusted ones, and the drawn adjusted
/// ones (missing when none are drawn). At a unit's n they are that unit's limits.
struct funnel_curves {
  std::vector<double> n;
  std::vector<double> lcl_95, ucl_95, lcl_998, ucl_998;
  std::vector<double> od_lcl_95, od_ucl_95, od_lcl_998, od_ucl_998;

  std::size_t size() const noexcept { return n.size(); }
};

/// The limits of a computed funnel (its options and summary: θ0, φ, τ², the drawn adjustment) at
/// every point of `grid`, which must be positive, finite and strictly increasing, and for pr in
/// the default mode hold whole numbers (the exact binomial limits exist only there). In compat
/// mode the PR limits follow FunnelPlotR's rule between neighbouring grid points (funnel spec
/// §8, D4), as its own plot does on its grid. Throws `input_error` ("grid", the point).
funnel_curves curves(const funnel_options& options, const funnel_summary& summary, std::span<const double> grid);
funnel_curves curves(const funnel_result& result, std::span<const double> grid);

/// The caller-owned form of `curves`: `out.n` is resized to the grid and every column written.
void curves_into(const funnel_options& options, const funnel_summary& summary, std::span<const double> grid,
                 funnel_curves& out);

/// A plotting grid from `n_min` to `n_max` (both > 0, n_min <= n_max): `points` denominators
/// spaced geometrically, since the limits change fastest at small n; for pr rounded to whole
/// numbers (at least 1) and without repeats. Both ends are included.
std::vector<double> funnel_grid(const funnel_options& options, double n_min, double n_max, std::size_t points = 200);

// --- Many funnels ------------------------------------------------------------------------------

/// The input of a batch of funnels: rows of (y, n), each belonging to a unit, each unit to a
/// funnel. Rows that share a unit are summed (funnel spec §1: monthly rows per municipality give
/// the year's funnel); a row with a missing y or n is left out of the sums, and a unit with no
/// complete row has no data.
struct funnel_batch_input {
  std::span<const double> y = {};  ///< per row: the numerator
  std::span<const double> n = {};  ///< per row: the denominator (sr: the expected count)
  /// Per row: the unit it belongs to (0-based, over all funnels). Empty: row k is unit k.
  std::span<const std::size_t> unit = {};
  /// F+1 boundaries over units: funnel f has units [offsets[f], offsets[f+1]).
  std::span<const std::size_t> offsets = {};

  std::size_t funnel_count() const noexcept { return offsets.empty() ? 0 : offsets.size() - 1; }
  std::size_t unit_count() const noexcept { return offsets.empty() ? 0 : offsets.back(); }
};

/// How each funnel of a batch is computed.
struct funnel_batch_options {
  /// The option sets. One: every funnel uses it; one per funnel; or chosen by `set_of_funnel`.
  std::span<const funnel_options> sets = {};
  std::span<const std::uint32_t> set_of_funnel = {};  ///< per funnel, its index in `sets`
  /// Threads: 0 = OpenMP's default. Ignored when the library is built without OpenMP.
  int threads = 0;
};

/// Why a funnel of a batch was not computed.
struct funnel_problem {
  std::size_t funnel = 0;  ///< 0-based index of the funnel
  /// The unit of the offending value (0-based over all funnels), or input_error::npos.
  std::size_t unit = input_error::npos;
  input_error error;  ///< argument, index within the funnel, problem
};

/// A batch: per-unit columns over all funnels, one summary per funnel, the funnels' status.
struct funnel_batch_result {
  /// Per unit: y and n are the sums of its rows; a failed funnel's units keep them, with every
  /// computed column missing and the flag no_data.
  funnel_units units;
  std::vector<funnel_summary> summaries;  ///< one per funnel (a failed funnel's is the default)
  std::vector<series_status> status;      ///< one per funnel
  std::vector<funnel_problem> problems;   ///< one per failed funnel, in funnel order

  /// The problem of funnel f, or nullptr when it was computed.
  const funnel_problem* problem(std::size_t f) const noexcept;
};

/// Sums the rows of a batch into its units: y and n per unit (missing for a unit with no
/// complete row). Throws `input_error` for a malformed call (see `funnel_batch`).
void sum_units(const funnel_batch_input& input, std::span<double> y, std::span<double> n);

/// Computes every funnel of a batch, in parallel over funnels. Each funnel is computed exactly
/// as `funnel` computes its units' sums alone (bitwise, whatever the number of threads). A funnel
/// with bad data or options is reported in `problems` with its unit; the others are computed.
/// Throws `input_error` only for a malformed call: y and n of different lengths, a unit column
/// of another length or naming a unit that does not exist, offsets not increasing from 0, option
/// sets that do not fit the funnels.
funnel_batch_result funnel_batch(const funnel_batch_input& input, const funnel_batch_options& options);

/// The caller-owned form of `funnel_batch`: `result` is overwritten (its memory reused).
void funnel_batch_into(const funnel_batch_input& input, const funnel_batch_options& options,
                       funnel_batch_result& result);

}  // namespace spc
