# SPDX-License-Identifier: GPL-3.0-or-later
# Every source, script, build and document file of the project names its
# licence in an SPDX line within its first five lines (files that cannot,
# such as images and fuzz corpora, are covered by REUSE.toml).
# Usage: cmake -DSOURCE_DIR=... -P every-file-names-its-licence.cmake
set(patterns
    src/*.cpp src/*.h src/*.in src/*.js src/*.txt src/*.mm
    tests/*.cpp tests/*.h tests/*.sh tests/*.cmake tests/*.txt tests/*.js tests/*.dict
    tools/*.cpp tools/*.h tools/*.txt tools/*.sh tools/*.js
    scripts/*.sh scripts/*.py bench/*.sh bench/*.py bench/*.js
    packaging/*.txt packaging/*.cpp packaging/*.in cmake/*.cmake
    docs/*.md resources/*.desktop resources/*.qrc resources/*.xml ui/*.ui
    .ci/run CMakeLists.txt README.md CHANGELOG.md REUSE.toml .clang-format .gitignore .github/*.yml)
set(missing "")
set(count 0)
foreach(pattern IN LISTS patterns)
    file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/${pattern}")
    foreach(file IN LISTS files)
        if(file MATCHES "(^|/)node_modules/|^tests/fuzz/corpus/")
            continue()
        endif()
        math(EXPR count "${count} + 1")
        file(STRINGS "${SOURCE_DIR}/${file}" head LIMIT_COUNT 5)
        if(NOT head MATCHES "SPDX-License-Identifier: ")
            list(APPEND missing "${file}")
        endif()
    endforeach()
endforeach()
if(missing)
    list(JOIN missing "\n  " missing)
    message(FATAL_ERROR "No SPDX-License-Identifier line in the first five lines of:\n  ${missing}")
endif()
if(count LESS 200)
    message(FATAL_ERROR "Only ${count} files found under ${SOURCE_DIR}: the patterns no longer match the layout")
endif()
message(STATUS "${count} files name their licence")
