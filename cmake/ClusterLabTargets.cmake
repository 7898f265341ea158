# SPDX-License-Identifier: GPL-3.0-or-later
# Per-target hygiene: warnings and Qt string discipline, applied to every
# target of ours (never globally, so third-party sources such as llhttp keep
# their own flags).
function(clusterlab_target_defaults target)
    target_compile_features(${target} PUBLIC cxx_std_17)
    if(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive-)
        if(CLUSTERLAB_WERROR)
            target_compile_options(${target} PRIVATE /WX)
        endif()
    else()
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
            -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wformat=2)
        if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
            # Qt's own logging form, qCDebug(category) << ..., leaves its
            # variadic macro's arguments empty, which -Wpedantic flags on
            # clang (and AppleClang).
            target_compile_options(${target} PRIVATE -Wno-gnu-zero-variadic-macro-arguments)
        endif()
        if(CLUSTERLAB_WERROR)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
    endif()
endfunction()

function(clusterlab_qt_hygiene target)
    target_compile_definitions(${target} PRIVATE
        QT_NO_CAST_FROM_ASCII
        QT_NO_CAST_TO_ASCII
        QT_NO_CAST_FROM_BYTEARRAY
        QT_NO_URL_CAST_FROM_STRING
        QT_USE_QSTRINGBUILDER
        QT_NO_FOREACH
        QT_NO_KEYWORDS
        QT_STRICT_ITERATORS)
endfunction()
