// SPDX-License-Identifier: GPL-3.0-or-later
#include "report.h"

#include <QtMath>

#include <algorithm>
#include <cmath>

namespace clusterlab::experiment {

namespace {

QString esc(const QString& s)
{
    return s.toHtmlEscaped();
}

// A few colours that stay apart in print and for common colour blindness.
const char* const kColours[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b" };

QString label(double v)
{
    if (v == 0)
        return QStringLiteral("0");
    const double a = std::fabs(v);
    if (a >= 1e6)
        return QString::number(v / 1e6, 'g', 3) + QLatin1Char('M');
    if (a >= 1e3)
        return QString::number(v / 1e3, 'g', 4) + QLatin1Char('k');
    return QString::number(v, 'g', 4);
}

} // namespace

QList<double> niceTicks(double lo, double hi, int maxTicks)
{
    // Any finite range gives at least two finite ticks, however wide (a file
    // once held a chart from -1e308 to 1e308: the span overflowed, the list
    // came back empty and was indexed). A non-finite end gives [0, 1].
    if (!std::isfinite(lo) || !std::isfinite(hi))
        return { 0.0, 1.0 };
    if (!(hi > lo)) {
        const double pad = std::max(1.0, std::fabs(lo) * 0.1);
        hi = lo + pad;
        if (!std::isfinite(hi) || !(hi > lo)) {
            hi = lo;
            lo = hi - pad;
        }
    }
    const int intervals = qMax(1, maxTicks - 1);
    const double rough = hi / intervals - lo / intervals; // not (hi - lo) / n: that can overflow
    const double mag = std::pow(10.0, std::floor(std::log10(rough)));
    QList<double> ticks;
    // The smallest round step (1, 2, 5 × a power of ten) whose ticks stay
    // finite; at the very edge of the double range none may: then the ends.
    for (double m : { 1.0, 2.0, 5.0, 10.0, 20.0, 50.0 }) {
        const double step = m * mag;
        if (step < rough)
            continue;
        const double first = std::floor(lo / step) * step;
        const double last = std::ceil(hi / step) * step;
        if (!std::isfinite(step) || !std::isfinite(first) || !std::isfinite(last) || step <= 0)
            continue;
        double t = first;
        for (int i = 0; i < 50 && std::isfinite(t); ++i, t += step) {
            ticks.append(std::fabs(t) < step * 1e-9 ? 0.0 : t);
            if (t >= hi - step * 1e-9)
                break; // the first tick at or past the top closes the axis
        }
        break;
    }
    if (ticks.size() < 2)
        return { lo, hi };
    return ticks;
}

QString chartSvg(const Chart& chart, int width, int height)
{
    const double left = 70;
    const double right = 16;
    const double top = 30;
    const int lineCount = static_cast<int>(chart.lines.size());
    // Text widths estimated at 0.6 em per character (sans-serif): the legend
    // goes one entry per row when two would not fit side by side, and the
    // title shrinks to the width rather than run past it.
    qsizetype longest = 0;
    for (const Line& l : chart.lines)
        longest = qMax(longest, l.name.size());
    const int perRow = (width - left - right) / 2 >= 20 + 7.2 * static_cast<double>(longest) ? 2 : 1;
    const double legendRows = std::ceil(lineCount / static_cast<double>(perRow));
    const double titleSize = qBound(9.0, (width - 20) / (0.62 * qMax<qsizetype>(1, chart.title.size())), 14.0);
    const double bottom = 48 + 18 * legendRows;
    const double pw = width - left - right;
    const double ph = height - top - bottom;

    // Ranges.
    double xMin = 1e300, xMax = -1e300, yMin = 1e300, yMax = -1e300;
    for (const Line& l : chart.lines) {
        for (qsizetype i = 0; i < l.points.size(); ++i) {
            xMin = qMin(xMin, l.points[i].x());
            xMax = qMax(xMax, l.points[i].x());
            double lo = l.points[i].y();
            double hi = lo;
            if (i < l.intervals.size()) {
                // On a log axis a whisker reaching zero or below is cut at
                // the axis, not allowed to stretch it.
                if (!chart.logY || l.intervals[i].x() > 0)
                    lo = qMin(lo, l.intervals[i].x());
                hi = qMax(hi, l.intervals[i].y());
            }
            yMin = qMin(yMin, lo);
            yMax = qMax(yMax, hi);
        }
    }
    const bool empty = xMin > xMax;
    if (empty) {
        xMin = 0;
        xMax = 1;
        yMin = 0;
        yMax = 1;
    }
    if (chart.categoricalX) {
        xMin = -0.5;
        xMax = qMax(0.5, static_cast<double>(chart.xCategories.size()) - 0.5);
    }
    const bool logY = chart.logY && yMin > 0;
    const bool nonNegative = yMin >= 0;
    const bool logX = chart.logX && !chart.categoricalX && xMin > 0;
    QList<double> yTicks;
    if (logY) {
        const double lo = std::floor(std::log10(yMin));
        const double hi = std::ceil(std::log10(yMax));
        for (double e = lo; e <= hi; e += 1)
            yTicks.append(std::pow(10.0, e));
        if (yTicks.size() < 2)
            yTicks.append(yTicks.first() * 10);
        yMin = yTicks.first();
        yMax = yTicks.last();
    } else {
        yTicks = niceTicks(nonNegative ? 0.0 : yMin, yMax);
        yMin = yTicks.first();
        yMax = yTicks.last();
    }
    QList<double> xTicks;
    if (chart.categoricalX) {
        for (qsizetype i = 0; i < chart.xCategories.size(); ++i)
            xTicks.append(static_cast<double>(i));
    } else if (logX) {
        const double lo = std::floor(std::log10(xMin));
        const double hi = std::ceil(std::log10(xMax));
        for (double e = lo; e <= hi; e += 1)
            xTicks.append(std::pow(10.0, e));
        xMin = xTicks.first();
        xMax = xTicks.last();
    } else {
        xTicks = niceTicks(xMin, xMax);
        xMin = xTicks.first();
        xMax = xTicks.last();
    }
    const auto px = [&](double x) {
        const double f = logX ? (std::log10(x) - std::log10(xMin)) / (std::log10(xMax) - std::log10(xMin))
                              : (x - xMin) / (xMax - xMin);
        return left + f * pw;
    };
    const auto py = [&](double y) {
        const double f = logY ? (std::log10(qMax(y, yMin)) - std::log10(yMin)) / (std::log10(yMax) - std::log10(yMin))
                              : (y - yMin) / (yMax - yMin);
        return top + ph - f * ph;
    };
    const auto f1 = [](double v) { return QString::number(v, 'f', 1); };

    QString s;
    s += QStringLiteral("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%1\" height=\"%2\" viewBox=\"0 0 %1 %2\" "
                        "font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"%3\">\n")
             .arg(width)
             .arg(height)
             .arg(esc(chart.title));
    s += QStringLiteral("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    s += QStringLiteral("<text x=\"10\" y=\"18\" font-size=\"%1\" font-weight=\"bold\">%2</text>\n")
             .arg(f1(titleSize))
             .arg(esc(chart.title));
    // Grid and ticks.
    for (double t : yTicks) {
        const double y = py(t);
        s += QStringLiteral("<line x1=\"%1\" y1=\"%2\" x2=\"%3\" y2=\"%2\" stroke=\"#ddd\"/>\n").arg(f1(left), f1(y), f1(left + pw));
        s += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"end\">%3</text>\n")
                 .arg(f1(left - 6), f1(y + 4), esc(label(t)));
    }
    for (qsizetype i = 0; i < xTicks.size(); ++i) {
        const double x = px(xTicks[i]);
        s += QStringLiteral("<line x1=\"%1\" y1=\"%2\" x2=\"%1\" y2=\"%3\" stroke=\"#eee\"/>\n").arg(f1(x), f1(top), f1(top + ph));
        const QString text = chart.categoricalX ? chart.xCategories.value(i) : label(xTicks[i]);
        s += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"middle\">%3</text>\n").arg(f1(x), f1(top + ph + 16), esc(text));
    }
    s += QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"%3\" height=\"%4\" fill=\"none\" stroke=\"#555\"/>\n")
             .arg(f1(left), f1(top), f1(pw), f1(ph));
    // Axis titles.
    if (!chart.xTitle.isEmpty())
        s += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"middle\">%3%4</text>\n")
                 .arg(f1(left + pw / 2), f1(top + ph + 34), esc(chart.xTitle), logX ? QStringLiteral(" (log)") : QString());
    s += QStringLiteral("<text transform=\"translate(16 %1) rotate(-90)\" text-anchor=\"middle\">%2%3</text>\n")
             .arg(f1(top + ph / 2), esc(chart.yTitle), logY ? QStringLiteral(" (log)") : QString());
    if (empty)
        s += QStringLiteral("<text x=\"%1\" y=\"%2\" text-anchor=\"middle\" fill=\"#777\">no data</text>\n")
                 .arg(f1(left + pw / 2), f1(top + ph / 2));
    // Lines, whiskers, points.
    for (int li = 0; li < lineCount; ++li) {
        const Line& l = chart.lines[li];
        const QString colour = QString::fromLatin1(kColours[li % 6]);
        QString path;
        for (qsizetype i = 0; i < l.points.size(); ++i) {
            path += QStringLiteral("%1%2,%3 ").arg(i == 0 ? QStringLiteral("M") : QStringLiteral("L"), f1(px(l.points[i].x())),
                                                 f1(py(l.points[i].y())));
        }
        if (!chart.categoricalX && l.points.size() > 1)
            s += QStringLiteral("<path d=\"%1\" fill=\"none\" stroke=\"%2\" stroke-width=\"2\"/>\n").arg(path.trimmed(), colour);
        const double offset = chart.categoricalX ? (li - (lineCount - 1) / 2.0) * 10.0 : 0.0;
        for (qsizetype i = 0; i < l.points.size(); ++i) {
            const double x = px(l.points[i].x()) + offset;
            if (i < l.intervals.size() && l.intervals[i].y() > l.intervals[i].x()) {
                const double y1 = py(l.intervals[i].x());
                const double y2 = py(l.intervals[i].y());
                s += QStringLiteral("<path d=\"M%1,%2 L%1,%3 M%4,%2 L%5,%2 M%4,%3 L%5,%3\" stroke=\"%6\"/>\n")
                         .arg(f1(x), f1(y1), f1(y2), f1(x - 3), f1(x + 3), colour);
            }
            s += QStringLiteral("<circle cx=\"%1\" cy=\"%2\" r=\"3.5\" fill=\"%3\"/>\n").arg(f1(x), f1(py(l.points[i].y())), colour);
        }
    }
    // Legend: whole names, two per row when they fit.
    for (int li = 0; li < lineCount; ++li) {
        const double x = left + (li % perRow) * (pw / 2);
        const double y = top + ph + 50 + 18 * (li / perRow);
        const QString colour = QString::fromLatin1(kColours[li % 6]);
        s += QStringLiteral("<rect x=\"%1\" y=\"%2\" width=\"14\" height=\"4\" fill=\"%3\"/>\n").arg(f1(x), f1(y - 6), colour);
        s += QStringLiteral("<text x=\"%1\" y=\"%2\">%3</text>\n").arg(f1(x + 20), f1(y), esc(chart.lines[li].name));
    }
    s += QStringLiteral("</svg>\n");
    return s;
}

QString chartAnchor(const QString& variant, const QString& chartId)
{
    return variant.isEmpty() || variant == QLatin1String("native") ? chartId : variant + QLatin1Char('-') + chartId;
}

namespace {

const char* verdictColour(Verdict v)
{
    return v == Verdict::Confirmed      ? "#e6f4e6"
        : v == Verdict::Contradicted    ? "#fbe3e3"
        : v == Verdict::NotDecided      ? "#fff6d9"
                                        : "#f4f4f4";
}

// A claim's cell: one engine's verdict and evidence, or, with several
// engines, a line per engine (their evidence follows the table).
QString claimCellHtml(const VerdictClaim& claim, const QString& seedWords, bool chartLinks)
{
    const bool one = claim.engines.size() == 1;
    const char* colour = claim.enginesDiffer() ? "#ece6f6" : verdictColour(claim.first().verdict);
    QString h = QStringLiteral("<td bgcolor=\"%1\"><small>seed says: %2</small>").arg(QLatin1String(colour), esc(seedWords));
    for (const VerdictCell& c : claim.engines) {
        const QString link = !chartLinks || c.chart.isEmpty()
            ? QString()
            : QStringLiteral(" <a href=\"#%1\">chart</a>")
                  .arg(esc(chartAnchor(c.sourceVariant.isEmpty() ? c.variant : c.sourceVariant, c.chart)));
        if (one)
            h += QStringLiteral("<br><b>%1 %2</b><br><small>%3%4</small>")
                     .arg(verdictSymbol(c.verdict), esc(verdictName(c.verdict)), esc(c.evidence), link);
        else
            h += QStringLiteral("<br>%1 <b>%2</b>: %3<small>%4</small>")
                     .arg(verdictSymbol(c.verdict), esc(engineLabel(claim, c)), esc(verdictName(c.verdict)), link);
    }
    if (!one && claim.enginesDiffer())
        h += QStringLiteral("<br><small><i>the engines differ: see below</i></small>");
    h += QStringLiteral("</td>");
    return h;
}

QString evidenceItemsHtml(const QString& title, const VerdictClaim& claim)
{
    QString h = QStringLiteral("<li><b>%1</b> (seed: %2)<ul>").arg(esc(title), esc(claimText(claim)));
    for (const VerdictCell& c : claim.engines)
        h += QStringLiteral("<li>%1 %2, %3: %4</li>")
                 .arg(verdictSymbol(c.verdict), esc(engineLabel(claim, c)), esc(verdictName(c.verdict)), esc(c.evidence));
    if (!claim.why.isEmpty())
        h += QStringLiteral("<li><i>Why they differ:</i> %1</li>").arg(esc(claim.why));
    h += QStringLiteral("</ul></li>\n");
    return h;
}

} // namespace

QString verdictTableHtml(const VerdictTable& table, bool chartLinks)
{
    QString h;
    if (table.variants.size() > 1) {
        QStringList labels;
        for (const QString& v : table.variants)
            labels.append(EngineVariant::of(v).label());
        h += QStringLiteral("<p>Each cell: the seed's claim, then a verdict per engine (%1).</p>\n")
                 .arg(esc(labels.join(QStringLiteral("; "))));
    }
    h += QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"5\" width=\"100%\"><tr><th>Use case</th>");
    for (const QString& c : VerdictTable::columns())
        h += QStringLiteral("<th>%1</th>").arg(esc(c));
    h += QStringLiteral("</tr>\n");
    for (const VerdictRow& row : table.rows) {
        h += QStringLiteral("<tr><th align=\"left\">%1</th>").arg(esc(row.useCase));
        for (const VerdictClaim& c : row.cells)
            h += claimCellHtml(c, claimText(c), chartLinks);
        h += QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</table>\n");
    if (table.variants.size() > 1) {
        h += QStringLiteral("<h3>Evidence, per cell and engine</h3>\n<ul>\n");
        for (const VerdictRow& row : table.rows) {
            for (int c = 0; c < 3; ++c)
                h += evidenceItemsHtml(QStringLiteral("%1 / %2").arg(row.useCase, VerdictTable::columns()[c]),
                                       row.cells[static_cast<std::size_t>(c)]);
        }
        h += QStringLiteral("</ul>\n");
    }
    return h;
}

QString distributionTableHtml(const VerdictTable& table, bool chartLinks)
{
    if (table.distribution.isEmpty())
        return QString();
    QString h = QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"5\" width=\"100%\"><tr><th>Mode</th>"
                               "<th>Who assigns a connection</th></tr>\n");
    for (const DistributionRow& row : table.distribution) {
        h += QStringLiteral("<tr><th align=\"left\">%1</th>").arg(esc(row.platform));
        h += claimCellHtml(row.claim, row.claim.seedClaim, chartLinks);
        h += QStringLiteral("</tr>\n");
    }
    h += QStringLiteral("</table>\n<ul>\n");
    for (const DistributionRow& row : table.distribution) {
        QString items = evidenceItemsHtml(row.platform, row.claim);
        items.replace(QStringLiteral(" (seed: yes)"), QStringLiteral(" (seed: \"%1\")").arg(esc(row.claim.seedClaim)));
        h += items;
    }
    h += QStringLiteral("</ul>\n");
    return h;
}

QList<ReportPiece> reportPieces(const RunReport& report)
{
    QList<ReportPiece> pieces;
    QString h;
    h += QStringLiteral("<h1>ClusterLab: cluster, threads or child processes?</h1>\n");
    h += QStringLiteral("<p>Measured %1 on <b>%2</b>. %3 run%4, %5 rounds per measurement, %6 s in all.</p>\n")
             .arg(esc(report.started.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"))), esc(report.machine.oneLine()),
                  report.settings.quick ? QStringLiteral("Quick") : QStringLiteral("Full"),
                  report.cancelled ? QStringLiteral(" (cancelled: partial)") : QString())
             .arg(report.settings.effectiveRounds())
             .arg(QString::number(report.seconds, 'f', 0));
    h += QStringLiteral("<h2>The seed's table, measured</h2>\n");
    h += verdictTableHtml(report.verdicts, true);
    h += QStringLiteral("<p>Confirmed: the measurement agrees with the seed; contradicted: it disagrees; not "
                        "decided here: the 95% intervals of the quantities compared overlap on this machine, or the "
                        "machine cannot show it (the cell says why); not measured: no experiment covers it (or it did "
                        "not run).</p>\n");
    if (!report.verdicts.distribution.isEmpty()) {
        h += QStringLiteral("<h2>The seed's Q2: 10 requests come to port 3000 — which server?</h2>\n");
        h += distributionTableHtml(report.verdicts, true);
    }
    h += QStringLiteral("<h2>Machine and settings</h2>\n<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">");
    const auto kv = [&h](const QString& k, const QString& v) {
        h += QStringLiteral("<tr><th align=\"left\">%1</th><td>%2</td></tr>").arg(esc(k), esc(v));
    };
    kv(QStringLiteral("CPU"), report.machine.cpuModel);
    kv(QStringLiteral("Cores"), QString::number(report.machine.cores));
    kv(QStringLiteral("Operating system"), report.machine.os + QStringLiteral(" (") + report.machine.kernel + QLatin1Char(')'));
    kv(QStringLiteral("Qt"), report.machine.qtVersion);
    kv(QStringLiteral("Build"), report.machine.buildType);
    kv(QStringLiteral("ClusterLab"), report.machine.clusterlabVersion);
    if (!report.machine.nodeVersion.isEmpty())
        kv(QStringLiteral("Node.js"), report.machine.nodeVersion);
    QStringList engineLabels;
    for (const EngineVariant& v : report.settings.effectiveVariants())
        engineLabels.append(v.label());
    kv(QStringLiteral("Engines"), engineLabels.join(QStringLiteral("; ")));
    kv(QStringLiteral("Mode"), report.settings.quick ? QStringLiteral("quick") : QStringLiteral("full"));
    kv(QStringLiteral("Workers (where the experiment takes a size)"),
       report.settings.workers > 0 ? QString::number(report.settings.workers) : QStringLiteral("one per core"));
    kv(QStringLiteral("Rounds"), QString::number(report.settings.effectiveRounds()));
    kv(QStringLiteral("Seed"), QString::number(report.settings.seed));
    h += QStringLiteral("</table>\n");
    pieces.append({ h, nullptr, QString() });
    for (const ExperimentResult& r : report.results) {
        QString s;
        const QString engine = report.settings.effectiveVariants().size() > 1
            ? QStringLiteral(" — ") + EngineVariant::of(r.variant).label()
            : QString();
        s += QStringLiteral("<h2><a name=\"%1\"></a>%2%4 <small>(%5, %3 s)</small></h2>\n")
                 .arg(esc(chartAnchor(r.variant, r.name)), esc(r.title), QString::number(r.seconds, 'f', 1), esc(engine),
                      esc(r.name));
        if (!r.error.isEmpty())
            s += QStringLiteral("<p><b>Could not run:</b> %1</p>\n").arg(esc(r.error));
        if (r.cancelled)
            s += QStringLiteral("<p><b>Cancelled</b> before it finished.</p>\n");
        s += QStringLiteral("<p><b>Method.</b> %1</p>\n").arg(esc(r.method));
        if (r.data.value(QStringLiteral("stepsRunAgain")).toInt() > 0)
            s += QStringLiteral("<p>%1 step(s) got no answer at all and were run again, four times as long.</p>\n")
                     .arg(r.data.value(QStringLiteral("stepsRunAgain")).toInt());
        if (!r.findings.isEmpty()) {
            s += QStringLiteral("<ul>");
            for (const QString& f : r.findings)
                s += QStringLiteral("<li>%1</li>").arg(esc(f));
            s += QStringLiteral("</ul>\n");
        }
        pieces.append({ s, nullptr, QString() });
        for (const Chart& c : r.charts)
            pieces.append({ QString(), &c, chartAnchor(r.variant, c.id) });
    }
    return pieces;
}

QString reportHtml(const RunReport& report)
{
    QString h;
    h += QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                        "<title>ClusterLab experiments</title>\n<style>\n"
                        "body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222;line-height:1.4}\n"
                        "table{border-collapse:collapse;margin:1em 0}\n"
                        "th,td{border:1px solid #bbb;padding:6px 8px;vertical-align:top;text-align:left}\n"
                        "th{background:#f0f0f0}\n"
                        "figure{margin:1em 0}svg{max-width:100%;height:auto}\n"
                        "</style></head><body>\n");
    for (const ReportPiece& p : reportPieces(report)) {
        if (p.chart != nullptr)
            h += QStringLiteral("<figure id=\"%1\">\n%2</figure>\n").arg(esc(p.anchor), chartSvg(*p.chart));
        else
            h += p.html;
    }
    h += QStringLiteral("</body></html>\n");
    return h;
}

} // namespace clusterlab::experiment
