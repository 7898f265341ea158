// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QFrame>

namespace clusterlab {

// "Start here": a few lines over the charts on first start — the route
// buttons, what to watch in the routing and lag charts, where the
// experiments are. Dismissed with "Got it" (remembered); Help → Start here
// brings it back.
class StartGuide : public QFrame
{
    Q_OBJECT
public:
    explicit StartGuide(QWidget* parent = nullptr);
    // Shows or hides it and remembers the choice.
    void setShown(bool show);
    // As the settings say: shown until dismissed once.
    void restore();
};

// Help → About: the version, Qt's version, and the licences of what ships
// inside (Qt, llhttp).
QString aboutClusterLab();

// The lab's dark palette (Fusion), or the style's own.
void applyDarkPalette(bool on);

} // namespace clusterlab
