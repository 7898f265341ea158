// SPDX-License-Identifier: GPL-3.0-or-later
#include "labcontroller.h"

#include "sessioncontroller.h"

#include "compute/clock.h"
#include "load/loadgenerator.h"

#include <QElapsedTimer>
#include "load/attributedclient.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

namespace clusterlab {

QByteArray RequestOutcome::header(const char* name) const
{
    for (const auto& [key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

LabController::LabController(QObject* parent)
    : QObject(parent)
    , m_feed(new ClusterFeed(this))
    , m_sessions(new SessionController(this)) // everything the lab records goes into its session, from the start
    , m_load(new LoadGenerator(this))
    , m_network(new QNetworkAccessManager(this))
{
    connect(m_load, &LoadGenerator::progress, this, &LabController::loadProgress);
    connect(m_load, &LoadGenerator::finished, this, [this](const LoadSummary& summary) {
        const LoadConfig& config = m_load->config();
        m_sessions->loadTestFinished(config, summary);
        // Per server connection, for the routing chart's second view.
        m_feed->setLoadTestConnections(summary.perServerConnection);
        Q_EMIT loadFinished(config, summary);
    });
}

LabController::~LabController()
{
    // The load test's thread first: its record sink writes into the session.
    delete m_load;
    m_load = nullptr;
    m_feed->stop();
    m_feed->setCluster(nullptr);
    forwardRecordsTo(nullptr);
    m_attributedClient.reset(); // its requests' callbacks do not run
    m_cluster.reset(); // kills and reaps every worker
}

void LabController::forwardRecordsTo(Engine* engine)
{
    QMutexLocker lock(&m_forward->mutex);
    m_forward->engine = engine;
}

bool LabController::isRunning() const
{
    return m_cluster && m_cluster->isRunning();
}

bool LabController::start(const ClusterConfig& config, QString* errorOut)
{
    if (isRunning())
        return true;
    if (m_cluster) {
        m_feed->setCluster(nullptr);
        Q_EMIT clusterChanged(nullptr);
    }
    m_lastConfig = config;
    dropAttributedClient(tr("the target changed"));
    forwardRecordsTo(nullptr);
    m_cluster = createEngine(config);
    connect(m_cluster.get(), &Engine::clusterEvent, this, [this](const ClusterEvent& e) { logEvent(e.toLine()); });
    connect(m_cluster.get(), &Engine::allListening, this, &LabController::clusterListening);
    QString error;
    if (!m_cluster->start(&error)) {
        m_cluster.reset();
        Q_EMIT problem(tr("Cannot start the cluster"), error);
        Q_EMIT urlChanged(QString(), tr("Cluster stopped: %1").arg(error));
        if (errorOut != nullptr)
            *errorOut = error;
        return false;
    }
    m_feed->setCluster(m_cluster.get());
    m_sessions->attach(m_cluster.get());
    forwardRecordsTo(m_cluster.get());
    Q_EMIT clusterChanged(m_cluster.get());
    const QString note = m_cluster->port() != config.port ? tr(" (port %1 was busy)").arg(config.port) : QString();
    // Which engine runs, and on what: the one place the window says it.
    if (config.engine == EngineKind::External) {
        Q_EMIT urlChanged(m_cluster->url(), tr("Observing %1 from outside: which process took each connection, through "
                                               "the OS (the event loop's lag cannot be known)")
                                                .arg(m_cluster->runtime()));
        return true;
    }
    const QString engine = config.engine == EngineKind::Node
        ? tr("%1; /worker %2, /child %3")
              .arg(m_cluster->runtime(), offloadModeName(config.threads), offloadModeName(config.children))
        : tr("native engine");
    Q_EMIT urlChanged(m_cluster->url(), tr("Cluster on %1/ — %2, %3 workers, %4%5")
                                            .arg(m_cluster->url(), policyName(config.policy))
                                            .arg(m_cluster->workerCount())
                                            .arg(engine, note));
    return true;
}

void LabController::stop()
{
    if (!m_cluster)
        return;
    dropAttributedClient(tr("the cluster stopped"));
    connect(m_cluster.get(), &Engine::stopped, this,
            [this]() {
                Q_EMIT urlChanged(QString(), tr("Cluster stopped."));
                Q_EMIT clusterStopped();
            },
            Qt::SingleShotConnection);
    m_cluster->stop();
    Q_EMIT urlChanged(QString(), tr("Cluster stopping…"));
}

bool LabController::killWorker(int index, int signal)
{
    return m_cluster && index >= 0 && m_cluster->killWorker(index, signal);
}

bool LabController::reviveWorker(int index)
{
    return m_cluster && index >= 0 && m_cluster->reviveWorker(index);
}

void LabController::scaleBy(int delta)
{
    if (isRunning())
        m_cluster->setWorkerCount(qMax(1, m_cluster->workerCount() + delta));
}

void LabController::rollingRestart()
{
    if (isRunning())
        m_cluster->rollingRestart();
}

void LabController::pauseFor(std::function<void()> go)
{
    m_resumeAfterPause = isRunning();
    if (!m_resumeAfterPause) {
        go();
        return;
    }
    logEvent(tr("experiments: the lab's cluster stops while they run"));
    connect(m_cluster.get(), &Engine::stopped, this, [go]() { go(); }, Qt::SingleShotConnection);
    stop();
}

void LabController::resumeAfterPause()
{
    if (!m_resumeAfterPause)
        return;
    m_resumeAfterPause = false;
    logEvent(tr("experiments done: the lab's cluster starts again"));
    start(m_lastConfig);
}

bool LabController::loadRunning() const
{
    return m_load->isRunning();
}

bool LabController::startLoad(const LoadConfig& config, QString* error)
{
    if (m_load->isRunning()) {
        *error = tr("a load test is already running");
        return false;
    }
    // An external server says nothing of itself: each connection's process
    // is found through the OS, and the records go to the target too.
    LoadConfig run = config;
    std::function<void(const LoadRecord&)> alsoTo;
    if (m_cluster && m_cluster->needsAttribution() && config.port == m_cluster->port()) {
        run.attribute = true;
        QList<QByteArray> paths;
        for (const RouteWeight& r : config.routes)
            paths.append(r.path);
        alsoTo = [forward = m_forward, paths](const LoadRecord& r) {
            QMutexLocker lock(&forward->mutex);
            if (forward->engine != nullptr)
                forward->engine->clientRecord(toClientRecord(r, paths.value(r.route)));
        };
    }
    // The session's record sink is set on the generator before it starts.
    m_sessions->loadTestStarting(m_load, run, QStringLiteral("http://%1:%2").arg(config.host).arg(config.port), alsoTo);
    return m_load->start(run, error);
}

void LabController::cancelLoad()
{
    m_load->cancel();
}

void LabController::sendRequest(const QString& target, bool keepAlive)
{
    RequestOutcome refused;
    refused.target = target;
    if (!isRunning())
        refused.error = tr("the cluster is not running");
    else if (m_requestsInFlight >= kMaxRequestsInFlight)
        refused.error = tr("%1 requests are still waiting for an answer").arg(m_requestsInFlight);
    if (!refused.error.isEmpty()) {
        Q_EMIT requestAnswered(refused);
        return;
    }
    if (m_cluster->needsAttribution()) {
        sendAttributed(target, keepAlive);
        return;
    }
    QNetworkRequest request(QUrl(m_cluster->url() + target));
    if (!keepAlive)
        request.setRawHeader("Connection", "close");
    request.setTransferTimeout(120000);
    request.setMaximumRedirectsAllowed(0);
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    QNetworkReply* reply = m_network->get(request);
    ++m_requestsInFlight;
    auto truncated = std::make_shared<bool>(false);
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply, truncated](qint64 received, qint64) {
        if (received > kMaxRequestBody && !*truncated) {
            *truncated = true;
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, target, timer, truncated]() {
        --m_requestsInFlight;
        reply->deleteLater();
        RequestOutcome o;
        o.target = target;
        o.ms = static_cast<double>(timer->nsecsElapsed()) / 1e6;
        o.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        o.reason = reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString();
        o.headers = reply->rawHeaderPairs();
        o.body = reply->read(kMaxRequestBody);
        o.truncated = *truncated;
        o.workerPid = reply->rawHeader("X-Worker-Pid").toLongLong();
        if (o.status == 0)
            o.error = *truncated ? tr("the answer is longer than %1 MiB").arg(kMaxRequestBody >> 20) : reply->errorString();
        Q_EMIT requestAnswered(o);
    });
}

void LabController::dropAttributedClient(const QString& reason)
{
    if (!m_attributedClient)
        return;
    m_attributedClient->cancelAll(reason);
    m_attributedClient.reset();
}

void LabController::sendAttributed(const QString& target, bool keepAlive)
{
    const QUrl url(m_cluster->url());
    if (!m_attributedClient)
        m_attributedClient = std::make_unique<AttributedClient>(url.host(), m_cluster->port(), kMaxRequestBody, 120000);
    ++m_requestsInFlight;
    m_attributedClient->get(target.toUtf8(), keepAlive, [this, target](const AttributedClient::Answer& a) {
        --m_requestsInFlight;
        RequestOutcome o;
        o.target = target;
        o.ms = a.ms;
        o.status = a.status;
        o.reason = a.reason;
        o.headers = a.headers;
        o.body = a.body;
        o.truncated = a.truncated;
        o.error = a.error;
        if (o.status == 0 && o.error.isEmpty())
            o.error = tr("no answer");
        o.workerPid = o.header("X-Worker-Pid").toLongLong();
        o.osPid = a.servedBy;
        if (o.workerPid == 0 && a.servedBy != 0) {
            o.workerPid = a.servedBy;
            o.foundThroughOs = true;
            o.processName = a.servedByName;
        }
        o.attributionNote = a.attributionNote;
        o.connection = a.connection;
        o.reusedConnection = a.reusedConnection;
        Q_EMIT requestAnswered(o);
    });
}

void LabController::logEvent(const QString& line)
{
    const double t = static_cast<double>(steadyNowNs() - m_feed->originNs()) / 1e9;
    const QString stamped = QStringLiteral("[%1] %2").arg(t, 8, 'f', 3).arg(line);
    m_events.append(stamped);
    if (m_events.size() > kMaxEventLines)
        m_events.removeFirst();
    Q_EMIT eventLogged(stamped);
}

} // namespace clusterlab
