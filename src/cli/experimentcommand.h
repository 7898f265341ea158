// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QStringList>

#include <functional>

namespace clusterlab {

namespace experiment {
struct RunReport;
}

// `clusterlab experiment [NAME…|all] [--quick] [--workers N] [--rounds R]
//  [--json FILE] [--report FILE.html|FILE.pdf]`: runs the experiments,
// prints a progress line, then the seed's table with a verdict per cell.
// Exit codes: 0 done, 1 an experiment failed or the run was cancelled
// (Ctrl-C; what was measured is still written), 2 bad usage.
int runExperiment(const QStringList& args);

// A PDF writer for --report FILE.pdf, set by a front end that has one (the
// window's build: Qt's text document and PDF writer). Without it, a .pdf
// report is refused with a message naming .html.
using PdfReportWriter = std::function<bool(const experiment::RunReport&, const QString& path, QString* error)>;
void setPdfReportWriter(PdfReportWriter writer);

} // namespace clusterlab
