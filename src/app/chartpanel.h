// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>
#include <QDialog>
#include <QPointer>
#include <QWidget>

class QChart;
class QChartView;

class QLabel;

namespace clusterlab {

struct ChartFeed;

// One chart with its title, a line on what it shows and what to look for,
// and its exports. Qt Charts types stay in chart code (this class, charts.h,
// comparisonview.h, and the theme switch in mainwindow.cpp): the rest of the
// app talks to this interface, so that moving to Qt Graphs (Qt Charts is
// deprecated from 6.10) touches chart code alone. Subclasses feed their
// series in batches (QXYSeries::replace) from the shared feed. GUI thread.
class ChartPanel : public QWidget
{
    Q_OBJECT
public:
    ChartPanel(const QString& title, const QString& explanation, QWidget* parent = nullptr);
    ~ChartPanel() override;

    QString title() const { return m_title; }
    // Redraw from the latest data (called at most 10 times a second).
    virtual void refresh(const ChartFeed& feed) = 0;

    // Exports; each returns an empty string or a one-line reason.
    QString exportPng(const QString& path, qreal scale = 2.0) const;
    QString exportSvg(const QString& path) const;
    QString exportPdf(const QString& path) const;
    void copyToClipboard() const;
    // Renders the chart into `painter` over `target` (the report PDF).
    void renderInto(class QPainter* painter, const QRectF& target) const;
    // The chart as an SVG document of that size (the HTML report).
    QByteArray svg(QSize size) const;

    QChart* chart() const { return m_chart; }
    QChartView* view() const { return m_view; }
    // True while the chart has nothing to draw and says what will fill it.
    bool showsEmptyHint() const;
    QString emptyHintText() const;
    // The chart, live, in a window of its own (double-click the chart);
    // it comes back here when that window closes. Null when not open.
    void openLarge();
    QDialog* largeWindow() const { return m_large; }

    // Shorter than this, the explanation under the chart is one line.
    static constexpr int kWholeExplanationHeight = 400;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

    // Subclasses call this from refresh(): with no data the chart shows
    // "send a request or start a load test" (or `hint`; empty: that one
    // again) over its axes.
    void setEmpty(bool empty);
    void setEmptyHint(const QString& hint);
    QChart* m_chart = nullptr;

private Q_SLOTS:
    void placeEmptyHint();

private:
    QString m_title;
    QChartView* m_view = nullptr;
    QLabel* m_explanation = nullptr;
    QLabel* m_emptyHint = nullptr;
    QPointer<QDialog> m_large;
    QChart* m_standIn = nullptr; // what the small view shows while the chart is out
    void bringBack(QChartView* large);
};

} // namespace clusterlab
