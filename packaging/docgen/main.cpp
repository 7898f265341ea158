// SPDX-License-Identifier: GPL-3.0-or-later
// clusterlab-docgen: the man page and the bash, zsh and fish completions of
// a ClusterLab command, made from its own --help (one source: what --help
// says is what man and the shell say). Run at build time:
//   clusterlab-docgen --exe PATH --name NAME --version V --date YYYY-MM-DD --out DIR
// writes DIR/NAME.1, DIR/NAME.bash, DIR/_NAME (zsh) and DIR/NAME.fish.
// It reads `NAME --help` (the usage, commands and exit status) and
// `NAME COMMAND --help` for each command listed there (Qt's option table).
// Exit codes: 0 written, 1 the program failed or its help was not in the
// expected shape, 2 bad usage.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QStringList>

#include <cstdio>

namespace {

struct Option
{
    QStringList names; // "-H", "--header"
    QString value;     // "HEADER", empty for a flag
    QString text;
};

struct Command
{
    QString name;     // "bench"
    QString synopsis; // "bench URL [-n N | -z DURATION] ..."
    QString summary;  // "load-test any http:// server"
    QString usage;    // Qt's usage line after the program: "bench [options] URL"
    QString description;
    QList<Option> options;
    QList<Option> arguments;
};

struct Help
{
    QString windowSynopsis; // the program alone (the window), when it has one
    QString windowSummary;
    QList<Command> commands;
    QList<QPair<QString, QString>> general; // "--help": "this text"
    QString exitStatus;
    QString notes; // the paragraphs after the table ("Routes of every worker: ...")
};

QString g_error;

bool runHelp(const QString& exe, const QStringList& args, QString* out)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    p.setProcessEnvironment(env);
    p.start(exe, args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        g_error = QStringLiteral("%1 %2 failed: %3").arg(exe, args.join(QLatin1Char(' ')), QString::fromLocal8Bit(p.readAllStandardError()));
        return false;
    }
    *out = QString::fromUtf8(p.readAllStandardOutput());
    return true;
}

int indentOf(const QString& line)
{
    int i = 0;
    while (i < line.size() && line.at(i) == QLatin1Char(' '))
        ++i;
    return i;
}

// "  -H, --header <HEADER>   Add a ..." -> an option, or the text's
// continuation lines joined to the previous one.
QList<Option> parseTable(const QStringList& lines, qsizetype from, qsizetype* end)
{
    static const QRegularExpression gap(QStringLiteral("\\S(\\s{2,})\\S"));
    QList<Option> table;
    int column = -1;
    qsizetype i = from;
    for (; i < lines.size(); ++i) {
        const QString& line = lines.at(i);
        if (line.trimmed().isEmpty())
            break;
        const int indent = indentOf(line);
        if (indent == 2 && column < 0) {
            const QRegularExpressionMatch m = gap.match(line, 2);
            column = m.hasMatch() ? static_cast<int>(m.capturedEnd(1)) : -1;
        }
        if (indent == 2) {
            Option o;
            const QRegularExpressionMatch m = gap.match(line, 2);
            const QString spec = m.hasMatch() ? line.mid(2, m.capturedStart(1) - 2) : line.mid(2).trimmed();
            o.text = m.hasMatch() ? line.mid(m.capturedEnd(1)).trimmed() : QString();
            const qsizetype angle = spec.indexOf(QLatin1Char('<'));
            if (angle >= 0)
                o.value = spec.mid(angle + 1).remove(QLatin1Char('>')).trimmed();
            for (const QString& n : spec.left(angle >= 0 ? angle : spec.size()).split(QLatin1Char(','), Qt::SkipEmptyParts))
                o.names << n.trimmed();
            table << o;
        } else if (!table.isEmpty()) {
            table.last().text += QLatin1Char(' ') + line.trimmed();
        }
    }
    *end = i;
    return table;
}

bool parseCommandHelp(const QString& text, const QString& program, Command* c)
{
    const QStringList lines = text.split(QLatin1Char('\n'));
    const QString usagePrefix = QStringLiteral("Usage: %1 ").arg(program);
    if (lines.isEmpty() || !lines.first().startsWith(usagePrefix)) {
        g_error = QStringLiteral("%1 %2 --help does not begin with '%3'").arg(program, c->name, usagePrefix);
        return false;
    }
    c->usage = lines.first().mid(usagePrefix.size()).trimmed();
    qsizetype i = 1;
    QStringList description;
    for (; i < lines.size() && !lines.at(i).trimmed().isEmpty(); ++i)
        description << lines.at(i).trimmed();
    c->description = description.join(QLatin1Char('\n'));
    for (; i < lines.size(); ++i) {
        if (lines.at(i) == QLatin1String("Options:"))
            c->options = parseTable(lines, i + 1, &i);
        else if (lines.at(i) == QLatin1String("Arguments:"))
            c->arguments = parseTable(lines, i + 1, &i);
    }
    if (c->options.isEmpty()) {
        g_error = QStringLiteral("%1 %2 --help lists no options").arg(program, c->name);
        return false;
    }
    return true;
}

// The top-level help's shape: see printUsage in src/cli/commandline.cpp.
bool parseTopHelp(const QString& text, const QString& program, Help* h)
{
    const QStringList lines = text.split(QLatin1Char('\n'));
    static const QRegularExpression gap(QStringLiteral("\\S(\\s{2,})\\S"));
    const QString lead = QStringLiteral("  ") + program;
    qsizetype i = 0;
    while (i < lines.size() && !lines.at(i).startsWith(QLatin1String("Usage")))
        ++i;
    for (++i; i < lines.size() && !lines.at(i).trimmed().isEmpty(); ++i) {
        const QString& line = lines.at(i);
        if (line.startsWith(lead + QLatin1Char(' ')) || line == lead) {
            const QString rest = line.mid(2);
            const QRegularExpressionMatch m = gap.match(rest);
            const QString synopsis = (m.hasMatch() ? rest.left(m.capturedStart(1) + 0) : rest).trimmed();
            const QString summary = m.hasMatch() ? rest.mid(m.capturedEnd(1)).trimmed() : QString();
            const QString after = synopsis.mid(program.size()).trimmed();
            if (after.isEmpty()) {
                h->windowSynopsis = program;
                h->windowSummary = summary;
            } else if (after.startsWith(QLatin1Char('-'))) {
                h->general.append({ after, summary });
            } else {
                Command c;
                c.name = after.section(QLatin1Char(' '), 0, 0);
                c.synopsis = after;
                c.summary = summary;
                h->commands << c;
            }
        } else if (indentOf(line) > 2 && line.trimmed().startsWith(QLatin1Char('[')) && !h->commands.isEmpty()) {
            h->commands.last().synopsis += QLatin1Char(' ') + line.trimmed();
        } else if (indentOf(line) > 2) {
            QString& summary = h->commands.isEmpty() ? h->windowSummary : h->commands.last().summary;
            summary += (summary.isEmpty() ? QString() : QStringLiteral(" ")) + line.trimmed();
        }
    }
    QStringList notes;
    for (; i < lines.size(); ++i) {
        const QString line = lines.at(i).trimmed();
        if (line.startsWith(QLatin1String("Exit status:"))) {
            h->exitStatus = line.mid(12).trimmed();
            while (i + 1 < lines.size() && !lines.at(i + 1).trimmed().isEmpty())
                h->exitStatus += QLatin1Char(' ') + lines.at(++i).trimmed();
        } else if (!line.isEmpty()) {
            notes << line;
        }
    }
    h->notes = notes.join(QLatin1Char('\n'));
    if (h->commands.isEmpty() || h->exitStatus.isEmpty()) {
        g_error = QStringLiteral("%1 --help lists no commands or no exit status").arg(program);
        return false;
    }
    return true;
}

// ---- man page --------------------------------------------------------------

QString roff(QString text)
{
    text.replace(QLatin1Char('\\'), QStringLiteral("\\e"));
    text.replace(QLatin1Char('-'), QStringLiteral("\\-"));
    text.replace(QStringLiteral("…"), QStringLiteral("..."));
    // Anything beyond ASCII by its code point, which groff knows (µ, —, ×).
    QString ascii;
    for (const QChar c : std::as_const(text)) {
        if (c.unicode() < 0x80)
            ascii += c;
        else
            ascii += QStringLiteral("\\[u%1]").arg(QString::number(c.unicode(), 16).toUpper().rightJustified(4, QLatin1Char('0')));
    }
    text = ascii;
    QStringList lines = text.split(QLatin1Char('\n'));
    for (QString& l : lines) {
        if (l.startsWith(QLatin1Char('.')) || l.startsWith(QLatin1Char('\'')))
            l.prepend(QStringLiteral("\\&"));
    }
    return lines.join(QLatin1Char('\n'));
}

QString optionHead(const Option& o)
{
    QStringList names;
    for (const QString& n : o.names)
        names << QStringLiteral("\\fB%1\\fR").arg(roff(n));
    QString head = names.join(QStringLiteral(", "));
    if (!o.value.isEmpty())
        head += QStringLiteral(" \\fI%1\\fR").arg(roff(o.value));
    return head;
}

QString manPage(const Help& h, const QString& name, const QString& version, const QString& date)
{
    QString m;
    m += QStringLiteral(".\\\" SPDX-License-Identifier: GPL-3.0-or-later\n");
    m += QStringLiteral(".\\\" Made by clusterlab-docgen from `%1 --help` and each command's --help.\n").arg(name);
    m += QStringLiteral(".TH %1 1 \"%2\" \"%3 %4\" \"User Commands\"\n").arg(name.toUpper(), date, name, version);
    m += QStringLiteral(".SH NAME\n%1 \\- %2\n").arg(roff(name),
        h.windowSynopsis.isEmpty() ? QStringLiteral("multi\\-process HTTP cluster lab: serve, bench, experiment, observe, compare")
                                   : QStringLiteral("multi\\-process HTTP cluster lab, with a desktop window"));
    m += QStringLiteral(".SH SYNOPSIS\n");
    QStringList synopses;
    if (!h.windowSynopsis.isEmpty())
        synopses << QStringLiteral(".B %1").arg(roff(name));
    for (const Command& c : h.commands)
        synopses << QStringLiteral(".B %1 %2\n%3").arg(roff(name), roff(c.name), roff(c.synopsis.mid(c.name.size()).trimmed()));
    for (const auto& g : h.general)
        synopses << QStringLiteral(".B %1 %2").arg(roff(name), roff(g.first));
    m += synopses.join(QStringLiteral("\n.br\n")) + QLatin1Char('\n');
    m += QStringLiteral(".SH DESCRIPTION\n");
    if (!h.windowSynopsis.isEmpty())
        m += QStringLiteral(".TP\n.B %1\n%2\n").arg(roff(name), roff(h.windowSummary));
    for (const Command& c : h.commands)
        m += QStringLiteral(".TP\n.B %1 %2\n%3\n").arg(roff(name), roff(c.name), roff(c.summary));
    for (const auto& g : h.general)
        m += QStringLiteral(".TP\n.B %1 %2\n%3\n").arg(roff(name), roff(g.first), roff(g.second));
    for (const Command& c : h.commands) {
        m += QStringLiteral(".SH \"%1 %2\"\n").arg(roff(name.toUpper()), roff(c.name.toUpper()));
        m += QStringLiteral(".B %1 %2\n%3\n.PP\n").arg(roff(name), roff(c.name), roff(c.usage.mid(c.name.size()).trimmed()));
        m += roff(c.description).replace(QLatin1Char('\n'), QStringLiteral("\n.br\n")) + QLatin1Char('\n');
        for (const Option& a : c.arguments)
            m += QStringLiteral(".TP\n\\fI%1\\fR\n%2\n").arg(roff(a.names.join(QStringLiteral(", "))), roff(a.text));
        for (const Option& o : c.options)
            m += QStringLiteral(".TP\n%1\n%2\n").arg(optionHead(o), roff(o.text));
    }
    m += QStringLiteral(".SH \"EXIT STATUS\"\n%1\n").arg(roff(h.exitStatus));
    if (!h.notes.isEmpty())
        m += QStringLiteral(".SH NOTES\n%1\n").arg(roff(h.notes).replace(QLatin1Char('\n'), QStringLiteral("\n.br\n")));
    m += QStringLiteral(".SH \"SEE ALSO\"\n");
    m += name == QLatin1String("clusterlab") ? QStringLiteral(".BR clusterlab\\-cli (1),\n") : QStringLiteral(".BR clusterlab (1),\n");
    m += QStringLiteral(".BR curl (1).\nThe documents in\n.IR /usr/share/doc/%1/ .\n").arg(roff(name));
    return m;
}

// ---- completions -------------------------------------------------------------

bool takesFile(const Option& o)
{
    return o.value.contains(QLatin1String("FILE")) || o.value.contains(QLatin1String(".sqlite"))
        || o.value.contains(QLatin1String(".json"));
}

QString shellWord(QString s)
{
    s.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return QLatin1Char('\'') + s + QLatin1Char('\'');
}

QString firstSentence(QString text)
{
    const qsizetype stop = text.indexOf(QStringLiteral(". "));
    if (stop > 0)
        text = text.left(stop);
    if (text.endsWith(QLatin1Char('.')))
        text.chop(1);
    return text.size() > 70 ? text.left(67) + QStringLiteral("...") : text;
}

QString bashCompletion(const Help& h, const QString& name)
{
    QString function = QStringLiteral("_") + name;
    function.replace(QLatin1Char('-'), QLatin1Char('_'));
    QStringList commandNames;
    for (const Command& c : h.commands)
        commandNames << c.name;
    for (const auto& g : h.general)
        commandNames << g.first.section(QLatin1Char(' '), 0, 0);
    QString b;
    b += QStringLiteral("# SPDX-License-Identifier: GPL-3.0-or-later\n");
    b += QStringLiteral("# bash completion for %1, made by clusterlab-docgen from its --help.\n").arg(name);
    b += QStringLiteral("%1()\n{\n").arg(function);
    b += QStringLiteral("    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n");
    b += QStringLiteral("    if [ \"$COMP_CWORD\" -eq 1 ]; then\n");
    b += QStringLiteral("        COMPREPLY=($(compgen -W %1 -- \"$cur\"))\n        return\n    fi\n").arg(shellWord(commandNames.join(QLatin1Char(' '))));
    b += QStringLiteral("    local options='' values='' files=''\n    case ${COMP_WORDS[1]} in\n");
    for (const Command& c : h.commands) {
        QStringList options, values, files;
        for (const Option& o : c.options) {
            options << o.names;
            if (!o.value.isEmpty())
                values << o.names;
            if (takesFile(o))
                files << o.names;
        }
        b += QStringLiteral("    %1)\n        options=%2\n        values=%3\n        files=%4\n        ;;\n")
                 .arg(c.name, shellWord(options.join(QLatin1Char(' '))), shellWord(values.join(QLatin1Char(' '))),
                      shellWord(files.join(QLatin1Char(' '))));
    }
    b += QStringLiteral("    *) return ;;\n    esac\n");
    b += QStringLiteral("    case \" $files \" in *\" $prev \"*) COMPREPLY=($(compgen -f -- \"$cur\")); return ;; esac\n");
    b += QStringLiteral("    case \" $values \" in *\" $prev \"*) COMPREPLY=(); return ;; esac\n");
    b += QStringLiteral("    if [[ $cur == -* ]]; then\n        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n    else\n"
                        "        COMPREPLY=($(compgen -f -- \"$cur\"))\n    fi\n}\n");
    b += QStringLiteral("complete -F %1 %2\n").arg(function, name);
    return b;
}

QString zshEscape(QString s)
{
    s.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
    s.replace(QLatin1Char('['), QStringLiteral("\\["));
    s.replace(QLatin1Char(']'), QStringLiteral("\\]"));
    s.replace(QLatin1Char(':'), QStringLiteral("\\:"));
    s.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
    return s;
}

QString zshCompletion(const Help& h, const QString& name)
{
    QString z;
    z += QStringLiteral("#compdef %1\n").arg(name);
    z += QStringLiteral("# SPDX-License-Identifier: GPL-3.0-or-later\n");
    z += QStringLiteral("# zsh completion for %1, made by clusterlab-docgen from its --help.\n").arg(name);
    z += QStringLiteral("local -a commands\ncommands=(\n");
    for (const Command& c : h.commands)
        z += QStringLiteral("  '%1:%2'\n").arg(c.name, zshEscape(c.summary));
    z += QStringLiteral(")\nif (( CURRENT == 2 )); then\n  _describe -t commands command commands\n  return\nfi\n");
    z += QStringLiteral("local command=$words[2]\nwords=(\"$words[1]\" \"${(@)words[3,-1]}\")\n(( CURRENT-- ))\ncase $command in\n");
    for (const Command& c : h.commands) {
        z += QStringLiteral("  %1)\n    _arguments -s \\\n").arg(c.name);
        for (const Option& o : c.options) {
            const QString text = zshEscape(firstSentence(o.text));
            const QString action = o.value.isEmpty() ? QString()
                : takesFile(o)                       ? QStringLiteral(":%1:_files").arg(zshEscape(o.value.toLower()))
                                                     : QStringLiteral(":%1: ").arg(zshEscape(o.value.toLower()));
            const bool repeatable = o.text.contains(QLatin1String("repeatable"));
            for (const QString& n : o.names)
                z += QStringLiteral("      '%1%2[%3]%4' \\\n").arg(repeatable ? QStringLiteral("*") : QString(), n, text, action);
        }
        z += QStringLiteral("      '*:argument:_files'\n    ;;\n");
    }
    z += QStringLiteral("esac\n");
    return z;
}

QString fishCompletion(const Help& h, const QString& name)
{
    QString f;
    f += QStringLiteral("# SPDX-License-Identifier: GPL-3.0-or-later\n");
    f += QStringLiteral("# fish completion for %1, made by clusterlab-docgen from its --help.\n").arg(name);
    QStringList commandNames;
    for (const Command& c : h.commands)
        commandNames << c.name;
    f += QStringLiteral("complete -c %1 -f\n").arg(name);
    for (const Command& c : h.commands)
        f += QStringLiteral("complete -c %1 -n 'not __fish_seen_subcommand_from %2' -a %3 -d %4\n")
                 .arg(name, commandNames.join(QLatin1Char(' ')), c.name, shellWord(firstSentence(c.summary)));
    for (const Command& c : h.commands) {
        for (const Option& o : c.options) {
            QString line = QStringLiteral("complete -c %1 -n '__fish_seen_subcommand_from %2'").arg(name, c.name);
            for (const QString& n : o.names)
                line += n.startsWith(QLatin1String("--")) ? QStringLiteral(" -l ") + n.mid(2) : QStringLiteral(" -s ") + n.mid(1);
            if (!o.value.isEmpty())
                line += takesFile(o) ? QStringLiteral(" -r -F") : QStringLiteral(" -r");
            line += QStringLiteral(" -d ") + shellWord(firstSentence(o.text));
            f += line + QLatin1Char('\n');
        }
    }
    return f;
}

bool writeFile(const QString& path, const QString& text)
{
    QFile f(path);
    const QByteArray bytes = text.toUtf8();
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size()) {
        g_error = QStringLiteral("cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption exeOpt(QStringLiteral("exe"), QStringLiteral("The program."), QStringLiteral("PATH"));
    const QCommandLineOption nameOpt(QStringLiteral("name"), QStringLiteral("Its installed name."), QStringLiteral("NAME"));
    const QCommandLineOption versionOpt(QStringLiteral("version"), QStringLiteral("Its version."), QStringLiteral("V"));
    const QCommandLineOption dateOpt(QStringLiteral("date"), QStringLiteral("The release date."), QStringLiteral("DATE"));
    const QCommandLineOption outOpt(QStringLiteral("out"), QStringLiteral("The folder to write into."), QStringLiteral("DIR"));
    parser.addOptions({ exeOpt, nameOpt, versionOpt, dateOpt, outOpt });
    parser.process(app);
    for (const QCommandLineOption* o : { &exeOpt, &nameOpt, &versionOpt, &dateOpt, &outOpt }) {
        if (!parser.isSet(*o)) {
            std::fprintf(stderr, "clusterlab-docgen: --%s is required\n", qPrintable(o->names().constFirst()));
            return 2;
        }
    }
    const QString exe = parser.value(exeOpt);
    const QString name = parser.value(nameOpt);
    Help help;
    QString text;
    if (!runHelp(exe, { QStringLiteral("--help") }, &text) || !parseTopHelp(text, name, &help)) {
        std::fprintf(stderr, "clusterlab-docgen: %s\n", qPrintable(g_error));
        return 1;
    }
    for (Command& c : help.commands) {
        if (!runHelp(exe, { c.name, QStringLiteral("--help") }, &text) || !parseCommandHelp(text, name, &c)) {
            std::fprintf(stderr, "clusterlab-docgen: %s\n", qPrintable(g_error));
            return 1;
        }
    }
    const QDir out(parser.value(outOpt));
    if (!writeFile(out.filePath(name + QStringLiteral(".1")), manPage(help, name, parser.value(versionOpt), parser.value(dateOpt)))
        || !writeFile(out.filePath(name + QStringLiteral(".bash")), bashCompletion(help, name))
        || !writeFile(out.filePath(QStringLiteral("_") + name), zshCompletion(help, name))
        || !writeFile(out.filePath(name + QStringLiteral(".fish")), fishCompletion(help, name))) {
        std::fprintf(stderr, "clusterlab-docgen: %s\n", qPrintable(g_error));
        return 1;
    }
    return 0;
}
