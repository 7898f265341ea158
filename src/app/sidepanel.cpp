// SPDX-License-Identifier: GPL-3.0-or-later
#include "sidepanel.h"

#include <QBoxLayout>
#include <QStackedWidget>
#include <QTabBar>
#include <QToolButton>

namespace clusterlab {

SidePanel::SidePanel(QWidget* parent)
    : QWidget(parent)
{
    m_pages = new QStackedWidget(this);
    m_strip = new QWidget(this);
    m_tabs = new QTabBar(m_strip);
    m_tabs->setDrawBase(false);
    m_tabs->setExpanding(false);
    m_tabs->setUsesScrollButtons(false);
    m_fold = new QToolButton(m_strip);
    m_fold->setAutoRaise(true);
    m_fold->setObjectName(QStringLiteral("foldSidePanel"));
    auto* strip = new QVBoxLayout(m_strip);
    strip->setContentsMargins(0, 0, 0, 0);
    strip->setSpacing(2);
    strip->addWidget(m_fold, 0, Qt::AlignHCenter);
    strip->addWidget(m_tabs);
    strip->addStretch(1);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_pages, 1);
    layout->addWidget(m_strip);
    setStripOnRight(true);

    // A click on the tab in front folds or opens; on another tab, opens it.
    connect(m_tabs, &QTabBar::tabBarClicked, this, [this](int index) {
        if (index < 0)
            return;
        setFolded(index == m_tabs->currentIndex() ? !m_folded : false);
    });
    connect(m_tabs, &QTabBar::currentChanged, this, [this](int index) {
        m_pages->setCurrentIndex(index);
        Q_EMIT currentChanged(index);
    });
    connect(m_fold, &QToolButton::clicked, this, [this]() { setFolded(!m_folded); });
    updateFoldButton();
}

int SidePanel::addPage(QWidget* page, const QString& title)
{
    m_pages->addWidget(page);
    return m_tabs->addTab(title);
}

QWidget* SidePanel::page(int index) const
{
    return m_pages->widget(index);
}

int SidePanel::count() const
{
    return m_pages->count();
}

int SidePanel::currentIndex() const
{
    return m_tabs->currentIndex();
}

QWidget* SidePanel::currentPage() const
{
    return m_pages->currentWidget();
}

void SidePanel::setCurrentIndex(int index)
{
    if (index < 0 || index >= count())
        return;
    m_tabs->setCurrentIndex(index);
    setFolded(false);
}

void SidePanel::setCurrentPage(QWidget* page)
{
    setCurrentIndex(m_pages->indexOf(page));
}

bool SidePanel::showsPage(const QWidget* page) const
{
    return !m_folded && m_pages->currentWidget() == page && isVisible();
}

void SidePanel::setFolded(bool folded)
{
    if (folded == m_folded)
        return;
    if (folded)
        Q_EMIT aboutToFold();
    m_folded = folded;
    m_pages->setVisible(!folded);
    // Folded, the panel is as wide as its strip: the dock holding it follows
    // (a dock is never wider than its widget's maximum).
    setMaximumWidth(folded ? m_strip->sizeHint().width() : QWIDGETSIZE_MAX);
    updateFoldButton();
    Q_EMIT foldedChanged(folded);
}

void SidePanel::setStripOnRight(bool right)
{
    m_stripOnRight = right;
    m_tabs->setShape(right ? QTabBar::RoundedEast : QTabBar::RoundedWest);
    auto* layout = static_cast<QHBoxLayout*>(this->layout());
    layout->setDirection(right ? QBoxLayout::LeftToRight : QBoxLayout::RightToLeft);
    updateFoldButton();
}

void SidePanel::updateFoldButton()
{
    // The arrow points where the pages will go.
    const bool towardsEdge = !m_folded;
    const bool right = towardsEdge == m_stripOnRight;
    m_fold->setArrowType(right ? Qt::RightArrow : Qt::LeftArrow);
    m_fold->setToolTip(m_folded ? tr("Open the panel") : tr("Fold the panel to a strip (the charts get its width)"));
}

} // namespace clusterlab
