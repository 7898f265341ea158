// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "runner.h"

#include <QString>

namespace clusterlab::experiment {

// A chart as SVG (vector, self-contained): axes with round ticks (1, 2, 5 ×
// 10^k; powers of ten on log axes), a unit on each axis, a whole legend,
// 95% intervals as whiskers. width x height in px.
QString chartSvg(const Chart& chart, int width = 640, int height = 320);

// The report as a sequence of pieces: HTML fragments (the subset both
// browsers and Qt's text document render: tables with bgcolor, headings,
// lists) and charts between them. reportHtml() joins them into a page with
// inline SVG; the desktop build lays the same pieces out as a PDF with the
// charts drawn as vectors.
struct ReportPiece
{
    QString html;                 // empty for a chart
    const Chart* chart = nullptr; // points into the report: keep it alive
    QString anchor;               // the chart's anchor (chartAnchor)
};
QList<ReportPiece> reportPieces(const RunReport& report);

// The seed's table with a verdict per cell, as an HTML table (the subset
// above); `chartLinks` adds a link from each cell to its chart's anchor.
// With several engines, each cell has a line per engine and the evidence
// follows the table.
QString verdictTableHtml(const VerdictTable& table, bool chartLinks);
// The seed's Q2 table (who assigns a new connection), one verdict per
// engine; empty when the distribution experiment did not run.
QString distributionTableHtml(const VerdictTable& table, bool chartLinks);
// A chart's anchor in the report: its id, prefixed by the engine when it is
// not the native one ("node-crossover-throughput").
QString chartAnchor(const QString& variant, const QString& chartId);

// The report as one self-contained HTML page: the verdict table first (each
// cell's evidence linking to the chart it came from), then the machine and
// settings, then one section per experiment with its question, method,
// findings and charts.
QString reportHtml(const RunReport& report);

// Round axis ticks for [lo, hi]: a step of 1, 2 or 5 × 10^k giving 4..8
// ticks. Exposed for tests.
QList<double> niceTicks(double lo, double hi, int maxTicks = 7);

} // namespace clusterlab::experiment
