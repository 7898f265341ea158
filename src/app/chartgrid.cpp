// SPDX-License-Identifier: GPL-3.0-or-later
#include "chartgrid.h"

#include <QEvent>
#include <QGridLayout>
#include <QResizeEvent>

#include <algorithm>

namespace clusterlab {

ChartGrid::ChartGrid(QWidget* parent)
    : QWidget(parent)
    , m_grid(new QGridLayout(this))
{
    setMinimumWidth(kMinChartWidth); // below kMinCellWidth: one column, narrower charts
    m_grid->setContentsMargins(4, 4, 4, 4);
    m_grid->setSpacing(6);
}

void ChartGrid::fitRowsTo(QWidget* view)
{
    if (m_view != nullptr)
        m_view->removeEventFilter(this);
    m_view = view;
    if (m_view != nullptr)
        m_view->installEventFilter(this);
    fitRows();
}

bool ChartGrid::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view && event->type() == QEvent::Resize) {
        // The view's width is the grid's (it never scrolls sideways): the
        // columns follow it here too, in case the grid's own resize comes later.
        const int wanted = columnsFor(static_cast<QResizeEvent*>(event)->size().width());
        if (wanted != m_columns)
            arrange(wanted);
        else
            fitRows();
    }
    return QWidget::eventFilter(watched, event);
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
    fitRows();
    for (QWidget* chart : std::as_const(m_charts))
        chart->show();
}

void ChartGrid::fitRows()
{
    if (m_columns == 0)
        return;
    const int rows = static_cast<int>((m_charts.size() + m_columns - 1) / m_columns);
    const QMargins margins = m_grid->contentsMargins();
    const int spacing = m_grid->verticalSpacing();
    // The view's height shared by the first rows (whole pixels: they must
    // fit, not overflow by one), never below the smallest readable chart.
    int rowHeight = kCellHeight;
    if (m_view != nullptr && m_view->height() > 0) {
        const int inView = std::clamp(rows, 1, kRowsInView);
        const int room = m_view->height() - margins.top() - margins.bottom() - (inView - 1) * spacing;
        rowHeight = std::max(kMinCellHeight, room / inView);
    }
    m_rowHeight = rowHeight;
    // Rows beyond the last (left by a narrower arrangement) hold nothing.
    for (int r = 0; r < static_cast<int>(m_charts.size()); ++r)
        m_grid->setRowMinimumHeight(r, r < rows ? rowHeight : 0);
    const int height = rows * rowHeight + (rows - 1) * spacing + margins.top() + margins.bottom();
    setMinimumHeight(height);
}

} // namespace clusterlab
