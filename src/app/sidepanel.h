// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

class QStackedWidget;
class QTabBar;
class QToolButton;

namespace clusterlab {

// The window's controls as one tab set (Cluster, Send, Load test) with its
// tabs down one edge, the way editors' side bars fold: a click on the tab in
// front (or the fold button) folds the pages away and leaves the strip of
// tabs, so that the charts get the width; a click on any tab opens the panel
// again on that page. GUI thread.
class SidePanel : public QWidget
{
    Q_OBJECT
public:
    explicit SidePanel(QWidget* parent = nullptr);

    int addPage(QWidget* page, const QString& title);
    QWidget* page(int index) const;
    int count() const;
    int currentIndex() const;
    QWidget* currentPage() const;
    // Brings a page to the front, and opens the panel if it was folded.
    void setCurrentIndex(int index);
    void setCurrentPage(QWidget* page);
    // True when `page` is in front and the panel is open (a user sees it).
    bool showsPage(const QWidget* page) const;

    bool folded() const { return m_folded; }
    void setFolded(bool folded);
    // Which edge the strip stands on: the window's right edge (a panel
    // docked on the right) or its left edge.
    void setStripOnRight(bool right);
    QTabBar* tabBar() const { return m_tabs; }
    QToolButton* foldButton() const { return m_fold; }

Q_SIGNALS:
    void aboutToFold(); // still at its open width
    void foldedChanged(bool folded);
    void currentChanged(int index);

private:
    void updateFoldButton();

    QTabBar* m_tabs = nullptr;
    QStackedWidget* m_pages = nullptr;
    QToolButton* m_fold = nullptr;
    QWidget* m_strip = nullptr;
    bool m_folded = false;
    bool m_stripOnRight = true;
};

} // namespace clusterlab
