// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "session/sessionreader.h"

#include <QObject>

#include <memory>

class QLabel;
class QMenu;
class QTabWidget;
class QWidget;

namespace clusterlab {

class ComparisonView;
class SessionController;

// The window's session commands and what they show: File → Save session,
// Open session, Compare with…, Export comparison; the banner over the
// charts while a saved session is shown (with the way back to live); the
// question before an unsaved session goes with the window. GUI thread.
class SessionActions : public QObject
{
    Q_OBJECT
public:
    SessionActions(SessionController* sessions, ComparisonView* comparison, QTabWidget* tabs, QWidget* window);

    void addTo(QMenu* file);
    QLabel* banner() const { return m_banner; }
    // The session shown instead of the live views; null while live.
    std::shared_ptr<const SessionSummary> viewing() const { return m_viewing; }
    void show(std::shared_ptr<const SessionSummary> summary);
    void backToLive();
    // Before the window closes: false when the user cancelled (a dialog
    // only on a screen; offscreen the temporary session just goes).
    bool mayClose();

    // Crash recovery, in the manner of editors': at start, leftovers past
    // their limits are removed and the newest temporary session a window
    // left behind (killed, crashed, ended by a signal) is offered in a bar
    // over the charts: open it read-only, save it, or discard it.
    QWidget* recoveryBar() const { return m_recoveryBar; }
    void offerRecovery();
    QString recoveryOffered() const { return m_recoveryPath; } // empty: none
    void recoverOpen();
    bool recoverSaveTo(const QString& path);
    void recoverDiscard();

Q_SIGNALS:
    // The views show this feed (a saved session) or, with null, live again.
    void showFeed(std::shared_ptr<const clusterlab::ChartFeed> feed);
    void message(const QString& text);
    void failed(const QString& what, const QString& reason);

private:
    SessionController* m_sessions;
    ComparisonView* m_comparison;
    QTabWidget* m_tabs;
    QWidget* m_window;
    QLabel* m_banner;
    QWidget* m_recoveryBar;
    QLabel* m_recoveryText;
    QString m_recoveryPath;
    std::shared_ptr<const SessionSummary> m_viewing;
};

} // namespace clusterlab
