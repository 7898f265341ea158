// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>
#include <memory>
#include <optional>

class QCommandLineParser;
class QCoreApplication;
class QString;

namespace clusterlab {

// The `clusterlab` command line, shared by the window's executable and the
// headless one (CLUSTERLAB_BUILD_GUI=OFF, or the clusterlab-cli package):
// --help, --version, `serve`, `bench`, and bad usage. Returns the exit
// code when the command line was one of those; nothing when there were no
// arguments, i.e. the caller's turn (the window opens, or the headless
// build says it has none). `program` names the executable in messages.
std::optional<int> runCommandLine(int argc, char** argv, const char* program, bool hasWindow);

// The desktop build's `experiment` makes its PDF report with Qt's GUI
// module, which needs a QGuiApplication: it sets this factory (argc must
// outlive the application). Without one, a QCoreApplication is made.
using ApplicationFactory = std::function<std::unique_ptr<QCoreApplication>(int& argc, char** argv)>;
void setExperimentApplicationFactory(ApplicationFactory factory);

// A subcommand's --help: Qt's text with its usage line naming the program
// and the subcommand ("Usage: clusterlab-cli bench [options] URL"), not the
// executable's full path alone.
QString subcommandHelp(const QCommandLineParser& parser, const QString& subcommand);

// The program as invoked (clusterlab, clusterlab-cli), for the subcommands'
// messages ("clusterlab-cli bench: cannot write ..."): the application name
// runCommandLine set, in the local encoding.
const char* programName();

} // namespace clusterlab
