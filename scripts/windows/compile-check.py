#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Windows compile check of every translation unit, run on Linux.

Takes the commands of a Linux build's compile_commands.json (sources,
tests, tools and moc output), and compiles each again with mingw-w64's
g++ (the -posix variant: GCC 12's -win32 one lacks std::thread) in
-fsyntax-only mode, as Windows would see it:

  * Qt's win32-g++ mkspec instead of linux-g++ (the Linux Qt headers then
    compile for Windows: Q_OS_WIN is defined and Q_OS_UNIX is not, so
    every Windows branch of ours is really compiled);
  * scripts/windows/poison.h force-included, and scripts/windows/msvc-lacks
    first on the include path: names and headers MSVC lacks but mingw has
    (clock_gettime, ssize_t, <unistd.h>, ...) stop the check;
  * no -fPIC, no dependency-file flags, no output.

Prints one line per failing unit with its first errors; exit status 1 when
any unit fails, 0 when all pass, 2 on bad usage.

    scripts/windows/compile-check.py build/dev/compile_commands.json [-j N] [FILTER...]
"""
import concurrent.futures
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CXX = "x86_64-w64-mingw32-g++-posix"
CC = "x86_64-w64-mingw32-gcc-posix"
DROP_EXACT = {"-fPIC", "-fpic", "-MD", "-MMD", "-c", "-Werror"}
DROP_WITH_VALUE = {"-o", "-MF", "-MT", "-MQ"}
# Library headers that are the same on every platform but that mingw-w64 has
# no package for here (Debian ships SQLite for Linux only): a folder holding
# copies of just those, searched last. zlib comes from libz-mingw-w64-dev.
PORTABLE_HEADERS = ["/usr/include/sqlite3.h", "/usr/include/sqlite3ext.h"]
PORTABLE_DIR = None


def portable_dir():
    global PORTABLE_DIR
    if PORTABLE_DIR is None:
        import atexit
        import shutil
        import tempfile
        PORTABLE_DIR = tempfile.mkdtemp(prefix="clusterlab-portable-headers-")
        atexit.register(shutil.rmtree, PORTABLE_DIR, True)
        for h in PORTABLE_HEADERS:
            if os.path.exists(h):
                shutil.copy(h, PORTABLE_DIR)
    return PORTABLE_DIR


def windows_command(entry):
    args = shlex.split(entry["command"]) if "command" in entry else list(entry["arguments"])
    source = entry["file"]
    is_c = source.endswith(".c")
    out = [CC if is_c else CXX, "-fsyntax-only", "-I" + os.path.join(HERE, "msvc-lacks"),
           "-include", os.path.join(HERE, "poison.h"), "-D_WIN32_WINNT=0x0A00", "-DUNICODE", "-D_UNICODE"]
    skip = False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in DROP_WITH_VALUE:
            skip = True
            continue
        if a in DROP_EXACT or a.startswith("-fsanitize") or a == source:
            continue
        if a.endswith("/mkspecs/linux-g++"):
            a = a[: -len("linux-g++")] + "win32-g++"
        out.append(a)
    # Our own warnings stay errors (as on every other compiler we build
    # with), but not those mingw finds in Qt's or its own headers.
    out += ["-idirafter", portable_dir(), "-Werror", source]
    return out


def check(entry):
    # The Linux build compiles a platform file's *_unix.cpp; on Windows
    # CMake picks its *_win.cpp twin, with the same flags.
    source = entry["file"]
    suffix = next((s for s in ("_unix.cpp", "_linux.cpp") if source.endswith(s)), None)
    if suffix:
        twin = source[: -len(suffix)] + "_win.cpp"
        if os.path.exists(twin):
            entry = dict(entry)
            entry["command"] = entry["command"].replace(source, twin) if "command" in entry else None
            if entry["command"] is None:
                del entry["command"]
                entry["arguments"] = [twin if a == source else a for a in entry["arguments"]]
            entry["file"] = twin
    cmd = windows_command(entry)
    proc = subprocess.run(cmd, cwd=entry["directory"], capture_output=True, text=True)
    return entry["file"], proc.returncode, proc.stderr


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    db_path = argv[1]
    jobs = os.cpu_count() or 2
    filters = []
    rest = argv[2:]
    while rest:
        a = rest.pop(0)
        if a == "-j" and rest:
            jobs = int(rest.pop(0))
        else:
            filters.append(a)
    try:
        with open(db_path, encoding="utf-8") as f:
            entries = json.load(f)
    except (OSError, ValueError) as e:
        print(f"compile-check: cannot read {db_path}: {e}", file=sys.stderr)
        return 2
    if filters:
        entries = [e for e in entries if any(x in e["file"] for x in filters)]
    # One check per source file (a file built into two targets is one unit).
    seen = {}
    for e in entries:
        seen.setdefault(e["file"], e)
    entries = list(seen.values())
    failures = []
    portable_dir()  # made once, before the threads use it
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for source, rc, err in pool.map(check, entries):
            if rc != 0:
                first = [l for l in err.splitlines() if "error" in l][:5]
                failures.append((source, first or err.splitlines()[:5]))
    for source, lines in sorted(failures):
        print(f"FAIL {os.path.relpath(source)}")
        for l in lines:
            print(f"     {l}")
    print(f"Windows compile check: {len(entries) - len(failures)} of {len(entries)} translation units pass, "
          f"{len(failures)} fail")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
