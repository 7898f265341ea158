// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QWidget>

class QGridLayout;

namespace clusterlab {

// The chart area: its charts in 1, 2 or 3 columns, as many as the width
// gives room for (each at least kMinCellWidth wide), so that it never needs
// a horizontal scroll bar. Its first two rows share the height of the view
// that shows it (each at least kMinCellHeight tall), so the first charts —
// routing, latency over time, throughput and percentiles at two columns —
// are in view together; a vertical scroll area around it takes the rest.
class ChartGrid : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kMinCellWidth = 420; // room for a whole legend of six routes
    static constexpr int kMinChartWidth = 300;
    static constexpr int kCellHeight = 360;    // until the view's height is known
    static constexpr int kMinCellHeight = 250; // below: the rows stay this tall and the view scrolls
    static constexpr int kRowsInView = 2;
    static constexpr int kMaxColumns = 3;

    explicit ChartGrid(QWidget* parent = nullptr);
    void setCharts(const QList<QWidget*>& charts);
    int columns() const { return m_columns; }
    int rowHeight() const { return m_rowHeight; }
    // The column count a width calls for.
    static int columnsFor(int width);
    // The widget whose height the first rows share (the scroll area's viewport).
    void fitRowsTo(QWidget* view);

protected:
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void arrange(int columns);
    void fitRows();

    QGridLayout* m_grid;
    QList<QWidget*> m_charts;
    QWidget* m_view = nullptr;
    int m_columns = 0;
    int m_rowHeight = kCellHeight;
};

} // namespace clusterlab
