// SPDX-License-Identifier: GPL-3.0-or-later
#include "sessionactions.h"

#include "comparisonview.h"
#include "sessioncontroller.h"

#include <QAction>
#include <QEventLoop>
#include <QFileDialog>
#include <QGuiApplication>
#include <QLabel>
#include <QDateTime>
#include <QPushButton>
#include <QLocale>
#include <QHBoxLayout>
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

    m_recoveryBar = new QWidget(window);
    m_recoveryBar->setObjectName(QStringLiteral("recoveryBar"));
    m_recoveryBar->setAttribute(Qt::WA_StyledBackground);
    m_recoveryBar->setStyleSheet(QStringLiteral("#recoveryBar { background: #fff4d6; }"));
    auto* row = new QHBoxLayout(m_recoveryBar);
    row->setContentsMargins(6, 4, 6, 4);
    m_recoveryText = new QLabel(m_recoveryBar);
    m_recoveryText->setWordWrap(true);
    row->addWidget(m_recoveryText, 1);
    auto addButton = [this, row](const QString& text, const char* name, auto slot) {
        auto* b = new QPushButton(text, m_recoveryBar);
        b->setObjectName(QLatin1String(name));
        connect(b, &QPushButton::clicked, this, slot);
        row->addWidget(b);
    };
    addButton(tr("Open it (read-only)"), "recoverOpen", [this]() { recoverOpen(); });
    addButton(tr("Save as…"), "recoverSave", [this]() {
        const QString path = QFileDialog::getSaveFileName(m_window, tr("Save the recovered session"),
                                                          QStringLiteral("recovered.sqlite"), tr(kFilter));
        if (!path.isEmpty())
            recoverSaveTo(path);
    });
    addButton(tr("Discard"), "recoverDiscard", [this]() { recoverDiscard(); });
    m_recoveryBar->hide();
    connect(m_sessions, &SessionController::saved, this,
            [this](const QString& path) { Q_EMIT message(tr("Session saved to %1").arg(path)); });
    connect(m_sessions, &SessionController::opened, this, &SessionActions::show);
    connect(m_sessions, &SessionController::comparedRuns, this, [this](std::shared_ptr<const ComparedRuns> runs) {
        m_comparison->setRuns(std::move(runs));
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
        // While it reads; gone when it is done (not left for its 5 s).
        Q_EMIT message(underWay ? tr("Reading the session… (File → Stop opening the session)") : QString());
    });
    connect(file->addAction(tr("Compare with…")), &QAction::triggered, this, [this, filter]() {
        const QString path = QFileDialog::getOpenFileName(m_window, tr("Compare this session with"), QString(), filter);
        if (!path.isEmpty())
            m_sessions->compare(m_viewing ? m_viewing->path : QString(), path);
    });
    connect(file->addAction(tr("Compare runs (several a side)…")), &QAction::triggered, this, [this, filter]() {
        // Runs of one configuration against runs of another: the intervals
        // then come from the variation between runs.
        const QStringList a = QFileDialog::getOpenFileNames(
            m_window, tr("Side A: one or more sessions (up to %1)").arg(SessionController::kMaxRunsPerSide), QString(), filter);
        if (a.isEmpty())
            return;
        const QStringList b = QFileDialog::getOpenFileNames(
            m_window, tr("Side B: one or more sessions (up to %1)").arg(SessionController::kMaxRunsPerSide), QString(), filter);
        if (!b.isEmpty())
            m_sessions->compareRuns(a, b);
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

void SessionActions::offerRecovery()
{
    const QString folder = SessionController::temporaryFolder();
    const int pruned = SessionController::pruneLeftovers(folder, QDateTime::currentDateTime());
    if (pruned > 0)
        Q_EMIT message(tr("Removed %n unsaved session(s) older than %1 days or beyond %2 GiB in all", nullptr, pruned)
                           .arg(SessionController::kLeftoverMaxAgeDays)
                           .arg(SessionController::kLeftoverMaxBytes >> 30));
    const QList<SessionController::Leftover> found = SessionController::leftovers(folder);
    if (found.isEmpty()) {
        m_recoveryPath.clear();
        m_recoveryBar->hide();
        return;
    }
    const SessionController::Leftover& newest = found.constFirst();
    m_recoveryPath = newest.path;
    m_recoveryText->setText(tr("<b>Recover the last unsaved session?</b> A window that did not close normally left "
                               "one from %1 (%2 MiB). Unsaved sessions are kept for %3 days.")
                                .arg(QLocale().toString(newest.modified, QLocale::ShortFormat))
                                .arg(static_cast<double>(newest.bytes) / (1 << 20), 0, 'f', 1)
                                .arg(SessionController::kLeftoverMaxAgeDays));
    m_recoveryBar->show();
}

void SessionActions::recoverOpen()
{
    if (!m_recoveryPath.isEmpty())
        m_sessions->open(m_recoveryPath); // read-only: the bar stays for Save or Discard
}

bool SessionActions::recoverSaveTo(const QString& path)
{
    QString error;
    if (m_recoveryPath.isEmpty())
        return false;
    if (!SessionController::copyLeftover(m_recoveryPath, path, &error)) {
        Q_EMIT failed(tr("Save failed"), error);
        return false;
    }
    Q_EMIT message(tr("Recovered session saved to %1").arg(path));
    SessionController::removeLeftover(m_recoveryPath);
    offerRecovery(); // the next one, if another window left one too
    return true;
}

void SessionActions::recoverDiscard()
{
    if (m_recoveryPath.isEmpty())
        return;
    SessionController::removeLeftover(m_recoveryPath);
    offerRecovery();
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
