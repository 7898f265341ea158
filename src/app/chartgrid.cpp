// SPDX-License-Identifier: GPL-3.0-or-later
#include "chartgrid.h"

#include <QGridLayout>
#include <QResizeEvent>

#include <algorithm>

namespace clusterlab {

ChartGrid::ChartGrid(QWidget* parent)
    : QWidget(parent)
    , m_grid(new QGridLayout(this))
{
    setMinimumWidth(kMinChartWidth); // below kMinCellWidth: one column, narrower charts
}

void ChartGrid::setCharts(const QList<QWidget*>& charts)
{
    m_charts = charts;
    for (QWidget* chart : charts)
        chart->setParent(this);
    arrange(columnsFor(width()));
}

int ChartGrid::columnsFor(int width)
{
    return std::clamp(width / kMinCellWidth, 1, kMaxColumns);
}

void ChartGrid::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    const int wanted = columnsFor(event->size().width());
    if (wanted != m_columns)
        arrange(wanted);
}

void ChartGrid::arrange(int columns)
{
    m_columns = columns;
    for (QWidget* chart : std::as_const(m_charts))
        m_grid->removeWidget(chart);
    for (qsizetype i = 0; i < m_charts.size(); ++i)
        m_grid->addWidget(m_charts[i], static_cast<int>(i) / columns, static_cast<int>(i) % columns);
    for (int c = 0; c < kMaxColumns; ++c)
        m_grid->setColumnStretch(c, c < columns ? 1 : 0);
    const int rows = static_cast<int>((m_charts.size() + columns - 1) / columns);
    setMinimumHeight(rows * kCellHeight);
    for (QWidget* chart : std::as_const(m_charts))
        chart->show();
}

} // namespace clusterlab
