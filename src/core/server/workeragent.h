// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "controlmessage.h"
#include "distributionpolicy.h"

#include <QObject>
#include <QTimer>

class QLocalSocket;
class QSocketNotifier;

namespace clusterlab {

class WorkerServer;
class WorkerTelemetry;

// The worker's side of the cluster: the control channel to the primary,
// the policy's way of getting connections (handed-over descriptors, the
// shared listener, or its own SO_REUSEPORT socket), and graceful draining.
// When the control channel closes, finished() fires: a worker never
// outlives its primary. Worker main thread; not thread-safe.
class WorkerAgent : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString controlName;
        DistributionPolicy policy = DistributionPolicy::RoundRobin;
        qintptr inheritedFd = -1; // round-robin: handoff channel; shared: the listener
        // Windows: that socket comes as a "socket" control message instead
        // (WSADuplicateSocketW; platform::kSocketsByDuplication).
        bool socketFromPrimary = false;
        qintptr servedFd = -1;    // the primary's shared "served" counter
        bool telemetry = true;
    };

    WorkerAgent(WorkerServer* server, Options options, QObject* parent = nullptr);
    ~WorkerAgent() override;

    // Connects the control channel and starts taking connections. On failure
    // returns false with a one-line reason.
    bool start(QString* error);

Q_SIGNALS:
    // Time to exit: the primary is gone, or a graceful stop completed.
    void finished(int exitCode);

private:
    void send(const QCborMap& message);
    void onControlReadyRead();
    void onHandoff();
    void beginStop(int graceMs);
    // Starts taking connections on the policy's socket, then says
    // "listening"; false with a reason when the socket is unusable.
    bool takeSocket(QString* error);

    WorkerServer* m_server;
    Options m_options;
    QLocalSocket* m_control = nullptr;
    QSocketNotifier* m_handoffNotifier = nullptr;
    control::FrameReader m_reader;
    WorkerTelemetry* m_telemetry = nullptr;
    QTimer m_graceTimer;
    bool m_stopping = false;
    bool m_awaitingSocket = false; // socketFromPrimary, and its message not here yet
};

} // namespace clusterlab
