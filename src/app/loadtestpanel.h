// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "load/loadgenerator.h"

#include <QWidget>

#include <functional>

#include <memory>

namespace Ui {
class LoadTestPanel;
}

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
    ~LoadTestPanel() override;
    void setEmbeddedUrl(const QString& url) { m_embeddedUrl = url; }
    // Builds the config from the form; false with a reason in *error.
    bool buildConfig(LoadConfig* config, QString* error) const;
    bool start(QString* error);
    void stop();
    bool isRunning() const { return m_generator->isRunning(); }
    LoadGenerator* generator() const { return m_generator; }
    // Called with the run's settings just before each start (a session
    // recorder sets the generator's record sink there).
    void setBeforeStart(std::function<void(const LoadConfig&)> hook) { m_beforeStart = std::move(hook); }
    QString summaryText() const;

    // Form access for settings and tests.
    void setRequests(int n);
    void setConnections(int c);
    // The form's connections, persisted (QSettings "load/connections").
    void loadSettings();
    void saveSettings() const;
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
    std::function<void(const LoadConfig&)> m_beforeStart;
    QString m_embeddedUrl;
    LoadConfig m_running;
    std::unique_ptr<Ui::LoadTestPanel> m_ui; // ui/loadtestpanel.ui
};

} // namespace clusterlab
