// SPDX-License-Identifier: GPL-3.0-or-later
#include "requestpanel.h"

#include "labcontroller.h"

#include <QSettings>

#include <QCheckBox>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QTime>
#include <QVBoxLayout>

namespace clusterlab {

RequestPanel::RequestPanel(LabController* lab, QWidget* parent)
    : QWidget(parent)
    , m_lab(lab)
{
    connect(m_lab, &LabController::requestAnswered, this, &RequestPanel::onAnswered);
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    m_n = new QSpinBox(this);
    m_n->setRange(0, 45);
    m_n->setValue(30);
    m_n->setToolTip(tr("fib(N) for /main, /worker and /child. 35+ takes a noticeable time; 45 takes seconds."));
    m_keepAlive = new QCheckBox(tr("Keep-alive"), this);
    m_keepAlive->setChecked(true);
    m_keepAlive->setToolTip(tr("Off: every request on a new connection (Connection: close), which is what lets "
                               "round-robin pick another worker."));
    form->addRow(tr("N"), m_n);
    form->addRow(QString(), m_keepAlive);
    layout->addLayout(form);
    auto* buttons = new QGridLayout;
    const QStringList routes { QStringLiteral("/"), QStringLiteral("/main"), QStringLiteral("/worker"),
                               QStringLiteral("/child"), QStringLiteral("/healthz") };
    const QStringList tips { tr("Hello: which worker answers"), tr("fib(N) on the worker's event loop (blocks it)"),
                             tr("fib(N) on the worker's thread pool"), tr("fib(N) in a child process"),
                             tr("The worker's status as JSON") };
    for (int i = 0; i < routes.size(); ++i) {
        auto* b = new QPushButton(routes[i], this);
        b->setObjectName(QStringLiteral("send") + routes[i]);
        b->setToolTip(tips[i]);
        if (i < 4)
            b->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
        connect(b, &QPushButton::clicked, this, [this, route = routes[i]]() { send(route); });
        buttons->addWidget(b, i / 3, i % 3);
    }
    layout->addLayout(buttons);
    m_status = new QLabel(tr("No request sent yet."), this);
    m_status->setWordWrap(true);
    m_timing = new QLabel(this);
    m_timing->setWordWrap(true);
    m_response = new QPlainTextEdit(this);
    m_response->setReadOnly(true);
    m_response->setMinimumHeight(120);
    m_response->setPlaceholderText(tr("The response, headers and body"));
    m_history = new QListWidget(this);
    m_history->setToolTip(tr("Double-click to send again"));
    m_history->setMinimumHeight(80);
    // Long lines end in "…" (the whole line is the tooltip): no sideways scrolling.
    m_history->setTextElideMode(Qt::ElideRight);
    m_history->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    connect(m_history, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem* item) { sendTarget(item->data(Qt::UserRole).toString()); });
    layout->addWidget(m_status);
    layout->addWidget(m_timing);
    layout->addWidget(m_response, 2);
    layout->addWidget(new QLabel(tr("History"), this));
    layout->addWidget(m_history, 1);
}

int RequestPanel::n() const
{
    return m_n->value();
}

void RequestPanel::setN(int n)
{
    m_n->setValue(n);
}

bool RequestPanel::keepAlive() const
{
    return m_keepAlive->isChecked();
}

void RequestPanel::setKeepAlive(bool on)
{
    m_keepAlive->setChecked(on);
}

QString RequestPanel::lastResponseText() const
{
    return m_response->toPlainText();
}

void RequestPanel::send(const QString& route)
{
    const bool compute = route == QLatin1String("/main") || route == QLatin1String("/worker") || route == QLatin1String("/child");
    sendTarget(compute ? QStringLiteral("%1?n=%2").arg(route).arg(m_n->value()) : route);
}

void RequestPanel::sendTarget(const QString& target)
{
    m_status->setText(tr("Sent GET %1 …").arg(target));
    m_lab->sendRequest(target, m_keepAlive->isChecked());
}

void RequestPanel::onAnswered(const RequestOutcome& o)
{
    QString text;
    if (o.status != 0) {
        text = QStringLiteral("HTTP %1 %2\n").arg(o.status).arg(o.reason);
        for (const auto& h : o.headers)
            text += QString::fromLatin1(h.first) + QStringLiteral(": ") + QString::fromLatin1(h.second) + QLatin1Char('\n');
        text += QLatin1Char('\n') + QString::fromUtf8(o.body);
        if (o.truncated)
            text += tr("\n[… cut at %1 MiB]").arg(LabController::kMaxRequestBody >> 20);
    }
    m_response->setPlainText(text);
    QString summary;
    if (o.status == 0) {
        summary = tr("GET %1 failed: %2").arg(o.target, o.error);
    } else if (o.connection != 0) {
        // A server the lab did not start: who served it, as the OS says
        // (or the server itself, when it stamps X-Worker-Pid).
        QString who;
        if (o.workerPid == 0)
            who = tr("from a process not known (%1)").arg(o.attributionNote.isEmpty() ? tr("no answer from the OS") : o.attributionNote);
        else if (!o.foundThroughOs && o.osPid == o.workerPid)
            who = tr("from pid %1 (found through the OS; its X-Worker-Pid agrees)").arg(o.workerPid);
        else if (!o.foundThroughOs)
            who = tr("from pid %1 (its X-Worker-Pid; the OS says %2)")
                      .arg(o.workerPid)
                      .arg(o.osPid != 0 ? QString::number(o.osPid) : o.attributionNote);
        else if (o.processName.isEmpty())
            who = tr("from pid %1 (found through the OS)").arg(o.workerPid);
        else
            who = tr("from pid %1, %2 (found through the OS)").arg(o.workerPid).arg(o.processName);
        summary = tr("GET %1 → %2 %3, %4 connection %5, in %6 ms")
                      .arg(o.target)
                      .arg(o.status)
                      .arg(who, o.reusedConnection ? tr("kept") : tr("new"))
                      .arg(o.connection)
                      .arg(o.ms, 0, 'f', 1);
    } else {
        summary = tr("GET %1 → %2 from worker %3 (pid %4), connection %5, in %6 ms")
                      .arg(o.target)
                      .arg(o.status)
                      .arg(QString::fromLatin1(o.header("X-Worker-Index")))
                      .arg(o.workerPid)
                      .arg(QString::fromLatin1(o.header("X-Connection-Id")))
                      .arg(o.ms, 0, 'f', 1);
    }
    m_status->setText(summary);
    // Server-Timing: queue;dur=…, compute;dur=…, spawn;dur=…
    const QString timing = QString::fromLatin1(o.header("Server-Timing"));
    static const QRegularExpression part(QStringLiteral("(\\w+);dur=([0-9.]+)"));
    QStringList parts;
    double server = 0;
    for (auto it = part.globalMatch(timing); it.hasNext();) {
        const auto m = it.next();
        parts << QStringLiteral("%1 %2 ms").arg(m.captured(1), m.captured(2));
        server += m.captured(2).toDouble();
    }
    m_timing->setText(parts.isEmpty() ? QString()
                                      : tr("Time: %1; network and HTTP %2 ms").arg(parts.join(QStringLiteral(", "))).arg(qMax(0.0, o.ms - server), 0, 'f', 2));
    auto* item = new QListWidgetItem(QStringLiteral("%1  %2").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), summary));
    item->setData(Qt::UserRole, o.target);
    item->setToolTip(item->text());
    m_history->insertItem(0, item);
    while (m_history->count() > 200)
        delete m_history->takeItem(m_history->count() - 1);
    Q_EMIT responseReceived(o.status, o.workerPid, summary);
}

void RequestPanel::loadSettings()
{
    const QSettings s;
    setN(s.value(QStringLiteral("request/n"), 30).toInt());
    setKeepAlive(s.value(QStringLiteral("request/keepAlive"), true).toBool());
}

void RequestPanel::saveSettings() const
{
    QSettings s;
    s.setValue(QStringLiteral("request/n"), n());
    s.setValue(QStringLiteral("request/keepAlive"), keepAlive());
}

} // namespace clusterlab
