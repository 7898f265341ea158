// SPDX-License-Identifier: GPL-3.0-or-later
#include "startguide.h"

#include "http/httprequestparser.h"
#include "version.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPalette>
#include <QPushButton>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>

namespace clusterlab {

namespace {
const char* const kDismissedKey = "ui/guideDismissed";
} // namespace

StartGuide::StartGuide(QWidget* parent)
    : QFrame(parent)
{
    setFrameShape(QFrame::StyledPanel);
    setStyleSheet(QStringLiteral("QFrame { background: #fff8dc; }"));
    auto* layout = new QHBoxLayout(this);
    auto* text = new QLabel(
        tr("<b>Start here.</b> The <b>Send</b> tab (right) has a button per route, one request each: <b>/</b> answers at once, "
           "<b>/main</b> computes fib(N) on the worker's event loop, <b>/worker</b> on its thread pool, "
           "<b>/child</b> in a child process. Send /main with N = 35 and watch <i>Event-loop lag per worker</i> "
           "jump for that worker only; <i>Routing</i> shows which worker served what. The <b>Load test</b> tab "
           "sends many; the <b>Topology</b> tab shows them flow. The <b>Experiments</b> tab answers the seed's "
           "question — cluster, threads or child processes? — with measurements from this machine."),
        this);
    text->setWordWrap(true);
    auto* dismiss = new QPushButton(tr("Got it"), this);
    dismiss->setObjectName(QStringLiteral("dismissGuide"));
    layout->addWidget(text, 1);
    layout->addWidget(dismiss, 0, Qt::AlignTop);
    connect(dismiss, &QPushButton::clicked, this, [this]() { setShown(false); });
}

void StartGuide::setShown(bool show)
{
    setVisible(show);
    QSettings().setValue(QLatin1String(kDismissedKey), !show);
}

void StartGuide::restore()
{
    setVisible(!QSettings().value(QLatin1String(kDismissedKey), false).toBool());
}

QString aboutClusterLab()
{
    return QObject::tr("<h3>ClusterLab %1</h3>"
                       "<p>A real multi-process HTTP cluster on your machine, and where each request's time went.</p>"
                       "<p>Free software under the GNU General Public License, version 3 or (at your option) any "
                       "later version; it comes with no warranty.</p>"
                       "<p>Built with Qt %2 (running on Qt %3), under the GNU LGPL version 3; "
                       "Qt Charts under the GNU GPL version 3.<br>"
                       "HTTP parsing by llhttp %4 (the parser of Node.js), under the MIT licence.</p>")
        .arg(QStringLiteral(CLUSTERLAB_VERSION), QStringLiteral(QT_VERSION_STR), QString::fromLatin1(qVersion()),
             httpParserVersion());
}

void applyDarkPalette(bool on)
{
    if (!on) {
        qApp->setPalette(qApp->style()->standardPalette());
        return;
    }
    qApp->setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    p.setColor(QPalette::Window, QColor(45, 45, 48));
    p.setColor(QPalette::WindowText, Qt::white);
    p.setColor(QPalette::Base, QColor(30, 30, 30));
    p.setColor(QPalette::AlternateBase, QColor(55, 55, 58));
    p.setColor(QPalette::Text, Qt::white);
    p.setColor(QPalette::Button, QColor(55, 55, 58));
    p.setColor(QPalette::ButtonText, Qt::white);
    p.setColor(QPalette::Highlight, QColor(42, 130, 218));
    p.setColor(QPalette::HighlightedText, Qt::black);
    p.setColor(QPalette::ToolTipBase, QColor(30, 30, 30));
    p.setColor(QPalette::ToolTipText, Qt::white);
    qApp->setPalette(p);
}

} // namespace clusterlab
