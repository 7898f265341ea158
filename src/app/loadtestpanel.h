#pragma once

#include "load/loadgenerator.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace clusterlab {

// The load test: requests or duration, connections, keep-alive, rate,
// route mix and target (the embedded cluster or any http:// URL); start and
// stop; a progress bar with an ETA; the summary. The engine runs on its own
// thread; this panel only shows what it reports.
class LoadTestPanel : public QWidget
{
    Q_OBJECT
public:
    explicit LoadTestPanel(QWidget* parent = nullptr);
    void setEmbeddedUrl(const QString& url) { m_embeddedUrl = url; }
    // Builds the config from the form; false with a reason in *error.
    bool buildConfig(LoadConfig* config, QString* error) const;
    bool start(QString* error);
    void stop();
    bool isRunning() const { return m_generator->isRunning(); }
    LoadGenerator* generator() const { return m_generator; }
    QString summaryText() const;

    // Form access for settings and tests.
    void setRequests(int n);
    void setConnections(int c);
    void setKeepAlive(bool on);
    void setRouteMix(const QString& mix);
    void setDurationSeconds(double s);
    void useDuration(bool on);

Q_SIGNALS:
    void finished(const clusterlab::LoadSummary& summary);

private:
    void onProgress(const LoadProgress& p);
    void onFinished(const LoadSummary& s);

    LoadGenerator* m_generator = nullptr;
    QString m_embeddedUrl;
    LoadConfig m_running;
    QComboBox* m_mode = nullptr;
    QSpinBox* m_requests = nullptr;
    QDoubleSpinBox* m_duration = nullptr;
    QSpinBox* m_connections = nullptr;
    QCheckBox* m_keepAlive = nullptr;
    QDoubleSpinBox* m_rate = nullptr;
    QLineEdit* m_mix = nullptr;
    QComboBox* m_target = nullptr;
    QLineEdit* m_url = nullptr;
    QPushButton* m_start = nullptr;
    QPushButton* m_stop = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_eta = nullptr;
    QPlainTextEdit* m_summary = nullptr;
};

} // namespace clusterlab
