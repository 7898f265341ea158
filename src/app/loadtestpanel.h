// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "load/loadconfig.h"
#include "load/loadresult.h"

#include <QWidget>

#include <memory>

namespace Ui {
class LoadTestPanel;
}

namespace clusterlab {

class RouteMixEditor;

class LabController;

// The load test's form and its report, a view of the lab: requests or
// duration, connections, keep-alive, rate, route mix and target (the
// embedded cluster or any http:// URL); start and stop; a progress bar with
// an ETA; the summary. The lab runs the test (LabController::startLoad);
// this panel builds its settings and shows what it reports.
class LoadTestPanel : public QWidget
{
    Q_OBJECT
public:
    explicit LoadTestPanel(LabController* lab, QWidget* parent = nullptr);
    ~LoadTestPanel() override;
    void setEmbeddedUrl(const QString& url) { m_embeddedUrl = url; }
    // Builds the config from the form; false with a reason in *error.
    bool buildConfig(LoadConfig* config, QString* error) const;
    bool start(QString* error);
    void stop();
    bool isRunning() const;
    QString summaryText() const;
    // The summary box shows only once a test has ended.
    bool summaryShown() const;

    // Form access for settings and tests.
    void setRequests(int n);
    void setConnections(int c);
    // The form's connections, persisted (QSettings "load/connections").
    void loadSettings();
    void saveSettings() const;
    void setKeepAlive(bool on);
    void setRouteMix(const QString& mix);
    RouteMixEditor* routeMixEditor() const { return m_mixEditor; }
    void setDurationSeconds(double s);
    void useDuration(bool on);

Q_SIGNALS:
    void finished(const clusterlab::LoadSummary& summary);

private:
    void onProgress(const LoadProgress& p);
    void onFinished(const LoadConfig& config, const LoadSummary& s);
    void showSummary(bool show);

    LabController* m_lab = nullptr;
    QString m_embeddedUrl;
    std::unique_ptr<Ui::LoadTestPanel> m_ui; // ui/loadtestpanel.ui
    RouteMixEditor* m_mixEditor = nullptr;
};

} // namespace clusterlab
