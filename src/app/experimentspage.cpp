// SPDX-License-Identifier: GPL-3.0-or-later
#include "experimentspage.h"

#include "experiment/experiments.h"
#include "experiment/report.h"
#include "experimentpdf.h"

#include <QCheckBox>
#include <QDateTime>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPainter>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollArea>
#include <QSvgRenderer>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

namespace clusterlab {

using namespace experiment;

namespace {

QString clockText(double seconds)
{
    const int s = qMax(0, static_cast<int>(seconds + 0.5));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

QColor verdictColour(Verdict v)
{
    switch (v) {
    case Verdict::Confirmed: return QColor(0xe6, 0xf4, 0xe6);
    case Verdict::Contradicted: return QColor(0xfb, 0xe3, 0xe3);
    case Verdict::NotDecided: return QColor(0xff, 0xf6, 0xd9);
    case Verdict::NotMeasured: break;
    }
    return QColor(0xf4, 0xf4, 0xf4);
}

constexpr int kMaxLivePoints = 600; // 2 minutes at 5 a second: bounded

} // namespace

SvgChartView::SvgChartView(QWidget* parent)
    : QWidget(parent)
{
    setMinimumSize(300, 180);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void SvgChartView::setChart(const Chart& chart)
{
    m_chart = chart;
    m_hasChart = true;
    update();
}

void SvgChartView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.fillRect(rect(), Qt::white);
    if (!m_hasChart)
        return;
    // Drawn at the widget's own size, so that text stays 12 px and the
    // axes use the room there is.
    const QByteArray svg = chartSvg(m_chart, qMax(300, width()), qMax(180, height())).toUtf8();
    QSvgRenderer renderer(svg);
    renderer.render(&p, QRectF(rect()));
}

ExperimentsPage::ExperimentsPage(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* picks = new QGridLayout();
    int i = 0;
    for (const auto& e : Experiment::all()) {
        auto* box = new QCheckBox(e->name(), this);
        box->setObjectName(QStringLiteral("experiment-") + e->name());
        box->setChecked(true);
        box->setToolTip(e->title() + QStringLiteral("\n") + e->question());
        connect(box, &QCheckBox::toggled, this, &ExperimentsPage::updateButtons);
        picks->addWidget(box, i / 4, i % 4);
        m_boxes.append(box);
        ++i;
    }
    layout->addLayout(picks);
    // The engines, and quick or full, on one line.
    auto* options = new QHBoxLayout();
    options->addWidget(new QLabel(tr("Engines:"), this));
    m_native = new QCheckBox(tr("Native"), this);
    m_native->setObjectName(QStringLiteral("engine-native"));
    m_native->setChecked(true);
    m_native->setToolTip(tr("ClusterLab's own C++ workers."));
    m_node = new QCheckBox(tr("Node.js"), this);
    m_node->setObjectName(QStringLiteral("engine-node"));
    const QString nodeMissing = EngineVariant::nodeUnavailableReason();
    m_node->setChecked(nodeMissing.isEmpty());
    m_node->setEnabled(nodeMissing.isEmpty());
    m_node->setToolTip(nodeMissing.isEmpty() ? tr("Node's own cluster, worker_threads and child_process: twice where /worker "
                                                  "or /child matter, with the seed's per-request offloading and pooled.")
                                             : nodeMissing);
    m_quick = new QCheckBox(tr("Quick"), this);
    m_quick->setChecked(true);
    m_quick->setToolTip(tr("Short steps, about a minute per engine. Unchecked: longer steps and a finer sweep, a few minutes."));
    for (QCheckBox* b : { m_native, m_node, m_quick }) {
        connect(b, &QCheckBox::toggled, this, &ExperimentsPage::updateButtons);
        options->addWidget(b);
    }
    options->addStretch(1);
    layout->addLayout(options);

    auto* buttons = new QHBoxLayout();
    m_run = new QPushButton(tr("Run"), this);
    m_run->setObjectName(QStringLiteral("runExperiments"));
    m_run->setToolTip(tr("Each experiment starts clusters of its own: the lab's cluster stops while they run and "
                         "starts again afterwards."));
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_open = new QPushButton(tr("Open…"), this);
    m_open->setToolTip(tr("Open a run saved as JSON (here or by `clusterlab experiment --json`)."));
    m_saveReport = new QPushButton(tr("Report…"), this);
    m_saveReport->setToolTip(tr("Save the report: the table, then each experiment's method, findings and charts (PDF or HTML)."));
    m_saveJson = new QPushButton(tr("JSON…"), this);
    m_saveJson->setToolTip(tr("Save every measurement, the machine and the settings as JSON."));
    m_estimate = new QLabel(this);
    buttons->addWidget(m_run);
    buttons->addWidget(m_cancel);
    buttons->addWidget(m_estimate, 1);
    buttons->addWidget(m_open);
    buttons->addWidget(m_saveReport);
    buttons->addWidget(m_saveJson);
    layout->addLayout(buttons);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(8);
    layout->addWidget(m_progress);
    m_step = new QLabel(tr("The seed's question — cluster, worker threads or child processes? — answered on this machine: "
                           "pick experiments and press Run."),
                        this);
    m_step->setWordWrap(true);
    layout->addWidget(m_step);

    // One view at a time, each with the whole page: the table, the running
    // step, a cell's evidence (a click on the cell opens it).
    m_right = new QTabWidget(this);
    m_table = new QTableWidget(7, 4);
    m_table->setHorizontalHeaderLabels(QStringList { tr("Use case") } + VerdictTable::columns());
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    connect(m_table, &QTableWidget::cellClicked, this, [this](int row, int column) { showCell(row, column - 1); });
    auto* verdicts = new QWidget(m_right);
    auto* verdictsLayout = new QVBoxLayout(verdicts);
    verdictsLayout->setContentsMargins(0, 0, 0, 0);
    verdictsLayout->addWidget(m_table, 1);
    m_legend = new QLabel(verdicts);
    m_legend->setWordWrap(true);
    verdictsLayout->addWidget(m_legend);
    m_right->addTab(verdicts, tr("Verdicts"));
    m_liveChart = new SvgChartView(m_right);
    m_right->addTab(m_liveChart, tr("Running step"));
    auto* evidence = new QWidget(m_right);
    auto* evidenceLayout = new QVBoxLayout(evidence);
    m_evidenceText = new QLabel(tr("Click a cell of the table."), evidence);
    m_evidenceText->setWordWrap(true);
    m_evidenceText->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_evidenceChart = new SvgChartView(evidence);
    // With three engines the evidence is a paragraph each: it scrolls, the
    // chart keeps its half.
    auto* evidenceScroll = new QScrollArea(evidence);
    evidenceScroll->setWidgetResizable(true);
    evidenceScroll->setFrameShape(QFrame::NoFrame);
    evidenceScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    evidenceScroll->setWidget(m_evidenceText);
    m_evidenceText->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    evidenceLayout->addWidget(evidenceScroll, 1);
    evidenceLayout->addWidget(m_evidenceChart, 1);
    m_right->addTab(evidence, tr("Evidence"));
    layout->addWidget(m_right, 1);

    m_live = Chart { QStringLiteral("live"), tr("The running step"), tr("time (s)"), tr("requests/s"), false, false, false, {}, {} };
    fillTable();

    connect(m_run, &QPushButton::clicked, this, &ExperimentsPage::run);
    connect(m_cancel, &QPushButton::clicked, this, &ExperimentsPage::cancel);
    connect(m_open, &QPushButton::clicked, this, [this]() {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open results"), QString(), tr("JSON (*.json)"));
        if (!path.isEmpty()) {
            const QString error = openJson(path);
            if (!error.isEmpty())
                m_step->setText(error);
        }
    });
    connect(m_saveReport, &QPushButton::clicked, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save report"), QStringLiteral("clusterlab-experiments.pdf"),
                                                          tr("PDF (*.pdf);;HTML (*.html)"));
        if (!path.isEmpty()) {
            const QString error = saveReport(path);
            m_step->setText(error.isEmpty() ? tr("Report saved: %1").arg(path) : error);
        }
    });
    connect(m_saveJson, &QPushButton::clicked, this, [this]() {
        const QString path = QFileDialog::getSaveFileName(this, tr("Save measurements"), QStringLiteral("clusterlab-experiments.json"),
                                                          tr("JSON (*.json)"));
        if (!path.isEmpty()) {
            const QString error = saveJson(path);
            m_step->setText(error.isEmpty() ? tr("Measurements saved: %1").arg(path) : error);
        }
    });
    connect(&m_runner, &ExperimentRunner::progress, this, &ExperimentsPage::onProgress);
    connect(&m_runner, &ExperimentRunner::stepLoad, this, &ExperimentsPage::onStepLoad);
    connect(&m_runner, &ExperimentRunner::finished, this, &ExperimentsPage::onFinished);
    updateButtons();
}

ExperimentsPage::~ExperimentsPage() = default;

QStringList ExperimentsPage::selectedExperiments() const
{
    QStringList names;
    for (QCheckBox* b : m_boxes) {
        if (b->isChecked())
            names.append(b->text().remove(QLatin1Char('&')));
    }
    return names;
}

void ExperimentsPage::setSelectedExperiments(const QStringList& names)
{
    for (QCheckBox* b : m_boxes)
        b->setChecked(names.contains(b->text().remove(QLatin1Char('&'))));
}

void ExperimentsPage::setQuick(bool quick)
{
    m_quick->setChecked(quick);
}

void ExperimentsPage::setEngines(bool native, bool node)
{
    m_native->setChecked(native);
    m_node->setChecked(node && m_node->isEnabled());
}

ExperimentSettings ExperimentsPage::settings() const
{
    ExperimentSettings s;
    s.quick = m_quick->isChecked();
    s.timeScale = m_timeScale;
    s.rounds = m_rounds;
    QList<EngineKind> engines;
    if (m_native->isChecked())
        engines.append(EngineKind::Native);
    if (m_node->isChecked() && m_node->isEnabled())
        engines.append(EngineKind::Node);
    s.variants = EngineVariant::forEngines(engines);
    return s;
}

void ExperimentsPage::setTestScale(double timeScale, int rounds)
{
    m_timeScale = timeScale;
    m_rounds = rounds;
    updateButtons();
}

bool ExperimentsPage::isRunning() const
{
    return m_runner.isRunning() || m_waitingToStart;
}

void ExperimentsPage::updateButtons()
{
    const bool running = isRunning();
    const QStringList names = selectedExperiments();
    const bool anEngine = m_native->isChecked() || (m_node->isChecked() && m_node->isEnabled());
    m_run->setEnabled(!running && !names.isEmpty() && anEngine);
    m_cancel->setEnabled(running);
    m_open->setEnabled(!running);
    m_saveReport->setEnabled(!running && m_hasReport);
    m_saveJson->setEnabled(!running && m_hasReport);
    for (QCheckBox* b : m_boxes)
        b->setEnabled(!running);
    m_quick->setEnabled(!running);
    m_native->setEnabled(!running);
    m_node->setEnabled(!running && EngineVariant::nodeUnavailableReason().isEmpty());
    if (!running) {
        m_estimate->setText(names.isEmpty() ? tr("Nothing selected.")
                            : !anEngine     ? tr("No engine selected.")
                                            : tr("About %1.").arg(clockText(ExperimentRunner::estimatedSeconds(names, settings()))));
    }
}

void ExperimentsPage::run()
{
    if (isRunning() || selectedExperiments().isEmpty())
        return;
    m_waitingToStart = true;
    updateButtons();
    m_step->setText(tr("Stopping the lab's cluster to free the machine…"));
    if (m_beforeRun)
        m_beforeRun([this]() { startNow(); });
    else
        startNow();
}

void ExperimentsPage::startNow()
{
    const ExperimentSettings s = settings();
    QString error;
    m_waitingToStart = false;
    m_live.lines.clear();
    m_liveStep.clear();
    m_liveStartMs = QDateTime::currentMSecsSinceEpoch();
    if (!m_runner.start(selectedExperiments(), s, &error)) {
        m_step->setText(error);
        updateButtons();
        return;
    }
    m_progress->setValue(0);
    m_right->setCurrentIndex(1);
    m_step->setText(tr("Starting…"));
    updateButtons();
    Q_EMIT runStarted();
}

void ExperimentsPage::cancel()
{
    m_runner.cancel();
    m_step->setText(tr("Cancelling: the current step stops, what was measured is kept…"));
}

void ExperimentsPage::onProgress(const RunProgress& p)
{
    m_progress->setValue(static_cast<int>(p.fraction * 1000));
    m_step->setText(tr("%1 of %2: <b>%3</b> — %4. Elapsed %5, about %6 left.")
                        .arg(p.index + 1)
                        .arg(p.count)
                        .arg(p.title.toHtmlEscaped(), p.step.toHtmlEscaped(), clockText(p.elapsedSeconds),
                             clockText(p.etaSeconds)));
}

void ExperimentsPage::onStepLoad(const QString& experiment, const QString& step, double rps, double p99Ms)
{
    Q_UNUSED(p99Ms)
    // One line per step of the running experiment; the last few steps stay
    // (bounded), so that rounds can be compared by eye.
    const double t = static_cast<double>(QDateTime::currentMSecsSinceEpoch() - m_liveStartMs) / 1000.0;
    const QString name = experiment + QStringLiteral(": ") + step;
    if (name != m_liveStep) {
        m_liveStep = name;
        m_live.lines.append(Line { name, {}, {} });
        while (m_live.lines.size() > 4)
            m_live.lines.removeFirst();
    }
    Line& line = m_live.lines.last();
    line.points.append(QPointF(t, rps));
    if (line.points.size() > kMaxLivePoints)
        line.points.removeFirst();
    m_live.title = tr("Requests/s of the running step (%1)").arg(experiment);
    m_liveChart->setChart(m_live);
}

void ExperimentsPage::onFinished(const RunReport& report)
{
    m_progress->setValue(1000);
    showReport(report);
    m_right->setCurrentIndex(0);
    QStringList failed;
    for (const ExperimentResult& r : report.results) {
        if (!r.error.isEmpty())
            failed.append(r.name + QStringLiteral(": ") + r.error);
    }
    m_step->setText((report.cancelled ? tr("Cancelled after %1: the table holds what was measured.")
                                      : tr("Done in %1: %2 confirmed, %3 contradicted, %4 not decided here."))
                        .arg(clockText(report.seconds))
                        .arg(report.verdicts.count(Verdict::Confirmed))
                        .arg(report.verdicts.count(Verdict::Contradicted))
                        .arg(report.verdicts.count(Verdict::NotDecided))
                    + (failed.isEmpty() ? QString() : QStringLiteral(" ") + tr("Could not run: %1").arg(failed.join(QStringLiteral("; ")))));
    updateButtons();
    Q_EMIT runFinished(report);
}

void ExperimentsPage::showReport(const RunReport& report)
{
    m_report = report;
    m_hasReport = true;
    fillTable();
    updateButtons();
}

namespace {
QString engineLines(const VerdictClaim& claim)
{
    QStringList lines;
    for (const VerdictCell& e : claim.engines) {
        // Several engines: a symbol and the engine per line (the legend
        // under the table says what the symbols mean), so that a cell stays
        // a few short lines at 1280 px.
        lines.append(claim.engines.size() == 1
                         ? QStringLiteral("%1 %2").arg(verdictSymbol(e.verdict), verdictName(e.verdict))
                         : QStringLiteral("%1 %2").arg(verdictSymbol(e.verdict),
                                                       claim.perEngine ? EngineVariant::of(e.variant).engineLabel()
                                                                       : EngineVariant::of(e.variant).shortLabel()));
    }
    return lines.join(QLatin1Char('\n'));
}

QColor claimColour(const VerdictClaim& claim)
{
    return claim.enginesDiffer() ? QColor(0xec, 0xe6, 0xf6) : verdictColour(claim.first().verdict);
}
} // namespace

const VerdictClaim* ExperimentsPage::claimAt(int row, int column) const
{
    if (!m_hasReport || row < 0 || column < 0)
        return nullptr;
    const VerdictTable& t = m_report.verdicts;
    if (row < t.rows.size())
        return column <= 2 ? &t.rows[row].cells[static_cast<std::size_t>(column)] : nullptr;
    const qsizetype d = row - t.rows.size();
    return d < t.distribution.size() ? &t.distribution[d].claim : nullptr;
}

void ExperimentsPage::fillTable()
{
    const VerdictTable table = m_hasReport ? m_report.verdicts : VerdictTable::decide({}, 1);
    QStringList engines;
    for (const QString& v : table.variants)
        engines.append(QStringLiteral("%1 = %2").arg(EngineVariant::of(v).shortLabel(), EngineVariant::of(v).label()));
    m_legend->setText(tr("✓ confirmed · ✗ contradicted · ? not decided here · – not measured%1. Purple: the engines "
                         "differ. Click a cell for its evidence.")
                          .arg(table.variants.size() > 1 ? QStringLiteral(" · ") + engines.join(QStringLiteral(", ")) : QString()));
    m_table->clearSpans();
    m_table->setRowCount(static_cast<int>(table.rows.size() + table.distribution.size()));
    const auto useCaseItem = [this](int row, const QString& text) {
        auto* useCase = new QTableWidgetItem(text);
        QFont bold = useCase->font();
        bold.setBold(true);
        useCase->setFont(bold);
        m_table->setItem(row, 0, useCase);
    };
    for (int row = 0; row < table.rows.size(); ++row) {
        useCaseItem(row, table.rows[row].useCase);
        for (int c = 0; c < 3; ++c) {
            const VerdictClaim& claim = table.rows[row].cells[static_cast<std::size_t>(c)];
            auto* item = new QTableWidgetItem(m_hasReport ? QStringLiteral("seed: %1\n%2").arg(claimText(claim), engineLines(claim))
                                                          : tr("seed: %1").arg(claimText(claim)));
            item->setBackground(m_hasReport ? claimColour(claim) : QColor(Qt::white));
            item->setToolTip(m_hasReport ? (claim.why.isEmpty() ? claim.first().evidence : claim.why) : QString());
            m_table->setItem(row, c + 1, item);
        }
    }
    // The seed's Q2 below: a mode, and one cell across the three columns.
    for (int d = 0; d < table.distribution.size(); ++d) {
        const int row = static_cast<int>(table.rows.size()) + d;
        const DistributionRow& dr = table.distribution[d];
        useCaseItem(row, tr("Q2 · %1").arg(dr.platform));
        auto* item = new QTableWidgetItem(QStringLiteral("seed: %1\n%2").arg(dr.claim.seedClaim, engineLines(dr.claim)));
        item->setBackground(claimColour(dr.claim));
        item->setToolTip(dr.claim.why.isEmpty() ? dr.claim.first().evidence : dr.claim.why);
        m_table->setItem(row, 1, item);
        m_table->setSpan(row, 1, 1, 3);
    }
}

void ExperimentsPage::showCell(int row, int column)
{
    if (row >= m_report.verdicts.rows.size())
        column = 0; // a Q2 row: one cell across the columns
    const VerdictClaim* claim = claimAt(row, column);
    if (claim == nullptr)
        return;
    const bool q2 = row >= m_report.verdicts.rows.size();
    const QString title = q2 ? tr("Q2 — %1").arg(m_report.verdicts.distribution[row - m_report.verdicts.rows.size()].platform)
                             : QStringLiteral("%1 — %2").arg(m_report.verdicts.rows[row].useCase, VerdictTable::columns()[column]);
    QString text = tr("<b>%1.</b> The seed says: %2.").arg(title.toHtmlEscaped(), (q2 ? claim->seedClaim : claimText(*claim)).toHtmlEscaped());
    for (const VerdictCell& e : claim->engines)
        text += QStringLiteral("<br>%1 <b>%2</b>: %3. %4")
                    .arg(verdictSymbol(e.verdict), engineLabel(*claim, e).toHtmlEscaped(), verdictName(e.verdict),
                         e.evidence.toHtmlEscaped());
    if (!claim->why.isEmpty())
        text += QStringLiteral("<br><i>%1</i>").arg(claim->why.toHtmlEscaped());
    // The chart of the engine that decided differently (else the first).
    const VerdictCell* shown = &claim->first();
    for (const VerdictCell& e : claim->engines) {
        if (e.verdict != claim->first().verdict) {
            shown = &e;
            break;
        }
    }
    m_evidenceText->setText(text);
    const ExperimentResult* source = nullptr;
    for (const ExperimentResult& r : m_report.results) {
        if (r.name != shown->source)
            continue;
        if (r.variant == shown->variant) {
            source = &r;
            break;
        }
        if (source == nullptr && EngineVariant::of(r.variant).engine == EngineVariant::of(shown->variant).engine)
            source = &r;
    }
    bool found = false;
    if (source != nullptr) {
        for (const Chart& c : source->charts) {
            if (c.id == shown->chart) {
                Chart titled = c;
                if (claim->engines.size() > 1)
                    titled.title += QStringLiteral(" (%1)").arg(EngineVariant::of(source->variant).label());
                m_evidenceChart->setChart(titled);
                found = true;
            }
        }
    }
    if (!found)
        m_evidenceChart->setChart(Chart { QString(), tr("No chart: %1").arg(verdictName(shown->verdict)), QString(), QString(),
                                          false, false, false, {}, {} });
    m_right->setCurrentIndex(2);
}

QString ExperimentsPage::saveReport(const QString& path) const
{
    if (!m_hasReport)
        return tr("Nothing to save yet: run the experiments first.");
    QString error;
    if (QFileInfo(path).suffix().compare(QLatin1String("pdf"), Qt::CaseInsensitive) == 0)
        return writeExperimentPdf(m_report, path, &error) ? QString() : error;
    QSaveFile f(path);
    const QByteArray html = reportHtml(m_report).toUtf8();
    if (!f.open(QIODevice::WriteOnly) || f.write(html) != html.size() || !f.commit())
        return tr("Cannot write %1: %2").arg(path, f.errorString());
    return {};
}

QString ExperimentsPage::saveJson(const QString& path) const
{
    if (!m_hasReport)
        return tr("Nothing to save yet: run the experiments first.");
    QSaveFile f(path);
    const QByteArray json = QJsonDocument(m_report.toJson()).toJson(QJsonDocument::Indented);
    if (!f.open(QIODevice::WriteOnly) || f.write(json) != json.size() || !f.commit())
        return tr("Cannot write %1: %2").arg(path, f.errorString());
    return {};
}

QString ExperimentsPage::openJson(const QString& path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return tr("Cannot open %1: %2").arg(path, f.errorString());
    if (f.size() > 64 * 1024 * 1024)
        return tr("%1 is too large to be a ClusterLab experiments file.").arg(path);
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(f.readAll(), &parseError);
    if (doc.isNull())
        return tr("%1 is not JSON: %2").arg(path, parseError.errorString());
    RunReport report;
    QString error;
    if (!RunReport::fromJson(doc.object(), &report, &error))
        return tr("%1: %2").arg(path, error);
    showReport(report);
    m_step->setText(tr("Opened %1 (measured %2 on %3).")
                        .arg(path, report.started.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'")), report.machine.oneLine()));
    return {};
}

} // namespace clusterlab
