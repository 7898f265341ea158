#include "topologyview.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

namespace clusterlab {

TopologyView::TopologyView(QWidget* parent)
    : QWidget(parent)
{
    setMinimumSize(420, 260);
    setToolTip(tr("Primary, workers, their pool threads (squares) and child tasks (circles); lit while busy. "
                  "Click a worker to select it in the table."));
}

void TopologyView::update(const ChartFeed& feed, int poolThreads, const QString& policy)
{
    m_poolThreads = std::max(1, poolThreads);
    m_policy = policy;
    m_boxes.clear();
    for (const Cluster::WorkerInfo& w : feed.workers) {
        Box b;
        b.index = w.index;
        b.pid = w.pid;
        b.state = w.state == Cluster::WorkerState::Listening ? QString() : tr("(not ready)");
        if (feed.snapshot) {
            const WorkerSample s = feed.snapshot->lastSample.value(w.index);
            b.inFlight = s.inFlight;
            b.poolBusy = s.poolBusy;
            b.tasks = s.tasks;
            b.rps = feed.snapshot->recentRps.value(w.index);
        }
        m_boxes.append(b);
    }
    QWidget::update();
}

void TopologyView::setHighlightedPid(qint64 pid)
{
    m_highlight = pid;
    QWidget::update();
}

void TopologyView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    const double w = width();
    const QRectF primary(w / 2 - 110, 12, 220, 44);
    p.setPen(QPen(pal.text().color(), 1.5));
    p.setBrush(pal.alternateBase());
    p.drawRoundedRect(primary, 6, 6);
    p.drawText(primary, Qt::AlignCenter, tr("primary — %1").arg(m_policy.isEmpty() ? tr("stopped") : m_policy));
    if (m_boxes.isEmpty())
        return;
    const int n = static_cast<int>(m_boxes.size());
    const double gap = 12;
    const double boxW = std::min(190.0, (w - gap * (n + 1)) / n);
    const double top = primary.bottom() + 70;
    const double boxH = std::max(120.0, height() - top - 12);
    double maxRps = 1;
    for (const Box& b : m_boxes)
        maxRps = std::max(maxRps, b.rps);
    const double totalW = n * boxW + (n - 1) * gap;
    double x = (w - totalW) / 2;
    for (Box& b : m_boxes) {
        b.rect = QRectF(x, top, boxW, boxH);
        x += boxW + gap;
        const QColor c = workerColor(b.index);
        // Flow: thicker for more requests per second.
        QPen flow(c, 1 + 7 * b.rps / maxRps);
        flow.setCapStyle(Qt::RoundCap);
        p.setPen(flow);
        p.drawLine(QPointF(primary.center().x(), primary.bottom()), QPointF(b.rect.center().x(), b.rect.top()));
        const bool busy = b.inFlight > 0;
        p.setPen(QPen(b.pid == m_highlight ? QColor(230, 160, 0) : c, b.pid == m_highlight ? 4 : 2));
        p.setBrush(busy ? c.lighter(170) : pal.base().color());
        p.drawRoundedRect(b.rect, 6, 6);
        p.setPen(pal.text().color());
        const QRectF text = b.rect.adjusted(6, 4, -6, -4);
        p.drawText(text, Qt::AlignTop | Qt::AlignHCenter,
                   tr("worker %1\npid %2 %3\n%4 in flight, %5 req/s")
                       .arg(b.index)
                       .arg(b.pid)
                       .arg(b.state)
                       .arg(b.inFlight)
                       .arg(b.rps, 0, 'f', 0));
        // Pool threads: squares, lit when busy.
        const double s = 12;
        double px = text.left();
        const double py = text.top() + 64;
        for (int t = 0; t < m_poolThreads && px + s < text.right(); ++t, px += s + 4) {
            p.setBrush(t < b.poolBusy ? QColor(31, 119, 180) : Qt::transparent);
            p.setPen(QColor(31, 119, 180));
            p.drawRect(QRectF(px, py, s, s));
        }
        // Running child tasks: circles.
        double cx = text.left();
        const double cy = py + s + 10;
        for (int t = 0; t < b.tasks && cx + s < text.right(); ++t, cx += s + 4) {
            p.setBrush(QColor(214, 39, 40));
            p.setPen(Qt::NoPen);
            p.drawEllipse(QRectF(cx, cy, s, s));
        }
    }
}

void TopologyView::mousePressEvent(QMouseEvent* event)
{
    for (const Box& b : m_boxes) {
        if (b.rect.contains(event->position())) {
            Q_EMIT workerClicked(b.index);
            return;
        }
    }
}

} // namespace clusterlab
