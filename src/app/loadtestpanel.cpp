// SPDX-License-Identifier: GPL-3.0-or-later
#include "loadtestpanel.h"

#include "labcontroller.h"
#include "routemixeditor.h"

#include <QSettings>

#include "load/loadsummaryformat.h"
#include "ui_loadtestpanel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace clusterlab {

LoadTestPanel::LoadTestPanel(LabController* lab, QWidget* parent)
    : QWidget(parent)
    , m_lab(lab)
    , m_ui(std::make_unique<Ui::LoadTestPanel>())
{
    m_ui->setupUi(this);
    // The mix as a table too, under its text form; each follows the other.
    m_mixEditor = new RouteMixEditor(this);
    m_ui->form->insertRow(7, m_mixEditor);
    m_mixEditor->setText(m_ui->mix->text());
    connect(m_mixEditor, &RouteMixEditor::edited, this, [this](const QString& mix) {
        m_ui->mix->setText(mix);
        m_ui->mix->setCursorPosition(0);
    });
    connect(m_ui->mix, &QLineEdit::textEdited, m_mixEditor, [this](const QString& mix) { m_mixEditor->setText(mix); });
    m_ui->summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    // The summary shows once there is one; until then the form packs at the
    // top (a stretch under it takes the room the summary will fill).
    m_ui->mainLayout->addStretch(1);
    showSummary(false);
    connect(m_ui->target, &QComboBox::currentIndexChanged, this, [this](int i) { m_ui->url->setEnabled(i == 1); });
    auto updateMode = [this](int i) {
        m_ui->requests->setEnabled(i == 0);
        m_ui->duration->setEnabled(i == 1);
    };
    connect(m_ui->mode, &QComboBox::currentIndexChanged, this, updateMode);
    updateMode(0);
    connect(m_ui->start, &QPushButton::clicked, this, [this]() {
        QString error;
        if (!start(&error))
            m_ui->eta->setText(tr("Cannot start: %1").arg(error));
    });
    connect(m_ui->stop, &QPushButton::clicked, this, &LoadTestPanel::stop);
    connect(m_lab, &LabController::loadProgress, this, &LoadTestPanel::onProgress);
    connect(m_lab, &LabController::loadFinished, this, &LoadTestPanel::onFinished);
}

LoadTestPanel::~LoadTestPanel() = default;

bool LoadTestPanel::isRunning() const
{
    return m_lab->loadRunning();
}

bool LoadTestPanel::buildConfig(LoadConfig* config, QString* error) const
{
    const QString url = m_ui->target->currentIndex() == 0 ? m_embeddedUrl : m_ui->url->text().trimmed();
    if (url.isEmpty()) {
        *error = tr("the lab's target is not running");
        return false;
    }
    if (!LoadConfig::fromUrl(url, config, error))
        return false;
    if (!parseRouteMix(m_ui->mix->text(), &config->routes, error))
        return false;
    if (config->routes.isEmpty())
        config->routes.append(RouteWeight { "/", 1 });
    if (m_ui->mode->currentIndex() == 0)
        config->requests = m_ui->requests->value();
    else
        config->durationMs = static_cast<std::int64_t>(m_ui->duration->value() * 1000);
    config->connections = m_ui->connections->value();
    if (config->requests > 0 && config->connections > config->requests)
        config->connections = static_cast<int>(config->requests);
    config->keepAlive = m_ui->keepAlive->isChecked();
    config->rate = m_ui->rate->value();
    config->keepRecords = false; // the summary has what the window shows (per connection too)
    const QString invalid = config->validate();
    if (!invalid.isEmpty()) {
        *error = invalid;
        return false;
    }
    return true;
}

bool LoadTestPanel::start(QString* error)
{
    LoadConfig config;
    if (!buildConfig(&config, error))
        return false;
    if (!m_lab->startLoad(config, error))
        return false;
    m_ui->start->setEnabled(false);
    m_ui->stop->setEnabled(true);
    m_ui->progress->setValue(0);
    m_ui->eta->setText(tr("Starting…"));
    m_ui->summary->clear();
    showSummary(false);
    return true;
}

void LoadTestPanel::stop()
{
    m_lab->cancelLoad();
}

void LoadTestPanel::onProgress(const LoadProgress& p)
{
    const double fraction = p.fraction();
    m_ui->progress->setValue(static_cast<int>(fraction * 1000));
    const double elapsed = static_cast<double>(p.elapsedNs) / 1e9;
    const double eta = fraction > 0.001 ? elapsed * (1 - fraction) / fraction : 0;
    m_ui->eta->setText(tr("%1 done, %2 req/s, p99 %3 ms, %4 errors — about %5 s left")
                       .arg(p.succeeded + p.failed)
                       .arg(p.recentRps, 0, 'f', 0)
                       .arg(p.p99Ms, 0, 'f', 2)
                       .arg(p.failed)
                       .arg(eta, 0, 'f', 0));
}

void LoadTestPanel::onFinished(const LoadConfig& config, const LoadSummary& s)
{
    m_ui->start->setEnabled(true);
    m_ui->stop->setEnabled(false);
    m_ui->progress->setValue(1000);
    m_ui->eta->setText(s.cancelled ? tr("Stopped.") : tr("Done."));
    m_ui->summary->setPlainText(summaryToText(config, s));
    showSummary(true);
    Q_EMIT finished(s);
}

void LoadTestPanel::showSummary(bool show)
{
    m_ui->summary->setVisible(show);
    m_ui->mainLayout->setStretchFactor(m_ui->summary, show ? 1 : 0);
    m_ui->mainLayout->setStretch(m_ui->mainLayout->count() - 1, show ? 0 : 1);
}

bool LoadTestPanel::summaryShown() const
{
    return !m_ui->summary->isHidden();
}

QString LoadTestPanel::summaryText() const
{
    return m_ui->summary->toPlainText();
}

void LoadTestPanel::setRequests(int n)
{
    m_ui->requests->setValue(n);
    m_ui->mode->setCurrentIndex(0);
}

void LoadTestPanel::setConnections(int c)
{
    m_ui->connections->setValue(c);
}

void LoadTestPanel::setKeepAlive(bool on)
{
    m_ui->keepAlive->setChecked(on);
}

void LoadTestPanel::setRouteMix(const QString& mix)
{
    m_ui->mix->setText(mix);
    m_ui->mix->setCursorPosition(0); // a long mix shows its beginning
    m_mixEditor->setText(mix);
}

void LoadTestPanel::setDurationSeconds(double s)
{
    m_ui->duration->setValue(s);
}

void LoadTestPanel::useDuration(bool on)
{
    m_ui->mode->setCurrentIndex(on ? 1 : 0);
}

void LoadTestPanel::loadSettings()
{
    setConnections(QSettings().value(QStringLiteral("load/connections"), 8).toInt());
}

void LoadTestPanel::saveSettings() const
{
    QSettings().setValue(QStringLiteral("load/connections"), m_ui->connections->value());
}

} // namespace clusterlab
