// A worker that misbehaves on its control channel, for the primary's tests.
// It says a valid hello, then (FAKE_WORKER_MODE):
//   garbage    a frame that is not CBOR
//   oversized  a frame header announcing 2 GiB
// and waits to be killed. Qt Core + Network, like the real worker.
#include "cluster/controlmessage.h"

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
    if (mode == "oversized")
        control.write(QByteArray("\x7f\xff\xff\xff", 4) + QByteArray(64, 'x'));
    else
        control.write(QByteArray("\x00\x00\x00\x04", 4) + QByteArray("\xff\xfe\xfd\xfc", 4));
    control.flush();
    QObject::connect(&control, &QLocalSocket::disconnected, &app, &QCoreApplication::quit);
    return app.exec();
}
