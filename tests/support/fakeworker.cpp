// SPDX-License-Identifier: GPL-3.0-or-later
// A worker that misbehaves on its control channel, for the primary's tests.
// It says a valid hello, then (FAKE_WORKER_MODE):
//   garbage           a frame that is not CBOR, then "listening"
//   oversized         a frame header announcing 2 GiB (before "listening")
//   listen-oversized  "listening", then a frame header announcing 2 GiB
// and waits to be killed. Qt Core + Network, like the real worker.
#include "server/controlmessage.h"

#include <QCborMap>
#include <QCoreApplication>
#include <QLocalSocket>

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    const QStringList args = QCoreApplication::arguments();
    const qsizetype at = args.indexOf(QStringLiteral("--control"));
    if (at < 0 || at + 1 >= args.size())
        return 2;
    QLocalSocket control;
    control.connectToServer(args[at + 1]);
    if (!control.waitForConnected(10000))
        return 1;
    QCborMap hello;
    hello.insert(QStringLiteral("type"), QStringLiteral("hello"));
    hello.insert(QStringLiteral("pid"), QCoreApplication::applicationPid());
    control.write(clusterlab::control::encode(hello));
    const QByteArray mode = qgetenv("FAKE_WORKER_MODE");
    QCborMap listening;
    listening.insert(QStringLiteral("type"), QStringLiteral("listening"));
    if (mode == "oversized") {
        control.write(QByteArray("\x7f\xff\xff\xff", 4) + QByteArray(64, 'x'));
    } else if (mode == "listen-oversized") {
        control.write(clusterlab::control::encode(listening));
        control.write(QByteArray("\x7f\xff\xff\xff", 4) + QByteArray(64, 'x'));
    } else {
        control.write(QByteArray("\x00\x00\x00\x04", 4) + QByteArray("\xff\xfe\xfd\xfc", 4));
        control.write(clusterlab::control::encode(listening));
    }
    // A stop from the primary ends us like a real worker's graceful stop.
    clusterlab::control::FrameReader reader;
    QObject::connect(&control, &QLocalSocket::readyRead, &app, [&control, &reader]() {
        reader.append(control.readAll());
        QCborMap message;
        while (reader.next(&message)) {
            if (message.value(QStringLiteral("type")).toString() == QLatin1String("stop"))
                QCoreApplication::quit();
        }
    });
    control.flush();
    QObject::connect(&control, &QLocalSocket::disconnected, &app, &QCoreApplication::quit);
    return app.exec();
}
