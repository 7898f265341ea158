// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QCheckBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;

namespace clusterlab {

class LabController;
struct RequestOutcome;

// Click to send, a view of the lab: one button per route with N and
// keep-alive; shows the response (status, headers, body, Server-Timing
// breakdown, serving worker) and keeps a history to resend. The lab sends
// (LabController::sendRequest, asynchronous): the window never waits.
class RequestPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RequestPanel(LabController* lab, QWidget* parent = nullptr);
    // Sends GET <route>?n=<N> (N only for the compute routes).
    void send(const QString& route);
    void sendTarget(const QString& target);
    int n() const;
    void setN(int n);
    bool keepAlive() const;
    void setKeepAlive(bool on);
    // N and keep-alive, persisted (QSettings "request/...").
    void loadSettings();
    void saveSettings() const;
    QString lastResponseText() const;

Q_SIGNALS:
    // A response arrived; pid is its X-Worker-Pid (0 when absent).
    void responseReceived(int status, qint64 pid, const QString& summary);

private:
    void onAnswered(const RequestOutcome& o);

    LabController* m_lab = nullptr;
    QSpinBox* m_n = nullptr;
    QCheckBox* m_keepAlive = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_timing = nullptr;
    QPlainTextEdit* m_response = nullptr;
    QListWidget* m_history = nullptr;
};

} // namespace clusterlab
