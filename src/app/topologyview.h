// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "cluster/clusterfeed.h"
#include "colors.h"

#include <QElapsedTimer>
#include <QPainterPath>
#include <QPixmap>
#include <QTimer>
#include <QWidget>

namespace clusterlab {

// The seed's ASCII diagram, alive: the primary and its policy; each worker
// as a node sized to what it holds (pid, state, requests per second, its
// pool threads and child-task slots, lit while busy, with counts); an edge
// from the primary to each worker whose width follows its throughput and
// along which dots travel while requests flow; killed, restarting, starting
// and errored workers marked as such. Click a worker to select it in the
// table; a worker selected in the table is outlined here. A server the lab
// did not start is drawn as its process tree: the clients, the processes
// by generation (parent above child, a thin line between them), and a
// coloured edge into each process where its connections arrive (from the
// clients when it listens itself, else from the listening ancestor that
// hands them over), as wide as the requests that go along it. GUI thread.
class TopologyView : public QWidget
{
    Q_OBJECT
public:
    // One worker as drawn (tests and the accessible description read it).
    struct Node
    {
        int index = 0;
        qint64 pid = 0;
        Engine::WorkerState state = Engine::WorkerState::Starting;
        QString status; // "listening", "restarting — killed (signal 9)", …
        int poolBusy = 0, poolSlots = 1;
        int tasks = 0, taskSlots = 1;
        int inFlight = 0;
        double rps = 0;
        double edgeWidth = 1; // px
        QRectF rect;
        // A server seen from outside (ChartFeed::seenFromOutside): the
        // process tree instead of the primary and its slots.
        qint64 parentPid = 0;
        QString name;
        bool listens = false;
        int threads = -1;
        int connections = 0;
        double cpuPercent = 0;
        qint64 rssKiB = 0;
        int depth = 0;      // 0: no parent among the nodes
        int source = -1;    // the node its connections come through (a listening ancestor), -1: the clients
        double flow = 0;    // req/s along its incoming edge: its own and those it hands on
    };

    explicit TopologyView(QWidget* parent = nullptr);
    void update(const ChartFeed& feed);
    void setHighlightedPid(qint64 pid);   // the last response's worker
    void setSelectedIndex(int index);     // the table's selection; -1 none
    int selectedIndex() const { return m_selected; }
    QList<Node> nodes() const { return m_nodes; }
    // True while requests flow and the view is shown: the edges' dots move.
    bool animating() const { return m_animation.isActive(); }
    QSize sizeHint() const override { return { 640, 420 }; }
    QSize minimumSizeHint() const override { return { 320, 240 }; }

Q_SIGNALS:
    void workerClicked(int index);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void layoutNodes();
    void updateAnimation();
    QSizeF nodeSize(const Node& n) const;
    void updateOutside(const ChartFeed& feed);
    void layoutOutside(QSizeF size);
    QString topText() const;
    void paintNode(QPainter& p, const Node& n) const;
    void paintEdge(QPainter& p, const QPainterPath& path, const Node& n) const;
    void paintLegend(QPainter& p) const;
    void paintStill(QPainter& p);   // everything but the moving dots
    void paintLineage(QPainter& p); // from outside: parent to child
    void paintDots(QPainter& p, const QRegion& within) const;
    // After the nodes changed: the nodes alone repaint when nothing else did.
    void relayout();
    void buildEdges();
    QString stillKey() const;
    QRegion nodesRegion() const;
    static double edgeWidthFor(double flow, double maxFlow);

    QList<Node> m_nodes;
    // What moves is drawn over a picture of what does not. The picture is
    // redrawn whole when the layout, an edge or the size changes, and only
    // within the nodes when a feed changes their figures (10 Hz at most);
    // the dots every frame, within the edges' area only, along each edge
    // flattened once per layout into points.
    struct Edge
    {
        QPainterPath path;
        QList<QPointF> points;
        QList<double> at; // length along the edge at each point
    };
    QList<Edge> m_edges; // one per node (empty: none)
    static Edge makeEdge(QPointF from, QPointF to);
    QPixmap m_still;
    bool m_stillValid = false;
    bool m_nodesDirty = false; // the picture's nodes are behind the feed
    QString m_stillKey;        // what the whole picture was drawn for
    QRegion m_dotArea;         // where dots can be
    QString m_policy;
    bool m_outside = false; // the nodes are a server's processes seen from outside
    quint16 m_port = 0;
    QRectF m_primary;       // the primary, or (from outside) the clients
    qint64 m_highlight = 0;
    int m_selected = -1;
    QTimer m_animation;
    QElapsedTimer m_clock;
    double m_phase = 0; // seconds of flow shown so far
};

} // namespace clusterlab
