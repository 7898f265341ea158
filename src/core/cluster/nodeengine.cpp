// SPDX-License-Identifier: GPL-3.0-or-later
#include "nodeengine.h"

#include "logging.h"
#include "server/requestrecord.h"
#include "telemetry/telemetryaggregator.h"

#include <QCborArray>
#include <QCborMap>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>

#include <vector>

namespace clusterlab {

namespace {
const char* signalName(int signal)
{
    switch (signal) {
    case 2: return "SIGINT";
    case 6: return "SIGABRT";
    case 11: return "SIGSEGV";
    case 15: return "SIGTERM";
    default: return "SIGKILL";
    }
}

std::int64_t asInt(const QJsonValue& v, std::int64_t fallback = 0)
{
    return v.isDouble() ? static_cast<std::int64_t>(v.toDouble()) : fallback;
}
} // namespace

NodeEngine::NodeEngine(const ClusterConfig& config, QObject* parent)
    : Engine(parent)
    , m_config(config.resolved())
{
    if (m_config.telemetry)
        m_telemetry = new TelemetryAggregator(this);
    m_stopDeadline.setSingleShot(true);
    connect(&m_stopDeadline, &QTimer::timeout, this, [this]() {
        if (m_process != nullptr && m_process->state() != QProcess::NotRunning) {
            emitInfo(QStringLiteral("the Node engine did not stop in time: killed"));
            m_process->kill();
        }
    });
}

NodeEngine::~NodeEngine()
{
    if (m_process == nullptr)
        return;
    m_process->disconnect(this);
    if (m_process->state() != QProcess::NotRunning) {
        m_process->closeWriteChannel(); // Node kills its workers and exits
        if (!m_process->waitForFinished(3000)) {
            m_process->kill(); // its workers notice their primary is gone and exit
            m_process->waitForFinished(1000);
        }
    }
}

QString NodeEngine::runtime() const
{
    return m_nodeVersion.isEmpty() ? QStringLiteral("Node.js") : QStringLiteral("Node.js %1").arg(m_nodeVersion);
}

qint64 NodeEngine::primaryPid() const
{
    return m_process != nullptr ? m_process->processId() : 0;
}

bool NodeEngine::start(QString* error)
{
    if (m_running) {
        *error = QStringLiteral("the cluster is already running");
        return false;
    }
    if (m_config.nodeProgram.isEmpty()) {
        *error = QStringLiteral("the Node.js engine needs Node.js 18 or newer, and there is no `node` on the PATH "
                                "(Debian: apt-get install nodejs); the native engine needs nothing");
        return false;
    }
    if (!QFileInfo::exists(m_config.nodeScript)) {
        *error = QStringLiteral("the Node.js engine's program is missing: %1 (set CLUSTERLAB_NODE_SCRIPT to its "
                                "clusterlab-node.js)").arg(m_config.nodeScript);
        return false;
    }
    QStringList args { m_config.nodeScript,
                       QStringLiteral("--port"), QString::number(m_config.port),
                       QStringLiteral("--port-attempts"), QString::number(qMax(1, m_config.portAttempts)),
                       QStringLiteral("--host"), m_config.host.toString(),
                       QStringLiteral("--workers"), QString::number(m_config.workers),
                       QStringLiteral("--policy"), policyName(m_config.policy),
                       QStringLiteral("--threads"), offloadModeName(m_config.threads),
                       QStringLiteral("--children"), offloadModeName(m_config.children),
                       QStringLiteral("--pool-threads"), QString::number(m_config.poolThreads),
                       QStringLiteral("--max-children"), QString::number(m_config.maxChildren),
                       QStringLiteral("--graceful-stop-ms"), QString::number(m_config.gracefulStopMs),
                       QStringLiteral("--restart-backoff-ms"), QString::number(m_config.restartBackoffMs),
                       QStringLiteral("--crash-loop-limit"), QString::number(m_config.crashLoopLimit) };
    for (const QString& name : m_config.allowedHosts)
        args << QStringLiteral("--allow-host") << name;
    if (m_config.faultInjection)
        args << QStringLiteral("--fault-injection");
    if (!m_config.telemetry)
        args << QStringLiteral("--no-telemetry");
    args << m_config.extraWorkerArgs; // the engine's own options (tests: --max-queue, --task-timeout-ms)

    delete m_process;
    m_process = new QProcess(this);
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel); // Node's diagnostics reach our stderr
    connect(m_process, &QProcess::readyReadStandardOutput, this, [this]() { consume(m_process->readAllStandardOutput()); });
    connect(m_process, &QProcess::finished, this, &NodeEngine::onFinished);
    m_helloSeen = false;
    m_fatal.clear();
    m_buffer.clear();
    m_discarding = false;
    m_workers.clear();
    m_allListeningEmitted = false;
    m_stopping = false;
    m_process->start(m_config.nodeProgram, args);
    if (!m_process->waitForStarted(5000)) {
        *error = QStringLiteral("cannot run %1: %2").arg(m_config.nodeProgram, m_process->errorString());
        return false;
    }
    // The port is Node's to choose (the next free one when asked): wait for its hello.
    QElapsedTimer clock;
    clock.start();
    while (!m_helloSeen && m_fatal.isEmpty() && m_process->state() == QProcess::Running
           && clock.elapsed() < kStartTimeoutMs) {
        if (m_process->waitForReadyRead(static_cast<int>(qMax<qint64>(1, kStartTimeoutMs - clock.elapsed()))))
            consume(m_process->readAllStandardOutput());
    }
    if (!m_helloSeen) {
        if (m_fatal.isEmpty() && m_process->state() == QProcess::Running)
            m_fatal = QStringLiteral("the Node.js engine did not start within %1 s").arg(kStartTimeoutMs / 1000);
        else if (m_fatal.isEmpty())
            m_fatal = QStringLiteral("the Node.js engine exited at once (code %1)").arg(m_process->exitCode());
        *error = m_fatal;
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
        return false;
    }
    m_running = true;
    ClusterEvent e;
    e.detail = QStringLiteral("node engine (%1), %2 on %3 with %4 workers; /worker %5, /child %6")
                   .arg(runtime(), policyName(m_config.policy), url())
                   .arg(m_config.workers)
                   .arg(offloadModeName(m_config.threads), offloadModeName(m_config.children));
    Q_EMIT clusterEvent(e);
    if (m_port != m_config.port && m_config.port != 0)
        emitInfo(QStringLiteral("port %1 is busy; using %2").arg(m_config.port).arg(m_port));
    return true;
}

void NodeEngine::consume(const QByteArray& bytes)
{
    qsizetype from = 0;
    while (from < bytes.size()) {
        const qsizetype nl = bytes.indexOf('\n', from);
        const qsizetype end = nl < 0 ? bytes.size() : nl;
        if (!m_discarding) {
            if (m_buffer.size() + (end - from) > kMaxLineBytes) {
                m_discarding = true;
                m_buffer.clear();
                protocolError(QStringLiteral("a line longer than %1 MiB (skipped)").arg(kMaxLineBytes >> 20));
            } else {
                m_buffer.append(bytes.constData() + from, end - from);
            }
        }
        if (nl < 0)
            return;
        if (!m_discarding && !m_buffer.isEmpty())
            handleLine(m_buffer);
        m_buffer.clear();
        m_discarding = false;
        from = nl + 1;
    }
}

void NodeEngine::protocolError(const QString& what)
{
    ++m_protocolErrors;
    qCWarning(lcCluster).noquote() << "node engine protocol:" << what;
    if (m_protocolErrors <= static_cast<quint64>(kMaxReportedProtocolErrors))
        emitInfo(QStringLiteral("the Node engine sent %1%2").arg(what, m_protocolErrors == kMaxReportedProtocolErrors
                                                                        ? QStringLiteral("; further ones are only counted")
                                                                        : QString()));
}

void NodeEngine::handleLine(const QByteArray& line)
{
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject()) {
        protocolError(QStringLiteral("a line that is not a JSON object (%1): %2")
                          .arg(parseError.errorString(), QString::fromUtf8(line.left(60))));
        return;
    }
    const QJsonObject o = doc.object();
    const QString type = o.value(QStringLiteral("type")).toString();
    if (type == QLatin1String("telemetry")) {
        onTelemetry(o);
    } else if (type == QLatin1String("event")) {
        onEvent(o);
    } else if (type == QLatin1String("hello")) {
        const std::int64_t port = asInt(o.value(QStringLiteral("port")), -1);
        if (o.value(QStringLiteral("protocol")).toInt() != 1 || port < 1 || port > 65535) {
            m_fatal = QStringLiteral("the Node engine speaks another protocol (%1)").arg(QString::fromUtf8(line.left(80)));
            return;
        }
        m_port = static_cast<quint16>(port);
        m_nodeVersion = o.value(QStringLiteral("node")).toString().left(32);
        m_scheduling = o.value(QStringLiteral("scheduling")).toString().left(16);
        m_helloSeen = true;
    } else if (type == QLatin1String("all-listening")) {
        // Node's primary says it each time every slot listens again (after
        // a start, a scale-up, a replacement), as the native engine emits it.
        m_allListeningEmitted = true;
        Q_EMIT allListening();
    } else if (type == QLatin1String("rolling-finished")) {
        Q_EMIT rollingRestartFinished();
    } else if (type == QLatin1String("error")) {
        m_fatal = o.value(QStringLiteral("message")).toString().left(500);
        if (m_running)
            emitInfo(QStringLiteral("the Node engine failed: %1").arg(m_fatal));
    } else if (type == QLatin1String("stopped")) {
        // Its process ends next: onFinished.
    } else {
        protocolError(QStringLiteral("a line of unknown type '%1'").arg(type.left(32)));
    }
}

Engine::WorkerInfo& NodeEngine::slot(int index)
{
    while (m_workers.size() <= index) {
        WorkerInfo w;
        w.index = static_cast<int>(m_workers.size());
        m_workers.append(w);
    }
    return m_workers[index];
}

void NodeEngine::onEvent(const QJsonObject& o)
{
    static const QHash<QString, ClusterEvent::Kind> kinds {
        { QStringLiteral("forked"), ClusterEvent::Kind::Forked },
        { QStringLiteral("online"), ClusterEvent::Kind::Online },
        { QStringLiteral("listening"), ClusterEvent::Kind::Listening },
        { QStringLiteral("disconnected"), ClusterEvent::Kind::Disconnected },
        { QStringLiteral("exited"), ClusterEvent::Kind::Exited },
        { QStringLiteral("restarting"), ClusterEvent::Kind::Restarting },
        { QStringLiteral("errored"), ClusterEvent::Kind::Errored },
        { QStringLiteral("info"), ClusterEvent::Kind::Info },
    };
    const QString kind = o.value(QStringLiteral("kind")).toString();
    const std::int64_t index = asInt(o.value(QStringLiteral("index")), -2);
    if (!kinds.contains(kind) || index < -1 || index >= TelemetryAggregator::kMaxWorkerIndex) {
        protocolError(QStringLiteral("an event it should not (%1, worker %2)").arg(kind.left(32)).arg(index));
        return;
    }
    ClusterEvent e;
    e.kind = kinds.value(kind);
    e.index = static_cast<int>(index);
    e.pid = asInt(o.value(QStringLiteral("pid")));
    e.crash = o.value(QStringLiteral("crash")).toBool();
    e.exitCode = static_cast<int>(asInt(o.value(QStringLiteral("exitCode"))));
    e.signal = static_cast<int>(asInt(o.value(QStringLiteral("signal"))));
    e.delayMs = static_cast<int>(asInt(o.value(QStringLiteral("delayMs"))));
    e.steadyNs = o.value(QStringLiteral("t")).toString().toLongLong();
    e.detail = o.value(QStringLiteral("detail")).toString().left(300);
    if (e.index >= 0) {
        WorkerInfo& w = slot(e.index);
        switch (e.kind) {
        case ClusterEvent::Kind::Forked:
            w.pid = e.pid;
            w.state = WorkerState::Starting;
            if (m_telemetry != nullptr)
                m_telemetry->workerStarted(e.index, e.pid);
            break;
        case ClusterEvent::Kind::Online:
            if (w.pid == e.pid)
                w.state = WorkerState::Online;
            break;
        case ClusterEvent::Kind::Listening:
            if (w.pid == e.pid)
                w.state = WorkerState::Listening;
            break;
        case ClusterEvent::Kind::Disconnected:
            if (w.pid == e.pid && w.state == WorkerState::Listening)
                w.state = WorkerState::Stopping;
            break;
        case ClusterEvent::Kind::Exited:
            if (m_telemetry != nullptr)
                m_telemetry->workerExited(e.pid, 0, false);
            if (w.pid == e.pid) {
                w.lastExit = e.signal != 0 ? QStringLiteral("signal %1").arg(e.signal) : QStringLiteral("exit %1").arg(e.exitCode);
                w.state = e.crash ? WorkerState::Restarting : WorkerState::Stopping;
            }
            break;
        case ClusterEvent::Kind::Restarting:
            w.state = WorkerState::Restarting;
            ++w.restarts;
            break;
        case ClusterEvent::Kind::Errored:
            w.state = WorkerState::Errored;
            break;
        case ClusterEvent::Kind::Info:
            break;
        }
    }
    // A slot beyond the worker count (scaled down) goes once its worker is gone.
    if (e.kind == ClusterEvent::Kind::Exited) {
        while (m_workers.size() > m_config.workers && m_workers.constLast().state == WorkerState::Stopping)
            m_workers.removeLast();
    }
    Q_EMIT clusterEvent(e);
}

void NodeEngine::onTelemetry(const QJsonObject& o)
{
    if (m_telemetry == nullptr)
        return;
    const std::int64_t index = asInt(o.value(QStringLiteral("index")), -1);
    const std::int64_t pid = asInt(o.value(QStringLiteral("pid")), -1);
    const std::int64_t base = o.value(QStringLiteral("base")).toString().toLongLong();
    if (index < 0 || index >= TelemetryAggregator::kMaxWorkerIndex || pid <= 0 || base <= 0) {
        protocolError(QStringLiteral("a telemetry batch without a worker, pid or base"));
        return;
    }
    const QJsonArray rows = o.value(QStringLiteral("records")).toArray();
    std::vector<RequestRecord> records;
    records.reserve(static_cast<std::size_t>(rows.size()));
    int bad = 0;
    const auto at = [base](const QJsonValue& v) { return v.isDouble() ? base + static_cast<std::int64_t>(v.toDouble()) : 0; };
    for (const QJsonValue& v : rows) {
        const QJsonArray f = v.toArray();
        if (f.size() != 14) {
            ++bad;
            continue;
        }
        const std::int64_t route = asInt(f[12], -1);
        const std::int64_t path = asInt(f[13], -1);
        const std::int64_t n = asInt(f[11], -2);
        const std::int64_t status = asInt(f[10], -1);
        if (route < 0 || route >= kRouteCount || path < 0 || path > 3 || n < -1 || n > 127 || status < 0 || status > 999) {
            ++bad;
            continue;
        }
        RequestRecord r;
        r.headersNs = at(f[0]);
        r.queuedNs = at(f[1]);
        r.computeStartNs = at(f[2]);
        r.computeEndNs = at(f[3]);
        r.writtenNs = at(f[4]);
        r.spawnNs = asInt(f[5]);
        r.requestSeq = static_cast<std::uint64_t>(asInt(f[6]));
        r.connectionId = static_cast<std::uint64_t>(asInt(f[7]));
        r.threadOrTask = static_cast<std::uint64_t>(asInt(f[8]));
        r.bytes = static_cast<std::uint32_t>(qBound<std::int64_t>(0, asInt(f[9]), UINT32_MAX));
        r.status = static_cast<std::uint16_t>(status);
        r.n = static_cast<std::int8_t>(n);
        r.route = static_cast<RouteId>(route);
        r.path = static_cast<PathId>(path);
        r.pid = static_cast<std::int32_t>(pid);
        r.workerIndex = static_cast<std::uint16_t>(index);
        records.push_back(r);
    }
    if (bad > 0)
        protocolError(QStringLiteral("%1 malformed record(s) in a batch of worker %2 (skipped)").arg(bad).arg(index));
    QCborArray samples;
    for (const QJsonValue& v : o.value(QStringLiteral("samples")).toArray()) {
        QCborMap s = QCborMap::fromJsonObject(v.toObject());
        s.insert(QStringLiteral("t"), static_cast<qint64>(at(v.toObject().value(QStringLiteral("t")))));
        samples.append(s);
    }
    QCborMap batch;
    batch.insert(QStringLiteral("type"), QStringLiteral("telemetry"));
    batch.insert(QStringLiteral("batch"), static_cast<qint64>(asInt(o.value(QStringLiteral("batch")))));
    batch.insert(QStringLiteral("served"), static_cast<qint64>(asInt(o.value(QStringLiteral("served")))));
    batch.insert(QStringLiteral("layout"), kRequestRecordLayout);
    batch.insert(QStringLiteral("records"), packRecords(records));
    batch.insert(QStringLiteral("samples"), samples);
    m_telemetry->ingest(static_cast<int>(index), pid, batch);
}

void NodeEngine::onFinished(int exitCode, QProcess::ExitStatus status)
{
    const bool wasRunning = m_running;
    m_running = false;
    m_stopDeadline.stop();
    for (WorkerInfo& w : m_workers) {
        if (w.pid != 0 && m_telemetry != nullptr && w.state != WorkerState::Stopping && w.state != WorkerState::Restarting)
            m_telemetry->workerExited(w.pid, 0, false);
    }
    m_workers.clear();
    if (wasRunning && !m_stopping)
        emitInfo(status == QProcess::CrashExit ? QStringLiteral("the Node engine's primary died")
                                               : QStringLiteral("the Node engine's primary exited (code %1)%2")
                                                     .arg(exitCode)
                                                     .arg(m_fatal.isEmpty() ? QString() : QStringLiteral(": ") + m_fatal));
    if (wasRunning)
        Q_EMIT stopped();
}

void NodeEngine::send(const QJsonObject& command)
{
    if (m_process != nullptr && m_process->state() == QProcess::Running)
        m_process->write(QJsonDocument(command).toJson(QJsonDocument::Compact) + '\n');
}

void NodeEngine::emitInfo(const QString& detail)
{
    ClusterEvent e;
    e.detail = detail;
    Q_EMIT clusterEvent(e);
}

void NodeEngine::stop()
{
    if (!m_running || m_stopping)
        return;
    m_stopping = true;
    send(QJsonObject { { QStringLiteral("cmd"), QStringLiteral("stop") } });
    m_stopDeadline.start(m_config.gracefulStopMs + 5000);
}

void NodeEngine::setWorkerCount(int count)
{
    if (!m_running || count < 1 || count > 256 || count == m_config.workers)
        return;
    m_config.workers = count;
    m_allListeningEmitted = false;
    send(QJsonObject { { QStringLiteral("cmd"), QStringLiteral("scale") }, { QStringLiteral("workers"), count } });
}

void NodeEngine::rollingRestart()
{
    if (m_running)
        send(QJsonObject { { QStringLiteral("cmd"), QStringLiteral("rolling") } });
}

bool NodeEngine::killWorker(int index, int signal)
{
    if (!m_running || index < 0 || index >= m_workers.size() || m_workers[index].pid == 0
        || m_workers[index].state == WorkerState::Restarting || m_workers[index].state == WorkerState::Errored)
        return false;
    send(QJsonObject { { QStringLiteral("cmd"), QStringLiteral("kill") }, { QStringLiteral("index"), index },
                       { QStringLiteral("signal"), QLatin1String(signalName(signal)) } });
    return true;
}

bool NodeEngine::reviveWorker(int index)
{
    if (!m_running || index < 0 || index >= m_workers.size() || m_workers[index].state != WorkerState::Errored)
        return false;
    send(QJsonObject { { QStringLiteral("cmd"), QStringLiteral("revive") }, { QStringLiteral("index"), index } });
    return true;
}

QList<Engine::WorkerInfo> NodeEngine::workers() const
{
    return m_workers;
}

} // namespace clusterlab
