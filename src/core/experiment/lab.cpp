// SPDX-License-Identifier: GPL-3.0-or-later
#include "lab.h"

#include "logging.h"

#include "experimentsupport.h"
#include "stats.h"

#include "load/loadgenerator.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QTcpSocket>
#include <QThread>
#include <QTimer>

namespace clusterlab::experiment {

struct Lab::PendingGet
{
    QTcpSocket* socket = nullptr;
    QElapsedTimer clock;
    QByteArray received;
    QString error;
    bool done = false;
};

Lab::Lab(ExperimentSettings settings, const std::atomic<bool>* cancel, Progress progress)
    : m_settings(std::move(settings))
    , m_cancel(cancel)
    , m_progress(std::move(progress))
    , m_cores(qMax(1, QThread::idealThreadCount()))
{
}

Lab::~Lab()
{
    if (m_pendingGet && m_pendingGet->socket != nullptr) {
        m_pendingGet->socket->abort();
        delete m_pendingGet->socket;
    }
    stopCluster();
}

int Lab::workers() const
{
    return m_settings.workers > 0 ? m_settings.workers : m_cores;
}

std::int64_t Lab::stepMs(double quickSeconds, double fullSeconds) const
{
    const double s = (m_settings.quick ? quickSeconds : fullSeconds) * m_settings.timeScale;
    return qMax<std::int64_t>(50, static_cast<std::int64_t>(s * 1000.0));
}

double Lab::fibCostMs(int n)
{
    if (!m_cluster)
        return onNode() ? -1.0 : support::fibCostMs(n, true);
    QList<double> t;
    for (int i = 0; i < 3 && !cancelled(); ++i) {
        const Response r = get("/main?n=" + QByteArray::number(n));
        if (r.status != 200 || !r.json.contains(QStringLiteral("computeMs")))
            return -1.0;
        t.append(r.json.value(QStringLiteral("computeMs")).toDouble());
    }
    return t.isEmpty() ? -1.0 : medianOf(t);
}

void Lab::progress(const QString& step, double fraction)
{
    qCDebug(lcExperiment).noquote() << step << QStringLiteral("(%1%)").arg(static_cast<int>(fraction * 100));
    if (m_progress)
        m_progress(step, qBound(0.0, fraction, 1.0));
}

bool Lab::waitUntil(const std::function<bool()>& pred, int timeoutMs)
{
    if (pred())
        return true;
    QEventLoop loop;
    QTimer poll;
    poll.setInterval(5);
    QElapsedTimer clock;
    clock.start();
    bool held = false;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&]() {
        if (pred()) {
            held = true;
            loop.quit();
        } else if (cancelled() || clock.elapsed() >= timeoutMs) {
            loop.quit();
        }
    });
    poll.start();
    loop.exec();
    return held || pred();
}

bool Lab::startCluster(ClusterConfig config, QString* error)
{
    stopCluster();
    m_events.clear();
    config.port = 0;
    config.host = QHostAddress(QHostAddress::LocalHost);
    if (!m_settings.workerProgram.isEmpty())
        config.workerProgram = m_settings.workerProgram;
    m_variant.applyTo(config);
    m_cluster = createEngine(config);
    QObject::connect(m_cluster.get(), &Engine::clusterEvent, m_cluster.get(),
                     [this](const ClusterEvent& e) { m_events.append(e); });
    // The flag lives on this stack frame: the connection must not outlive
    // it (a restarted worker makes the cluster say allListening again).
    bool listening = false;
    const QMetaObject::Connection watch = QObject::connect(m_cluster.get(), &Engine::allListening, m_cluster.get(),
                                                           [&listening]() { listening = true; });
    if (!m_cluster->start(error)) {
        m_cluster.reset();
        return false;
    }
    const bool ready = waitUntil([&listening]() { return listening; }, 30000);
    QObject::disconnect(watch);
    if (ready && onNode())
        m_runtime = m_cluster->runtime();
    if (!ready) {
        *error = cancelled() ? QStringLiteral("cancelled") : QStringLiteral("the cluster's workers did not all listen within 30 s");
        stopCluster();
        return false;
    }
    return true;
}

void Lab::stopCluster()
{
    if (!m_cluster)
        return;
    if (m_cluster->isRunning()) {
        bool stopped = false;
        const QMetaObject::Connection watch
            = QObject::connect(m_cluster.get(), &Engine::stopped, m_cluster.get(), [&stopped]() { stopped = true; });
        m_cluster->stop();
        // A graceful stop; the destructor kills whatever is left after this.
        const std::atomic<bool>* cancel = m_cancel;
        m_cancel = nullptr; // a cancelled run still stops its cluster properly
        waitUntil([&stopped]() { return stopped; }, 15000);
        m_cancel = cancel;
        QObject::disconnect(watch);
    }
    m_cluster.reset();
}

std::vector<Lab::LoadRun> Lab::loadTogether(const std::vector<LoadConfig>& configs)
{
    std::vector<LoadRun> runs(configs.size());
    std::vector<std::unique_ptr<LoadGenerator>> generators;
    int running = 0;
    for (std::size_t i = 0; i < configs.size(); ++i) {
        LoadConfig c = configs[i];
        c.host = QStringLiteral("127.0.0.1");
        c.port = m_cluster ? m_cluster->port() : c.port;
        if (c.seed == 0)
            c.seed = m_settings.seed + i;
        auto gen = std::make_unique<LoadGenerator>();
        LoadRun* run = &runs[i];
        LoadGenerator* g = gen.get();
        QObject::connect(g, &LoadGenerator::finished, g, [run, g, &running](const LoadSummary& s) {
            run->summary = s;
            run->records = g->takeRecords();
            --running;
        });
        if (i == 0 && m_loadWatch) {
            LoadWatch watch = m_loadWatch;
            QObject::connect(g, &LoadGenerator::progress, g, [watch](const LoadProgress& p) { watch(p); });
        }
        if (!gen->start(c, &run->error))
            continue;
        ++running;
        generators.push_back(std::move(gen));
    }
    while (running > 0) {
        if (!waitUntil([&running]() { return running == 0; }, 1000) && cancelled()) {
            for (auto& g : generators)
                g->cancel();
            // Cancelled runs end promptly; wait for them without the cancel flag.
            const std::atomic<bool>* cancel = m_cancel;
            m_cancel = nullptr;
            waitUntil([&running]() { return running == 0; }, 30000);
            m_cancel = cancel;
            break;
        }
    }
    return runs;
}

Lab::LoadRun Lab::load(LoadConfig config)
{
    return std::move(loadTogether({ config }).front());
}

void Lab::startGet(const QByteArray& target)
{
    // A plain socket, one attempt: an HTTP client library would resend a
    // request whose connection closed unanswered, and a fault= request
    // sent twice crashes two workers.
    if (m_pendingGet && m_pendingGet->socket != nullptr)
        m_pendingGet->socket->deleteLater();
    m_pendingGet = std::make_unique<PendingGet>();
    PendingGet* pending = m_pendingGet.get();
    pending->socket = new QTcpSocket();
    pending->clock.start();
    QTcpSocket* socket = pending->socket;
    const QByteArray request = "GET " + target
        + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n";
    QObject::connect(socket, &QTcpSocket::connected, socket, [socket, request]() { socket->write(request); });
    QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket, pending]() { pending->received += socket->readAll(); });
    QObject::connect(socket, &QTcpSocket::disconnected, socket, [socket, pending]() {
        pending->received += socket->readAll();
        pending->done = true;
    });
    QObject::connect(socket, &QTcpSocket::errorOccurred, socket, [socket, pending](QAbstractSocket::SocketError e) {
        if (e == QAbstractSocket::RemoteHostClosedError)
            return; // disconnected() follows
        pending->received += socket->readAll();
        pending->error = socket->errorString();
        pending->done = true;
    });
    socket->connectToHost(QHostAddress(QHostAddress::LocalHost), m_cluster ? m_cluster->port() : 0);
}

Lab::Response Lab::waitForGet(int timeoutMs)
{
    Response r;
    if (!m_pendingGet || m_pendingGet->socket == nullptr) {
        r.error = QStringLiteral("no request was sent");
        return r;
    }
    PendingGet* pending = m_pendingGet.get();
    waitUntil([pending]() { return pending->done; }, timeoutMs);
    r.ms = static_cast<double>(pending->clock.nsecsElapsed()) / 1e6;
    if (!pending->done) {
        r.error = cancelled() ? QStringLiteral("cancelled") : QStringLiteral("no answer within %1 ms").arg(timeoutMs);
    } else {
        // "HTTP/1.1 200 OK\r\n...\r\n\r\n<body>": the status, and the body
        // (the connection's close ends it).
        const QByteArray& in = pending->received;
        const qsizetype headEnd = in.indexOf("\r\n\r\n");
        if (in.startsWith("HTTP/1.") && in.size() >= 12 && headEnd > 0) {
            r.status = in.mid(9, 3).toInt();
            r.json = QJsonDocument::fromJson(in.mid(headEnd + 4)).object();
        } else {
            r.error = pending->error.isEmpty() ? QStringLiteral("the connection closed without a response") : pending->error;
        }
    }
    pending->socket->abort();
    delete pending->socket;
    m_pendingGet.reset();
    return r;
}

Lab::Response Lab::get(const QByteArray& target, int timeoutMs)
{
    startGet(target);
    return waitForGet(timeoutMs);
}

} // namespace clusterlab::experiment
