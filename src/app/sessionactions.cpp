// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessionactions.h"

#include "comparisonview.h"
#include "sessioncontroller.h"

#include <QAction>
#include <QEventLoop>
#include <QFileDialog>
#include <QGuiApplication>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QTabWidget>

namespace clusterlab {

namespace {
const char* const kFilter = "ClusterLab sessions (*.sqlite);;All files (*)";
}

SessionActions::SessionActions(SessionController* sessions, ComparisonView* comparison, QTabWidget* tabs, QWidget* window)
    : QObject(window)
    , m_sessions(sessions)
    , m_comparison(comparison)
    , m_tabs(tabs)
    , m_window(window)
{
    m_banner = new QLabel(window);
    m_banner->setObjectName(QStringLiteral("viewBanner"));
    m_banner->setStyleSheet(QStringLiteral("QLabel { background: #dcefff; padding: 6px; }"));
    m_banner->setWordWrap(true);
    m_banner->hide();
    connect(m_banner, &QLabel::linkActivated, this, [this]() { backToLive(); });
    connect(m_sessions, &SessionController::saved, this,
            [this](const QString& path) { Q_EMIT message(tr("Session saved to %1").arg(path)); });
    connect(m_sessions, &SessionController::opened, this, &SessionActions::show);
    connect(m_sessions, &SessionController::compared, this,
            [this](std::shared_ptr<const SessionSummary> a, std::shared_ptr<const SessionSummary> b) {
                m_comparison->setSessions(std::move(a), std::move(b));
                m_tabs->setCurrentIndex(m_tabs->count() - 1); // the Compare tab
            });
}

void SessionActions::addTo(QMenu* file)
{
    const QString filter = tr(kFilter);
    QAction* save = file->addAction(tr("Save session…"));
    save->setShortcut(QKeySequence::Save);
    connect(save, &QAction::triggered, this, [this, filter]() {
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Save session"), QStringLiteral("session.sqlite"), filter);
        if (!path.isEmpty())
            m_sessions->save(path);
    });
    QAction* open = file->addAction(tr("Open session…"));
    open->setShortcut(QKeySequence::Open);
    connect(open, &QAction::triggered, this, [this, filter]() {
        const QString path = QFileDialog::getOpenFileName(m_window, tr("Open session"), QString(), filter);
        if (!path.isEmpty())
            m_sessions->open(path);
    });
    // A session from anyone may be large (or hostile): its reading can be stopped.
    QAction* stop = file->addAction(tr("Stop opening the session"));
    stop->setEnabled(m_sessions->isReading());
    connect(stop, &QAction::triggered, m_sessions, &SessionController::cancelReads);
    connect(m_sessions, &SessionController::reading, stop, [this, stop](bool underWay) {
        stop->setEnabled(underWay);
        if (underWay)
            Q_EMIT message(tr("Reading the session… (File → Stop opening the session)"));
    });
    connect(file->addAction(tr("Compare with…")), &QAction::triggered, this, [this, filter]() {
        const QString path = QFileDialog::getOpenFileName(m_window, tr("Compare this session with"), QString(), filter);
        if (!path.isEmpty())
            m_sessions->compare(m_viewing ? m_viewing->path : QString(), path);
    });
    connect(file->addAction(tr("Export comparison (PNG, SVG, PDF, CSV)…")), &QAction::triggered, this, [this]() {
        const QString folder = QFileDialog::getExistingDirectory(m_window, tr("Export the comparison to"));
        if (folder.isEmpty())
            return;
        const QString e = m_comparison->exportTo(folder);
        if (e.isEmpty())
            Q_EMIT message(tr("Comparison exported to %1").arg(folder));
        else
            Q_EMIT failed(tr("Export failed"), e);
    });
}

void SessionActions::show(std::shared_ptr<const SessionSummary> summary)
{
    m_viewing = std::move(summary);
    m_banner->setText(tr("Viewing the session <b>%1</b> (read-only): %2 requests, %3 load tests. "
                         "The lab goes on recording meanwhile. <a href=\"live\">Back to live</a>")
                          .arg(m_viewing->title().toHtmlEscaped())
                          .arg(m_viewing->requests)
                          .arg(m_viewing->loadTests.size()));
    m_banner->show();
    Q_EMIT showFeed(m_viewing->toFeed());
}

void SessionActions::backToLive()
{
    m_viewing.reset();
    m_banner->hide();
    Q_EMIT showFeed(nullptr);
}

bool SessionActions::mayClose()
{
    if (!m_sessions->hasUnsavedData() || !m_window->isVisible()
        || QGuiApplication::platformName() == QLatin1String("offscreen"))
        return true;
    const auto answer = QMessageBox::question(m_window, tr("Save this session?"),
                                              tr("This run's records are in a temporary session that goes when the "
                                                 "window closes."),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel)
        return false;
    if (answer == QMessageBox::Discard)
        return true;
    const QString path = QFileDialog::getSaveFileName(m_window, tr("Save session"), QStringLiteral("session.sqlite"), tr(kFilter));
    if (path.isEmpty())
        return false;
    // Written before the window goes: the writer's queue, then the copy.
    QEventLoop wait;
    bool ok = false;
    connect(m_sessions, &SessionController::saved, &wait, [&]() {
        ok = true;
        wait.quit();
    });
    connect(m_sessions, &SessionController::failed, &wait, &QEventLoop::quit);
    m_sessions->save(path);
    wait.exec();
    return ok;
}

} // namespace clusterlab
