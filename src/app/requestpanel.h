// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QElapsedTimer>
#include <QWidget>

class QCheckBox;
class QLabel;
class QListWidget;
class QNetworkAccessManager;
class QNetworkReply;
class QPlainTextEdit;
class QSpinBox;

namespace clusterlab {

// Click to send: one button per route with N and keep-alive; shows the
// response (status, headers, body, Server-Timing breakdown, serving worker)
// and keeps a history to resend. Asynchronous (QNetworkAccessManager): the
// window never waits on a request.
class RequestPanel : public QWidget
{
    Q_OBJECT
public:
    explicit RequestPanel(QWidget* parent = nullptr);
    void setBaseUrl(const QString& url) { m_baseUrl = url; }
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
    void onFinished(QNetworkReply* reply, const QString& target, QElapsedTimer timer);

    QString m_baseUrl;
    QNetworkAccessManager* m_network = nullptr;
    QSpinBox* m_n = nullptr;
    QCheckBox* m_keepAlive = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_timing = nullptr;
    QPlainTextEdit* m_response = nullptr;
    QListWidget* m_history = nullptr;
};

} // namespace clusterlab
