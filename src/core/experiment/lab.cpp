#include "lab.h"

#include "load/loadgenerator.h"

#include <QElapsedTimer>
#include <QEventLoop>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QThread>
#include <QTimer>

namespace clusterlab::experiment {

struct Lab::PendingGet
{
    QNetworkReply* reply = nullptr;
    QElapsedTimer clock;
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
    if (m_pendingGet && m_pendingGet->reply != nullptr) {
        m_pendingGet->reply->abort();
        delete m_pendingGet->reply;
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

void Lab::progress(const QString& step, double fraction)
{
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
    m_cluster = std::make_unique<Cluster>(config);
    QObject::connect(m_cluster.get(), &Cluster::clusterEvent, m_cluster.get(),
                     [this](const ClusterEvent& e) { m_events.append(e); });
    bool listening = false;
    QObject::connect(m_cluster.get(), &Cluster::allListening, m_cluster.get(), [&listening]() { listening = true; });
    if (!m_cluster->start(error)) {
        m_cluster.reset();
        return false;
    }
    if (!waitUntil([&listening]() { return listening; }, 30000)) {
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
        QObject::connect(m_cluster.get(), &Cluster::stopped, m_cluster.get(), [&stopped]() { stopped = true; });
        m_cluster->stop();
        // A graceful stop; the destructor kills whatever is left after this.
        const std::atomic<bool>* cancel = m_cancel;
        m_cancel = nullptr; // a cancelled run still stops its cluster properly
        waitUntil([&stopped]() { return stopped; }, 15000);
        m_cancel = cancel;
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
    if (!m_network)
        m_network = std::make_unique<QNetworkAccessManager>();
    if (m_pendingGet && m_pendingGet->reply != nullptr)
        delete m_pendingGet->reply;
    m_pendingGet = std::make_unique<PendingGet>();
    QNetworkRequest request(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_cluster ? m_cluster->port() : 0)
                                 + QString::fromLatin1(target)));
    request.setRawHeader("Accept", "application/json");
    // A fresh connection each time: a reused one could belong to a worker
    // that has since died.
    request.setRawHeader("Connection", "close");
    m_pendingGet->clock.start();
    m_pendingGet->reply = m_network->get(request);
    PendingGet* pending = m_pendingGet.get();
    QObject::connect(m_pendingGet->reply, &QNetworkReply::finished, m_pendingGet->reply, [pending]() { pending->done = true; });
}

Lab::Response Lab::waitForGet(int timeoutMs)
{
    Response r;
    if (!m_pendingGet || m_pendingGet->reply == nullptr) {
        r.error = QStringLiteral("no request was sent");
        return r;
    }
    PendingGet* pending = m_pendingGet.get();
    waitUntil([pending]() { return pending->done; }, timeoutMs);
    QNetworkReply* reply = pending->reply;
    r.ms = static_cast<double>(pending->clock.nsecsElapsed()) / 1e6;
    if (!pending->done) {
        reply->abort();
        r.error = cancelled() ? QStringLiteral("cancelled") : QStringLiteral("no answer within %1 ms").arg(timeoutMs);
    } else {
        r.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (r.status == 0)
            r.error = reply->errorString();
        r.json = QJsonDocument::fromJson(reply->readAll()).object();
    }
    delete reply;
    m_pendingGet.reset();
    return r;
}

Lab::Response Lab::get(const QByteArray& target, int timeoutMs)
{
    startGet(target);
    return waitForGet(timeoutMs);
}

} // namespace clusterlab::experiment
