#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The man pages and completions clusterlab-docgen made in a build folder
# (share/docgen/NAME/), checked as a user meets them:
#   man       renders with groff's warnings on and none printed; names every
#             option its command's --help lists (one source)
#   bash      `NAME bench --fa<TAB>` offers --fail-on; `NAME <TAB>` the commands;
#             after --json, file names
#   zsh/fish  parse (zsh -n, fish -n), and fish completes `NAME bench --fa`;
#             each skipped with a note when the shell is not installed
# Usage: check-docs.sh BUILD_DIR NAME...
set -euo pipefail
build=$1
shift
fail() { echo "check-docs: $*" >&2; exit 1; }
for name in "$@"; do
  dir="$build/share/docgen/$name"
  exe="$build/bin/$name"
  [ -x "$exe" ] || exe="$build/bin/clusterlab" # the headless build's command is clusterlab
  for f in "$name.1" "$name.1.gz" "$name.bash" "_$name" "$name.fish"; do
    [ -s "$dir/$f" ] || fail "$dir/$f is missing or empty"
  done
  # ---- man ----
  warnings=$(groff -man -ww -z "$dir/$name.1" 2>&1 || true)
  [ -z "$warnings" ] || fail "groff warns about $name.1: $warnings"
  rendered=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$dir/$name.1.gz" 2>/dev/null | sed -e "s/.\x08//g")
  grep -q "^NAME" <<<"$rendered" || fail "$name.1.gz renders no NAME section"
  grep -q "EXIT STATUS" <<<"$rendered" || fail "$name.1.gz has no EXIT STATUS"
  for command in serve bench experiment observe compare; do
    help=$(QT_QPA_PLATFORM=offscreen "$exe" "$command" --help)
    options=$(sed -n 's/^  \(-[^ ].*\)/\1/p' <<<"$help" | sed 's/  .*//; s/ <.*//' | tr ',' '\n' | sed 's/^ *//' | grep '^--')
    for option in $options; do
      grep -qF -- "$option" <<<"$rendered" || fail "$name.1 does not document $command $option, which --help lists"
    done
  done
  # ---- bash ----
  offered=$(bash -c "source '$dir/$name.bash'; f=\$(complete -p '$name' | sed 's/.*-F \([^ ]*\).*/\1/');
    COMP_WORDS=('$name' bench --fa); COMP_CWORD=2; \$f; echo \"\${COMPREPLY[*]}\";
    COMP_WORDS=('$name' ''); COMP_CWORD=1; \$f; echo \"\${COMPREPLY[*]}\";
    cd '$dir'; COMP_WORDS=('$name' bench --json '$name.b'); COMP_CWORD=3; \$f; echo \"\${COMPREPLY[*]}\"")
  [ "$(sed -n 1p <<<"$offered")" = "--fail-on" ] || fail "bash: '$name bench --fa<TAB>' offered '$(sed -n 1p <<<"$offered")'"
  [ "$(sed -n 2p <<<"$offered")" = "serve bench experiment observe compare --help --version" ] \
    || fail "bash: '$name <TAB>' offered '$(sed -n 2p <<<"$offered")'"
  [ "$(sed -n 3p <<<"$offered")" = "$name.bash" ] || fail "bash: '$name bench --json $name.b<TAB>' offered '$(sed -n 3p <<<"$offered")'"
  # ---- zsh, fish ----
  if command -v zsh >/dev/null 2>&1; then
    zsh -n "$dir/_$name" || fail "zsh cannot parse _$name"
  else
    echo "check-docs: zsh is not installed: _$name not parsed"
  fi
  if command -v fish >/dev/null 2>&1; then
    fish -n "$dir/$name.fish" || fail "fish cannot parse $name.fish"
    got=$(fish -c "source '$dir/$name.fish'; complete -C '$name bench --fa'" | cut -f1)
    [ "$got" = "--fail-on" ] || fail "fish: '$name bench --fa' completes to '$got'"
  else
    echo "check-docs: fish is not installed: $name.fish not checked"
  fi
  echo "check-docs: $name: man page, bash, zsh and fish completions ok"
done
