// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "experiment/runner.h"

#include <QWidget>

#include <functional>
#include <memory>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTabWidget;

namespace clusterlab {

// A chart (experiment/result.h) drawn from its SVG at the widget's size:
// the same picture as in the report, vector all the way.
class SvgChartView : public QWidget
{
    Q_OBJECT
public:
    explicit SvgChartView(QWidget* parent = nullptr);
    void setChart(const experiment::Chart& chart);
    const experiment::Chart& chart() const { return m_chart; }
    bool hasChart() const { return m_hasChart; }
    QSize sizeHint() const override { return { 520, 280 }; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    experiment::Chart m_chart;
    bool m_hasChart = false;
};

// The Experiments tab: pick experiments, run them (the runner's thread; the
// window stays live), watch the running step's load, then read the seed's
// table with a verdict per cell; a cell's evidence and the chart it came
// from are one click away. Export the report (PDF or HTML) and the
// measurements (JSON), or open a JSON run again.
class ExperimentsPage : public QWidget
{
    Q_OBJECT
public:
    explicit ExperimentsPage(QWidget* parent = nullptr);
    ~ExperimentsPage() override;

    // Called before a run with a continuation: the window frees the machine
    // (stops its own cluster) and then calls it. Without one, runs at once.
    void setBeforeRun(std::function<void(std::function<void()> go)> hook) { m_beforeRun = std::move(hook); }

    QStringList selectedExperiments() const;
    void setSelectedExperiments(const QStringList& names);
    void setQuick(bool quick);
    // Which engines a run measures (Node only when it is installed).
    void setEngines(bool native, bool node);
    // What Run would start with.
    experiment::ExperimentSettings settings() const;
    // Tests: shorter steps and fewer rounds than a real run.
    void setTestScale(double timeScale, int rounds);
    // Starts a run of the selected experiments (after the before-run hook).
    void run();
    void cancel();
    bool isRunning() const;

    const experiment::RunReport& report() const { return m_report; }
    bool hasReport() const { return m_hasReport; }
    // Shows a run (from a finished run or a JSON file).
    void showReport(const experiment::RunReport& report);
    // Exports: an empty string on success, else the reason.
    QString saveReport(const QString& path) const; // .pdf or .html
    QString saveJson(const QString& path) const;
    QString openJson(const QString& path);

    QTableWidget* verdictTable() const { return m_table; }
    SvgChartView* evidenceChart() const { return m_evidenceChart; }
    QLabel* evidenceText() const { return m_evidenceText; }
    SvgChartView* liveChart() const { return m_liveChart; }
    QLabel* stepLabel() const { return m_step; }
    // Shows the evidence of one cell (what a click on it does): row 0..6,
    // column 0..2 (Cluster, Worker Threads, Child Process).
    void showCell(int row, int column);
    QTabWidget* views() const { return m_right; }

Q_SIGNALS:
    void runStarted();
    void runFinished(const clusterlab::experiment::RunReport& report);

private:
    void startNow();
    void onProgress(const experiment::RunProgress& p);
    void onStepLoad(const QString& experiment, const QString& step, double rps, double p99Ms);
    void onFinished(const experiment::RunReport& report);
    void updateButtons();
    void fillTable();
    // The claim at a row of the table (the seed's table, then its Q2 rows).
    const experiment::VerdictClaim* claimAt(int row, int column) const;

    experiment::ExperimentRunner m_runner;
    std::function<void(std::function<void()>)> m_beforeRun;
    experiment::RunReport m_report;
    bool m_hasReport = false;
    bool m_waitingToStart = false;
    double m_timeScale = 1.0;
    int m_rounds = 0; // the mode's default

    QList<QCheckBox*> m_boxes;
    QCheckBox* m_quick = nullptr;
    QCheckBox* m_native = nullptr;
    QLabel* m_legend = nullptr;
    QCheckBox* m_node = nullptr;
    QPushButton* m_run = nullptr;
    QPushButton* m_cancel = nullptr;
    QPushButton* m_open = nullptr;
    QPushButton* m_saveReport = nullptr;
    QPushButton* m_saveJson = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_step = nullptr;
    QLabel* m_estimate = nullptr;
    QTableWidget* m_table = nullptr;
    QTabWidget* m_right = nullptr;
    SvgChartView* m_liveChart = nullptr;
    QLabel* m_evidenceText = nullptr;
    SvgChartView* m_evidenceChart = nullptr;
    experiment::Chart m_live;
    QString m_liveStep;
    std::int64_t m_liveStartMs = 0;
};

} // namespace clusterlab
