// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QWidget>

class QGridLayout;

namespace clusterlab {

// The chart area: its charts in 1, 2 or 3 columns, as many as the width
// gives room for (each at least kMinCellWidth wide), so that it never needs
// a horizontal scroll bar; rows are kCellHeight tall and a vertical scroll
// area around it takes the rest.
class ChartGrid : public QWidget
{
    Q_OBJECT
public:
    static constexpr int kMinCellWidth = 440; // room for a whole legend of six routes
    static constexpr int kMinChartWidth = 300;
    static constexpr int kCellHeight = 360;
    static constexpr int kMaxColumns = 3;

    explicit ChartGrid(QWidget* parent = nullptr);
    void setCharts(const QList<QWidget*>& charts);
    int columns() const { return m_columns; }
    // The column count a width calls for.
    static int columnsFor(int width);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void arrange(int columns);

    QGridLayout* m_grid;
    QList<QWidget*> m_charts;
    int m_columns = 0;
};

} // namespace clusterlab
