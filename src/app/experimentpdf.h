// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace clusterlab::experiment {
struct RunReport;
}

namespace clusterlab {

// The experiments' report as a PDF (A4): the same pieces as the HTML report
// (experiment/report.h), typeset by Qt's text document, with every chart
// drawn from its SVG as vectors. False with a reason when the file cannot
// be written.
bool writeExperimentPdf(const experiment::RunReport& report, const QString& path, QString* error);

} // namespace clusterlab
