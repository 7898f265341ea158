// SPDX-License-Identifier: GPL-3.0-or-later
#include "topologyview.h"

#include <QMouseEvent>
#include <QtMath>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace clusterlab {

namespace {
constexpr double kSlot = 12;       // a pool thread's square, a task's circle
constexpr double kSlotGap = 4;
constexpr int kSlotsPerRow = 8;
constexpr double kPad = 10;        // inside a node
constexpr double kGap = 16;        // between nodes
constexpr double kEdgeRoom = 90;   // between the primary and the first row
constexpr int kFrameMs = 33;       // ~30 frames a second while requests flow
constexpr double kDotSpacing = 26; // px between the dots on an edge

int slotRows(int slots)
{
    return (std::max(1, slots) + kSlotsPerRow - 1) / kSlotsPerRow;
}

// The state's one name (Engine::stateName), with what the topology adds:
// why a worker is restarting, and what brings an errored one back.
QString statusOf(const Engine::WorkerInfo& w)
{
    const QString name = Engine::stateName(w.state);
    if (w.state == Engine::WorkerState::Restarting && !w.lastExit.isEmpty())
        return QObject::tr("%1 — exited (%2)").arg(name, w.lastExit);
    if (w.state == Engine::WorkerState::Errored)
        return QObject::tr("%1 — Revive starts it again").arg(name);
    return name;
}
} // namespace

TopologyView::TopologyView(QWidget* parent)
    : QWidget(parent)
{
    setToolTip(tr("The primary and its workers. Squares: pool threads; circles: child-task slots; filled while "
                  "busy. Edge width follows each worker's requests per second; dots move while requests flow. "
                  "Click a worker to select it in the table."));
    m_animation.setInterval(kFrameMs);
    connect(&m_animation, &QTimer::timeout, this, [this]() {
        m_phase += static_cast<double>(m_clock.restart()) / 1000.0;
        QWidget::update(m_dotArea); // the dots move; the rest of the picture does not
    });
    // Every pixel is painted from the cached picture: no background first.
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void TopologyView::update(const ChartFeed& feed)
{
    m_policy = feed.policy;
    m_port = feed.port;
    if (m_outside != feed.seenFromOutside) {
        m_outside = feed.seenFromOutside;
        setToolTip(m_outside ? tr("The server's processes, seen from outside: each parent above its children (thin "
                                  "grey line). A coloured edge shows where a process's connections arrive — from "
                                  "the clients when it listens itself, else from the listening parent that hands "
                                  "them over — its width following requests per second. Click a process to "
                                  "select it in the table.")
                             : tr("The primary and its workers. Squares: pool threads; circles: child-task slots; "
                                  "filled while busy. Edge width follows each worker's requests per second; dots "
                                  "move while requests flow. Click a worker to select it in the table."));
    }
    m_nodes.clear();
    if (m_outside) {
        updateOutside(feed);
        relayout();
        return;
    }
    double maxRps = 0;
    for (const Engine::WorkerInfo& w : feed.workers) {
        Node n;
        n.index = w.index;
        n.pid = w.pid;
        n.state = w.state;
        n.status = statusOf(w);
        if (w.restarts > 0 && w.state == Engine::WorkerState::Listening)
            n.status += tr(" · restarted %1× (last: %2)").arg(w.restarts).arg(w.lastExit);
        n.poolSlots = std::max(1, feed.poolThreads);
        n.taskSlots = std::max(1, feed.maxChildren);
        if (feed.snapshot && w.state == Engine::WorkerState::Listening) {
            const WorkerSample s = feed.snapshot->lastSample.value(w.index);
            n.inFlight = s.inFlight;
            n.poolBusy = std::clamp(s.poolBusy, 0, n.poolSlots);
            n.tasks = std::clamp(s.tasks, 0, n.taskSlots);
            n.rps = feed.snapshot->recentRps.value(w.index);
        }
        maxRps = std::max(maxRps, n.rps);
        n.flow = n.rps;
        m_nodes.append(n);
    }
    // Width by throughput: area-like (square root), so that a worker with a
    // quarter of the traffic still shows a visible half-width edge.
    for (Node& n : m_nodes)
        n.edgeWidth = edgeWidthFor(n.rps, maxRps);
    relayout();
}

double TopologyView::edgeWidthFor(double flow, double maxFlow)
{
    // Whole pixels: a width that follows every wobble of req/s would redraw
    // the whole picture ten times a second for nothing a person sees.
    return flow > 0 && maxFlow > 0 ? std::round(2 + 8 * std::sqrt(flow / maxFlow)) : 1;
}

QString TopologyView::stillKey() const
{
    // What the picture's edges, primary and legend depend on: while it stays
    // the same, a feed redraws the nodes alone.
    QString key = QStringLiteral("%1x%2|%3|%4|").arg(width()).arg(height()).arg(m_outside).arg(topText());
    for (const Node& n : m_nodes) {
        key += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12;")
                   .arg(n.index)
                   .arg(n.pid)
                   .arg(n.parentPid)
                   .arg(n.listens)
                   .arg(n.rect.x())
                   .arg(n.rect.y())
                   .arg(n.rect.width())
                   .arg(n.rect.height())
                   .arg(n.edgeWidth)
                   .arg(static_cast<int>(n.state))
                   .arg(n.flow > 0)
                   .arg(n.source);
    }
    return key;
}

void TopologyView::relayout()
{
    layoutNodes();
    updateAnimation();
    const QString key = stillKey();
    if (m_stillValid && key == m_stillKey) {
        // Only what is inside the nodes changed (figures, slots, fill).
        m_nodesDirty = true;
        QWidget::update(nodesRegion());
        return;
    }
    m_stillKey = key;
    buildEdges();
    m_stillValid = false;
    QWidget::update();
}

QRegion TopologyView::nodesRegion() const
{
    QRegion region;
    for (const Node& n : m_nodes)
        region += n.rect.toAlignedRect().adjusted(-3, -3, 3, 3); // the selection's 4 px border
    return region;
}

void TopologyView::updateOutside(const ChartFeed& feed)
{
    QHash<qint64, int> at; // pid -> node
    for (const Engine::WorkerInfo& w : feed.workers) {
        Node n;
        n.index = w.index;
        n.pid = w.pid;
        n.state = w.state;
        n.parentPid = w.parentPid;
        n.name = w.name.isEmpty() ? tr("process") : w.name;
        n.listens = w.listens;
        n.threads = w.threads;
        n.status = w.listens ? tr("listens on port %1").arg(m_port) : tr("does not listen");
        if (feed.snapshot) {
            const WorkerSample s = feed.snapshot->lastSample.value(w.index);
            n.connections = s.connections;
            n.cpuPercent = static_cast<double>(s.cpuUs) / 1000.0; // µs of CPU per 100 ms sample
            n.rssKiB = s.rssKiB;
            n.rps = feed.snapshot->recentRps.value(w.index);
        }
        at.insert(n.pid, static_cast<int>(m_nodes.size()));
        m_nodes.append(n);
    }
    // Each process's generation, and the listening ancestor its connections
    // come through when it does not listen itself (a primary that hands
    // them over). A bounded walk: a stale parent cannot loop it.
    for (Node& n : m_nodes) {
        qint64 up = n.parentPid;
        for (int hops = 0; hops < 64; ++hops) {
            const int k = at.value(up, -1);
            if (k < 0)
                break;
            ++n.depth;
            if (n.source < 0 && !n.listens && m_nodes[k].listens)
                n.source = k;
            up = m_nodes[k].parentPid;
        }
        n.flow = n.rps;
    }
    for (qsizetype i = 0; i < m_nodes.size(); ++i) {
        if (m_nodes[i].source >= 0)
            m_nodes[m_nodes[i].source].flow += m_nodes[i].rps;
    }
    double maxFlow = 0;
    for (const Node& n : std::as_const(m_nodes))
        maxFlow = std::max(maxFlow, n.flow);
    for (Node& n : m_nodes)
        n.edgeWidth = edgeWidthFor(n.flow, maxFlow);
}

QString TopologyView::topText() const
{
    if (m_outside)
        return m_port != 0 ? tr("clients → port %1").arg(m_port) : tr("clients");
    return tr("primary — %1").arg(m_policy.isEmpty() ? tr("stopped") : m_policy);
}

void TopologyView::setHighlightedPid(qint64 pid)
{
    m_highlight = pid;
    m_nodesDirty = true;
    QWidget::update(nodesRegion());
}

void TopologyView::setSelectedIndex(int index)
{
    m_selected = index;
    m_nodesDirty = true;
    QWidget::update(nodesRegion());
}

QSizeF TopologyView::nodeSize(const Node& n) const
{
    const QFontMetricsF fm(font());
    if (m_outside) {
        const double textW = std::max({ fm.horizontalAdvance(n.name) + 24,
                                        fm.horizontalAdvance(tr("pid %1 · parent %2").arg(4194304).arg(4194304)),
                                        fm.horizontalAdvance(tr("listens on port %1").arg(65535)),
                                        fm.horizontalAdvance(tr("%1 connections · %2 req/s").arg(9999).arg(99999)),
                                        fm.horizontalAdvance(tr("CPU %1% · %2 MiB · %3 threads").arg(200).arg(9999).arg(999)) });
        return { std::min(textW, 320.0) + 2 * kPad, 2 * kPad + 5 * fm.lineSpacing() };
    }
    const double slotsW = std::min(kSlotsPerRow, std::max(n.poolSlots, n.taskSlots)) * (kSlot + kSlotGap) - kSlotGap;
    const double textW = std::max({ fm.horizontalAdvance(tr("worker %1").arg(n.index)) + 24,
                                    fm.horizontalAdvance(QStringLiteral("pid %1").arg(n.pid)),
                                    fm.horizontalAdvance(tr("%1 in flight · %2 req/s").arg(n.inFlight).arg(99999)),
                                    fm.horizontalAdvance(tr("child tasks %1/%2").arg(n.taskSlots).arg(n.taskSlots)) });
    const double w = std::max(slotsW, textW) + 2 * kPad;
    const double line = fm.lineSpacing();
    const double h = kPad + 4 * line + 4 + slotRows(n.poolSlots) * (kSlot + kSlotGap) + line + 4
        + slotRows(n.taskSlots) * (kSlot + kSlotGap) + kPad;
    return { w, h };
}

void TopologyView::layoutNodes()
{
    const QFontMetricsF fm(font());
    const double pw = fm.horizontalAdvance(topText()) + 3 * kPad;
    m_primary = QRectF((width() - pw) / 2, 12, pw, fm.lineSpacing() + 2 * kPad);
    if (m_nodes.isEmpty()) {
        setMinimumHeight(0);
        return;
    }
    // Every node as big as the biggest, so that a row reads as a row.
    QSizeF size;
    for (const Node& n : std::as_const(m_nodes))
        size = size.expandedTo(nodeSize(n));
    if (m_outside) {
        layoutOutside(size);
        return;
    }
    const int columns = std::max(1, std::min(static_cast<int>(m_nodes.size()),
                                             static_cast<int>((width() - kGap) / (size.width() + kGap))));
    // Narrower than one node: the nodes shrink to fit (their slots wrap less).
    const double nodeW = std::min(size.width(), width() - 2 * kGap);
    const double top = m_primary.bottom() + kEdgeRoom;
    for (int i = 0; i < m_nodes.size(); ++i) {
        const int row = i / columns, col = i % columns;
        const int inRow = std::min(columns, static_cast<int>(m_nodes.size()) - row * columns);
        const double rowW = inRow * nodeW + (inRow - 1) * kGap;
        const double x = (width() - rowW) / 2 + col * (nodeW + kGap);
        m_nodes[i].rect = QRectF(x, top + row * (size.height() + kGap), nodeW, size.height());
    }
    // Taller than the view: a scroll area around it shows the rest (and
    // the legend's line under the nodes).
    setMinimumHeight(static_cast<int>(m_nodes.constLast().rect.bottom() + kGap + 2 * fm.lineSpacing() + 16));
}

void TopologyView::layoutOutside(QSizeF size)
{
    // One band per generation, parents above children, each band's
    // processes by pid, wrapped into rows that fit.
    const QFontMetricsF fm(font());
    const int columns = std::max(1, static_cast<int>((width() - kGap) / (size.width() + kGap)));
    const double nodeW = std::min(size.width(), width() - 2 * kGap);
    int deepest = 0;
    for (const Node& n : std::as_const(m_nodes))
        deepest = std::max(deepest, n.depth);
    double top = m_primary.bottom() + kEdgeRoom;
    double bottom = top;
    for (int depth = 0; depth <= deepest; ++depth) {
        QList<int> band;
        for (int i = 0; i < m_nodes.size(); ++i) {
            if (m_nodes[i].depth == depth)
                band.append(i);
        }
        std::sort(band.begin(), band.end(), [this](int a, int b) { return m_nodes[a].pid < m_nodes[b].pid; });
        for (int k = 0; k < band.size(); ++k) {
            const int row = k / columns, col = k % columns;
            const int inRow = std::min(columns, static_cast<int>(band.size()) - row * columns);
            const double rowW = inRow * nodeW + (inRow - 1) * kGap;
            const double x = (width() - rowW) / 2 + col * (nodeW + kGap);
            m_nodes[band[k]].rect = QRectF(x, top + row * (size.height() + kGap), nodeW, size.height());
            bottom = std::max(bottom, m_nodes[band[k]].rect.bottom());
        }
        if (!band.isEmpty())
            top = bottom + kEdgeRoom * 0.75;
    }
    setMinimumHeight(static_cast<int>(bottom + kGap + 2 * fm.lineSpacing() + 16));
}

void TopologyView::updateAnimation()
{
    const bool flowing = std::any_of(m_nodes.cbegin(), m_nodes.cend(), [](const Node& n) { return n.flow > 0; });
    if (flowing && isVisible() && !m_animation.isActive()) {
        m_clock.start();
        m_animation.start();
    } else if ((!flowing || !isVisible()) && m_animation.isActive()) {
        m_animation.stop();
    }
}

void TopologyView::paintEdge(QPainter& p, const QPainterPath& path, const Node& n) const
{
    const QColor c = workerColor(n.index);
    const bool up = n.state == Engine::WorkerState::Listening;
    QPen pen(up ? c : palette().mid().color(), n.edgeWidth, up ? Qt::SolidLine : Qt::DashLine, Qt::RoundCap);
    if (n.flow <= 0 && up)
        pen.setColor(c.lighter(150));
    p.setPen(pen);
    p.setBrush(Qt::NoBrush);
    p.drawPath(path);
}

void TopologyView::paintDots(QPainter& p, const QRegion& within) const
{
    // Dots travelling from the primary to each busy worker: faster for more
    // traffic; never drawn over a node (a lower row's edge passes behind).
    QRegion clip = within.intersected(m_dotArea);
    if (clip.isEmpty())
        return;
    for (const Node& n : m_nodes)
        clip -= n.rect.toAlignedRect();
    p.setClipRegion(clip);
    for (int i = 0; i < m_nodes.size() && i < m_edges.size(); ++i) {
        const Node& n = m_nodes[i];
        const Edge& e = m_edges[i];
        if (n.flow <= 0 || e.points.size() < 2)
            continue;
        const QColor c = workerColor(n.index);
        const double speed = 30 + 20 * std::log10(1 + n.flow); // px/s
        const double r = std::max(2.0, n.edgeWidth / 2 + 1);
        p.setPen(QPen(c.darker(130), 1));
        p.setBrush(palette().base());
        qsizetype k = 1;
        for (double at = std::fmod(m_phase * speed, kDotSpacing); at < e.at.constLast(); at += kDotSpacing) {
            while (k < e.at.size() - 1 && e.at[k] < at)
                ++k;
            const double span = e.at[k] - e.at[k - 1];
            const double f = span > 0 ? (at - e.at[k - 1]) / span : 0;
            p.drawEllipse(e.points[k - 1] + (e.points[k] - e.points[k - 1]) * f, r, r);
        }
    }
    p.setClipping(false);
}

void TopologyView::paintNode(QPainter& p, const Node& n) const
{
    const QPalette pal = palette();
    const QColor c = workerColor(n.index);
    const bool up = n.state == Engine::WorkerState::Listening;
    const bool down = n.state == Engine::WorkerState::Restarting || n.state == Engine::WorkerState::Errored;
    QPen border(down ? QColor(200, 30, 30) : up ? c : pal.mid().color(), 2, up ? Qt::SolidLine : Qt::DashLine);
    if (n.index == m_selected)
        border.setWidth(4);
    p.setPen(border);
    QColor fill = pal.base().color();
    if (down)
        fill = QColor(255, 225, 225);
    else if (n.pid == m_highlight && m_highlight != 0)
        fill = QColor(255, 243, 200);
    else if (n.inFlight > 0)
        fill = c.lighter(185);
    p.setBrush(fill);
    p.drawRoundedRect(n.rect, 8, 8);

    const QFontMetricsF fm(font());
    const double line = fm.lineSpacing();
    const QRectF inner = n.rect.adjusted(kPad, kPad, -kPad, -kPad);
    double y = inner.top();
    auto text = [&](const QString& s, const QColor& colour, bool bold = false) {
        QFont f = font();
        f.setBold(bold);
        p.setFont(f);
        p.setPen(colour);
        p.drawText(QRectF(inner.left(), y, inner.width(), line), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(s, Qt::ElideRight, inner.width()));
        y += line;
    };
    const QColor ink = down ? QColor(0, 0, 0) : pal.text().color();
    if (m_outside) {
        text(n.name, c.darker(120), true);
        text(n.parentPid > 0 ? tr("pid %1 · parent %2").arg(n.pid).arg(n.parentPid) : QStringLiteral("pid %1").arg(n.pid), ink);
        text(n.status, ink, n.listens);
        text(tr("%1 connections · %2 req/s").arg(n.connections).arg(n.rps, 0, 'f', 0), ink);
        text(n.threads > 0 ? tr("CPU %1% · %2 MiB · %3 threads").arg(n.cpuPercent, 0, 'f', 0).arg(n.rssKiB / 1024).arg(n.threads)
                           : tr("CPU %1% · %2 MiB").arg(n.cpuPercent, 0, 'f', 0).arg(n.rssKiB / 1024),
             ink);
        p.setFont(font());
        return;
    }
    text(tr("worker %1").arg(n.index), c.darker(120), true);
    text(n.pid > 0 ? QStringLiteral("pid %1").arg(n.pid) : tr("no process"), ink);
    text(n.status, down ? QColor(170, 20, 20) : ink, down);
    text(tr("%1 in flight · %2 req/s").arg(n.inFlight).arg(n.rps, 0, 'f', 0), ink);
    p.setFont(font());
    auto slots = [&](int busy, int total, bool round, const QColor& colour) {
        for (int t = 0; t < total; ++t) {
            const QRectF r(inner.left() + (t % kSlotsPerRow) * (kSlot + kSlotGap),
                           y + (t / kSlotsPerRow) * (kSlot + kSlotGap), kSlot, kSlot);
            if (r.right() > inner.right() + 0.5)
                continue; // a node squeezed below its size shows the slots that fit
            p.setPen(QPen(colour, 1.2));
            p.setBrush(t < busy ? colour : Qt::transparent);
            if (round)
                p.drawEllipse(r);
            else
                p.drawRect(r);
        }
        y += slotRows(total) * (kSlot + kSlotGap);
    };
    y += 4;
    text(tr("pool threads %1/%2").arg(n.poolBusy).arg(n.poolSlots), ink);
    slots(n.poolBusy, n.poolSlots, false, QColor(31, 119, 180));
    text(tr("child tasks %1/%2").arg(n.tasks).arg(n.taskSlots), ink);
    slots(n.tasks, n.taskSlots, true, QColor(214, 39, 40));
}

void TopologyView::paintStill(QPainter& p)
{
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    p.setPen(QPen(pal.text().color(), 1.5));
    p.setBrush(pal.alternateBase());
    p.drawRoundedRect(m_primary, 8, 8);
    p.drawText(m_primary, Qt::AlignCenter, topText());
    if (m_outside)
        paintLineage(p);
    for (int i = 0; i < m_nodes.size() && i < m_edges.size(); ++i) {
        if (!m_edges[i].path.isEmpty())
            paintEdge(p, m_edges[i].path, m_nodes[i]);
    }
    for (const Node& n : std::as_const(m_nodes))
        paintNode(p, n);
    paintLegend(p);
    if (m_nodes.isEmpty()) {
        p.setPen(pal.placeholderText().color());
        p.drawText(rect().adjusted(0, static_cast<int>(m_primary.bottom()) + 20, 0, 0), Qt::AlignHCenter | Qt::AlignTop,
                   m_outside ? tr("No process of the server is visible yet: is something listening on port %1?").arg(m_port)
                             : tr("No workers: start the cluster (the Cluster tab, right)."));
    }
}

namespace {
// An edge: one cubic from `from` down to `to`, leaving and arriving vertically.
struct Cubic
{
    QPointF p0, p1, p2, p3;
    QPointF at(double t) const
    {
        const double u = 1 - t;
        return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
    }
};

Cubic edgeCubic(QPointF from, QPointF to)
{
    const double dy = (to.y() - from.y()) / 2;
    return { from, from + QPointF(0, dy), to - QPointF(0, dy), to };
}
} // namespace

TopologyView::Edge TopologyView::makeEdge(QPointF from, QPointF to)
{
    // The path to draw, and the same curve as points with their length
    // along it, for the dots (computed once per layout, not per frame).
    const Cubic c = edgeCubic(from, to);
    Edge e;
    e.path = QPainterPath(c.p0);
    e.path.cubicTo(c.p1, c.p2, c.p3);
    constexpr int kSteps = 48;
    e.points.reserve(kSteps + 1);
    e.at.reserve(kSteps + 1);
    for (int k = 0; k <= kSteps; ++k) {
        const QPointF pt = c.at(static_cast<double>(k) / kSteps);
        e.at.append(e.points.isEmpty() ? 0.0 : e.at.constLast() + QLineF(e.points.constLast(), pt).length());
        e.points.append(pt);
    }
    return e;
}

void TopologyView::buildEdges()
{
    m_edges.clear();
    m_dotArea = QRegion();
    if (m_outside) {
        // Where connections arrive: into each listener from the clients
        // (side by side), into each other process from the listener
        // handing them on.
        int listeners = 0;
        for (const Node& n : std::as_const(m_nodes))
            listeners += n.listens ? 1 : 0;
        const double spread = std::min(m_primary.width() - 40, 24.0 * std::max(0, listeners - 1));
        int listener = 0;
        for (const Node& n : std::as_const(m_nodes)) {
            QPointF from;
            if (n.listens) {
                const double offset = listeners > 1 ? -spread / 2 + spread * listener++ / static_cast<double>(listeners - 1) : 0;
                from = QPointF(m_primary.center().x() + offset, m_primary.bottom());
            } else if (n.source >= 0) {
                const QRectF& s = m_nodes[n.source].rect;
                from = QPointF(s.center().x(), s.bottom());
            } else {
                m_edges.append(Edge()); // neither listens nor is handed connections: no edge
                continue;
            }
            m_edges.append(makeEdge(from, QPointF(n.rect.center().x(), n.rect.top())));
        }
    } else {
        // Edges leave the primary side by side, in the order of their workers.
        const double spread = std::min(m_primary.width() - 40, 24.0 * static_cast<double>(m_nodes.size() - 1));
        for (int i = 0; i < m_nodes.size(); ++i) {
            const Node& n = m_nodes[i];
            const double offset = m_nodes.size() > 1 ? -spread / 2 + spread * i / static_cast<double>(m_nodes.size() - 1) : 0;
            const QPointF from(m_primary.center().x() + offset, m_primary.bottom());
            m_edges.append(makeEdge(from, QPointF(n.rect.center().x(), n.rect.top())));
        }
    }
    // Where the dots can be: the edges that carry requests, and a dot's
    // radius around them (the animation repaints this area only).
    for (int i = 0; i < m_nodes.size() && i < m_edges.size(); ++i) {
        if (m_nodes[i].flow > 0 && !m_edges[i].path.isEmpty()) {
            const double r = std::max(2.0, m_nodes[i].edgeWidth / 2 + 1) + 2;
            m_dotArea += m_edges[i].path.boundingRect().adjusted(-r, -r, r, r).toAlignedRect();
        }
    }
}

void TopologyView::paintLineage(QPainter& p)
{
    // Parent to child, thin and grey, where no edge of connections runs.
    QHash<qint64, int> at;
    for (int i = 0; i < m_nodes.size(); ++i)
        at.insert(m_nodes[i].pid, i);
    p.setPen(QPen(palette().mid().color(), 1));
    p.setBrush(Qt::NoBrush);
    for (const Node& n : std::as_const(m_nodes)) {
        const int parent = at.value(n.parentPid, -1);
        if (parent < 0 || parent == n.source)
            continue;
        const Cubic c = edgeCubic(QPointF(m_nodes[parent].rect.center().x(), m_nodes[parent].rect.bottom()),
                                  QPointF(n.rect.center().x(), n.rect.top()));
        QPainterPath path(c.p0);
        path.cubicTo(c.p1, c.p2, c.p3);
        p.drawPath(path);
    }
}

void TopologyView::paintEvent(QPaintEvent* event)
{
    const qreal dpr = devicePixelRatioF();
    // Whole device pixels, rounded up: at a fractional scale the last row
    // and column are covered too (the widget paints every pixel itself).
    const QSize pixels(qCeil(width() * dpr), qCeil(height() * dpr));
    if (!m_stillValid || m_still.size() != pixels) {
        if (m_still.size() != pixels) {
            m_still = QPixmap(pixels);
            m_still.setDevicePixelRatio(dpr);
            buildEdges(); // laid out for this size
        }
        QPainter still(&m_still);
        paintStill(still);
        m_stillValid = true;
        m_nodesDirty = false;
    } else if (m_nodesDirty) {
        // The picture as it was, but for the nodes: redrawn within them.
        QPainter still(&m_still);
        still.setClipRegion(nodesRegion());
        paintStill(still);
        m_nodesDirty = false;
    }
    QPainter p(this);
    for (const QRect& r : event->region())
        p.drawPixmap(r, m_still, QRectF(QPointF(r.topLeft()) * dpr, QSizeF(r.size()) * dpr));
    p.setRenderHint(QPainter::Antialiasing);
    paintDots(p, event->region());
}

void TopologyView::paintLegend(QPainter& p) const
{
    // Two lines under everything: what the shapes and the edges mean.
    const QFontMetricsF fm(font());
    double x = kGap;
    const double y = height() - 2 * fm.lineSpacing() - 8;
    const QColor ink = palette().placeholderText().color();
    auto item = [&](int shape, const QColor& c, const QString& label) {
        const QRectF r(x, y + (fm.lineSpacing() - kSlot) / 2, kSlot, kSlot);
        p.setPen(QPen(c, 1.2));
        p.setBrush(shape == 2 ? Qt::transparent : c);
        if (shape == 0)
            p.drawRect(r);
        else
            p.drawEllipse(r);
        x += kSlot + 5;
        p.setPen(ink);
        p.drawText(QPointF(x, y + fm.ascent()), label);
        x += fm.horizontalAdvance(label) + 18;
    };
    if (m_outside) {
        p.setPen(ink);
        p.drawText(QRectF(kGap, y, width() - 2 * kGap, fm.lineSpacing()), Qt::AlignLeft | Qt::AlignVCenter,
                   fm.elidedText(tr("Grey line: parent → child. Coloured edge: where a process's connections arrive."),
                                 Qt::ElideRight, width() - 2 * kGap));
    } else {
        item(0, QColor(31, 119, 180), tr("busy pool thread"));
        item(1, QColor(214, 39, 40), tr("running child task"));
        item(2, QColor(214, 39, 40), tr("free slot"));
    }
    p.setPen(ink);
    p.drawText(QRectF(kGap, y + fm.lineSpacing(), width() - 2 * kGap, fm.lineSpacing()), Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(tr("Edge width: requests per second; dots move while requests flow."),
                             Qt::ElideRight, width() - 2 * kGap));
}

void TopologyView::mousePressEvent(QMouseEvent* event)
{
    for (const Node& n : std::as_const(m_nodes)) {
        if (n.rect.contains(event->position())) {
            m_selected = n.index;
            m_nodesDirty = true;
            QWidget::update(nodesRegion());
            Q_EMIT workerClicked(n.index);
            return;
        }
    }
}

void TopologyView::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    layoutNodes();
    buildEdges();
    m_stillKey = stillKey();
    m_stillValid = false;
}

void TopologyView::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    // The dark palette, another font: the whole picture again.
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) {
        layoutNodes();
        buildEdges();
        m_stillKey = stillKey();
        m_stillValid = false;
        QWidget::update();
    }
}

void TopologyView::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    updateAnimation();
}

void TopologyView::hideEvent(QHideEvent* event)
{
    QWidget::hideEvent(event);
    updateAnimation();
}

} // namespace clusterlab
