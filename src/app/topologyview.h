#pragma once

#include "chartfeed.h"

#include <QWidget>

namespace clusterlab {

// The seed's ASCII diagram, alive: the primary, each worker with its pid,
// its pool threads and its running tasks, lit while busy, and the request
// flow to each worker drawn in proportion to its recent throughput.
class TopologyView : public QWidget
{
    Q_OBJECT
public:
    explicit TopologyView(QWidget* parent = nullptr);
    void update(const ChartFeed& feed, int poolThreads, const QString& policy);
    void setHighlightedPid(qint64 pid);
    QSize sizeHint() const override { return { 640, 360 }; }

Q_SIGNALS:
    void workerClicked(int index);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

private:
    struct Box
    {
        int index = 0;
        qint64 pid = 0;
        QString state;
        int inFlight = 0, poolBusy = 0, tasks = 0;
        double rps = 0;
        QRectF rect;
    };
    QList<Box> m_boxes;
    int m_poolThreads = 1;
    QString m_policy;
    qint64 m_highlight = 0;
};

} // namespace clusterlab
