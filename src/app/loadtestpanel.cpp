#include "loadtestpanel.h"

#include "benchcommand.h"

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

LoadTestPanel::LoadTestPanel(QWidget* parent)
    : QWidget(parent)
    , m_generator(new LoadGenerator(this))
{
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_mode = new QComboBox(this);
    m_mode->addItems({ tr("Number of requests"), tr("Duration") });
    m_requests = new QSpinBox(this);
    m_requests->setRange(1, 100000000);
    m_requests->setValue(2000);
    m_duration = new QDoubleSpinBox(this);
    m_duration->setRange(0.1, 86400);
    m_duration->setValue(10);
    m_duration->setSuffix(tr(" s"));
    m_connections = new QSpinBox(this);
    m_connections->setRange(1, 10000);
    m_connections->setValue(8);
    m_keepAlive = new QCheckBox(tr("Keep-alive (off: a new connection per request)"), this);
    m_keepAlive->setChecked(false);
    m_rate = new QDoubleSpinBox(this);
    m_rate->setRange(0, 1000000);
    m_rate->setSpecialValueText(tr("as fast as possible"));
    m_rate->setSuffix(tr(" req/s"));
    m_rate->setToolTip(tr("A constant rate measures latency from each request's intended send time "
                          "(coordinated omission corrected)."));
    m_mix = new QLineEdit(QStringLiteral("/:1, /main?n=25:1, /worker?n=25:1, /child?n=25:1"), this);
    m_mix->setToolTip(tr("Routes with weights: PATH:WEIGHT, separated by commas"));
    m_target = new QComboBox(this);
    m_target->addItems({ tr("The embedded cluster"), tr("Another URL") });
    m_url = new QLineEdit(QStringLiteral("http://127.0.0.1:3000/"), this);
    m_url->setEnabled(false);
    connect(m_target, &QComboBox::currentIndexChanged, this, [this](int i) { m_url->setEnabled(i == 1); });
    auto updateMode = [this](int i) {
        m_requests->setEnabled(i == 0);
        m_duration->setEnabled(i == 1);
    };
    connect(m_mode, &QComboBox::currentIndexChanged, this, updateMode);
    updateMode(0);
    form->addRow(tr("Run for"), m_mode);
    form->addRow(tr("Requests"), m_requests);
    form->addRow(tr("Duration"), m_duration);
    form->addRow(tr("Connections"), m_connections);
    form->addRow(QString(), m_keepAlive);
    form->addRow(tr("Rate"), m_rate);
    form->addRow(tr("Route mix"), m_mix);
    form->addRow(tr("Target"), m_target);
    form->addRow(tr("URL"), m_url);
    layout->addLayout(form);
    auto* row = new QHBoxLayout;
    m_start = new QPushButton(tr("Start load test"), this);
    m_start->setShortcut(QKeySequence(QStringLiteral("Ctrl+L")));
    m_stop = new QPushButton(tr("Stop"), this);
    m_stop->setEnabled(false);
    row->addWidget(m_start);
    row->addWidget(m_stop);
    layout->addLayout(row);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_eta = new QLabel(this);
    layout->addWidget(m_progress);
    layout->addWidget(m_eta);
    m_summary = new QPlainTextEdit(this);
    m_summary->setReadOnly(true);
    m_summary->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_summary->setPlaceholderText(tr("The summary appears here when the test ends."));
    layout->addWidget(m_summary, 1);
    connect(m_start, &QPushButton::clicked, this, [this]() {
        QString error;
        if (!start(&error))
            m_eta->setText(tr("Cannot start: %1").arg(error));
    });
    connect(m_stop, &QPushButton::clicked, this, &LoadTestPanel::stop);
    connect(m_generator, &LoadGenerator::progress, this, &LoadTestPanel::onProgress);
    connect(m_generator, &LoadGenerator::finished, this, &LoadTestPanel::onFinished);
}

bool LoadTestPanel::buildConfig(LoadConfig* config, QString* error) const
{
    const QString url = m_target->currentIndex() == 0 ? m_embeddedUrl : m_url->text().trimmed();
    if (url.isEmpty()) {
        *error = tr("the embedded cluster is not running");
        return false;
    }
    if (!LoadConfig::fromUrl(url, config, error))
        return false;
    config->routes.clear();
    for (const QString& part : m_mix->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString spec = part.trimmed();
        const qsizetype colon = spec.lastIndexOf(QLatin1Char(':'));
        RouteWeight r;
        bool ok = true;
        r.path = (colon > 0 ? spec.left(colon) : spec).toLatin1();
        r.weight = colon > 0 ? spec.mid(colon + 1).toInt(&ok) : 1;
        if (!ok || r.weight < 1) {
            *error = tr("bad weight in '%1'").arg(spec);
            return false;
        }
        config->routes.append(r);
    }
    if (config->routes.isEmpty())
        config->routes.append(RouteWeight { "/", 1 });
    if (m_mode->currentIndex() == 0)
        config->requests = m_requests->value();
    else
        config->durationMs = static_cast<std::int64_t>(m_duration->value() * 1000);
    config->connections = m_connections->value();
    if (config->requests > 0 && config->connections > config->requests)
        config->connections = static_cast<int>(config->requests);
    config->keepAlive = m_keepAlive->isChecked();
    config->rate = m_rate->value();
    config->keepRecords = true;
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
    if (!m_generator->start(config, error))
        return false;
    m_running = config;
    m_start->setEnabled(false);
    m_stop->setEnabled(true);
    m_progress->setValue(0);
    m_eta->setText(tr("Starting…"));
    m_summary->clear();
    return true;
}

void LoadTestPanel::stop()
{
    m_generator->cancel();
}

void LoadTestPanel::onProgress(const LoadProgress& p)
{
    double fraction = 0;
    if (p.planned > 0)
        fraction = static_cast<double>(p.succeeded + p.failed) / static_cast<double>(p.planned);
    else if (p.plannedNs > 0)
        fraction = static_cast<double>(p.elapsedNs) / static_cast<double>(p.plannedNs);
    fraction = qBound(0.0, fraction, 1.0);
    m_progress->setValue(static_cast<int>(fraction * 1000));
    const double elapsed = static_cast<double>(p.elapsedNs) / 1e9;
    const double eta = fraction > 0.001 ? elapsed * (1 - fraction) / fraction : 0;
    m_eta->setText(tr("%1 done, %2 req/s, p99 %3 ms, %4 errors — about %5 s left")
                       .arg(p.succeeded + p.failed)
                       .arg(p.recentRps, 0, 'f', 0)
                       .arg(static_cast<double>(p.p99Ns) / 1e6, 0, 'f', 2)
                       .arg(p.failed)
                       .arg(eta, 0, 'f', 0));
}

void LoadTestPanel::onFinished(const LoadSummary& s)
{
    m_start->setEnabled(true);
    m_stop->setEnabled(false);
    m_progress->setValue(1000);
    m_eta->setText(s.cancelled ? tr("Stopped.") : tr("Done."));
    m_summary->setPlainText(summaryToText(m_running, s));
    Q_EMIT finished(s);
}

QString LoadTestPanel::summaryText() const
{
    return m_summary->toPlainText();
}

void LoadTestPanel::setRequests(int n)
{
    m_requests->setValue(n);
    m_mode->setCurrentIndex(0);
}

void LoadTestPanel::setConnections(int c)
{
    m_connections->setValue(c);
}

void LoadTestPanel::setKeepAlive(bool on)
{
    m_keepAlive->setChecked(on);
}

void LoadTestPanel::setRouteMix(const QString& mix)
{
    m_mix->setText(mix);
}

void LoadTestPanel::setDurationSeconds(double s)
{
    m_duration->setValue(s);
}

void LoadTestPanel::useDuration(bool on)
{
    m_mode->setCurrentIndex(on ? 1 : 0);
}

} // namespace clusterlab
