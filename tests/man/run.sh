#!/bin/sh
# The man pages (man/*.1) stay lint-clean and in sync with the programs, and make install puts
# them, the programs, the systemd units and the examples where they belong:
#   - mandoc -Tlint -W warning and groff -ww -z -mandoc print nothing for each page;
#   - every option --help prints (-x, --long ARG) heads an item of the page's OPTIONS, with the
#     same argument; every item there is an option of --help; SYNOPSIS names every option;
#   - make install DESTDIR=TMP PREFIX=/usr installs exactly the expected files with their modes,
#     @BINDIR@ replaced in the units and examples, programs that run; make uninstall removes
#     every file again.
# Ends with cmocka's summary lines; exits 1 if a check failed.
# Usage: tests/man/run.sh BUILD   (BUILD/echo-server ...; BUILD defaults to $TCPECHO_BIN)
set -u

build=${1:-${TCPECHO_BIN:-}}
if [ -z "$build" ]; then
    echo "usage: $0 BUILD" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$build" 2>/dev/null && pwd)
programs="echo-server echo-client echo-bench"
for p in $programs; do
    if [ -z "$bin" ] || [ ! -x "$bin/$p" ]; then
        echo "run.sh: no $build/$p: run make first" >&2
        exit 2
    fi
done

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

passed=0
failed=
ok() {
    echo "[       OK ] man: $1"
    passed=$((passed + 1))
}
fail() {
    echo "[  FAILED  ] man: $1"
    failed="$failed
[  FAILED  ] man: $1"
}
# check TITLE FILE: OK if FILE is empty; otherwise FAILED, with FILE shown.
check() {
    if [ -s "$2" ]; then
        sed 's/^/    /' "$2"
        fail "$1"
    else
        ok "$1"
    fi
}

# --- lint --------------------------------------------------------------------------------------

if ! command -v mandoc >/dev/null 2>&1; then
    # make test installs it (TEST_DEPS); alone, try as make deps would.
    sh "$root/scripts/deps.sh" mandoc >"$tmp/deps.log" 2>&1
fi
for p in $programs; do
    page=$root/man/$p.1
    if [ ! -f "$page" ]; then
        fail "$p.1 exists"
        continue
    fi
    if command -v mandoc >/dev/null 2>&1; then
        mandoc -Tlint -W warning "$page" >"$tmp/lint" 2>&1 ||
            echo "(mandoc exit status $?)" >>"$tmp/lint"
        check "$p.1 is clean under mandoc -Tlint -W warning" "$tmp/lint"
    else
        echo "[  SKIPPED ] man: $p.1 under mandoc -Tlint (no mandoc, and it could not be installed)"
    fi
    groff -ww -z -mandoc "$page" >"$tmp/lint" 2>&1 ||
        echo "(groff exit status $?)" >>"$tmp/lint"
    check "$p.1 is clean under groff -ww -z -mandoc" "$tmp/lint"
done

# --- the options of --help -----------------------------------------------------------------------

# help_options PROGRAM: the option lines of PROGRAM --help, each as "-x, --long ARG", "--long ARG",
# "-x, --long" or "--long": those indented 2 to 6 spaces, the argument upper case there and turned
# to lower case, as a page writes it.
help_options() {
    opt='(-[[:alnum:]], )?--[[:alnum:]][[:alnum:]-]*( [A-Z][A-Z0-9_]*)?'
    "$bin/$1" --help | sed -n -E "s/^ {2,6}($opt)( .*)?\$/\\1/p" |
        awk '$NF ~ /^[A-Z][A-Z0-9_]*$/ { $NF = tolower($NF) } { print }' | LC_ALL=C sort -u
}

# render PAGE: the page as plain text, one output line per input paragraph (no filling into
# the next line, no hyphenation), so that an item's head stays whole.
render() {
    groff -mandoc -Tascii -P-c -P-b -P-u -rLL=1000n -rHY=0 "$1" 2>/dev/null | col -bx
}

# section NAME: the lines of the rendered page ($tmp/page) in section NAME.
section() {
    awk -v s="$1" '/^[A-Z]/ { on = ($0 == s); next } on' "$tmp/page"
}

for p in $programs; do
    page=$root/man/$p.1
    [ -f "$page" ] || continue
    help_options "$p" >"$tmp/help"
    if [ ! -s "$tmp/help" ]; then
        echo "    no option found in $p --help" >"$tmp/diff"
        check "$p --help lists its options" "$tmp/diff"
        continue
    fi
    render "$page" >"$tmp/page"
    # The heads of the OPTIONS list: its lines that start with "-" at the list's indentation,
    # up to the two spaces before a body on the same line.
    section OPTIONS >"$tmp/options"
    indent=$(sed -n 's/^\( *\)-.*/\1/p' "$tmp/options" | awk '{ print length }' | sort -n |
        head -n 1)
    sed -n "s/^ \{${indent:-5}\}\(-[^ ].*\)/\1/p" "$tmp/options" | sed 's/  .*//; s/ *$//' |
        LC_ALL=C sort -u >"$tmp/heads"

    LC_ALL=C comm -23 "$tmp/help" "$tmp/heads" |
        sed 's/^/    in --help, not in OPTIONS: /' >"$tmp/diff"
    check "$p.1 documents every option of $p --help, with its argument" "$tmp/diff"
    LC_ALL=C comm -13 "$tmp/help" "$tmp/heads" |
        sed 's/^/    in OPTIONS, not in --help: /' >"$tmp/diff"
    check "$p.1 documents no option that $p --help lacks" "$tmp/diff"

    # SYNOPSIS: each short option, alone or in a cluster such as [-qv]; each long-only one.
    section SYNOPSIS | tr '\n' ' ' >"$tmp/synopsis"
    : >"$tmp/diff"
    while read -r first rest; do
        case $first in
        --*) word=${first%% *} pattern="(^|[[ |])$word([] |]|$)" ;;
        *) c=${first#-} c=${c%,} pattern="(^|[[ |])-[[:alnum:]]*${c}[[:alnum:]]*([] |]|$)" ;;
        esac
        grep -Eq -- "$pattern" "$tmp/synopsis" ||
            echo "    not in SYNOPSIS: ${first%,}" >>"$tmp/diff"
    done <"$tmp/help"
    check "$p.1 SYNOPSIS names every option of $p --help" "$tmp/diff"
done

# --- the README names only options that exist ---------------------------------------------------

# The README shows a handful of options per program and sends the reader to the man page for the
# rest; each one it names must be an option of that program's --help. readme_part FROM TO: the
# README's lines after the heading FROM, up to the heading TO.
readme_part() {
    awk -v a="$1" -v b="$2" '$0 == b { on = 0 } on; $0 == a { on = 1 }' "$root/README.md"
}

# readme_options PROGRAM: the options a README part (stdin) names for PROGRAM: code spans that
# start with an option ("-p, --port PORT", "--bulk"), and the words after PROGRAM in commands.
readme_options() {
    # shellcheck disable=SC2016 # the backquotes are Markdown's code spans, not a command
    tee "$tmp/part" | grep -o '`-[^`]*`' | grep -oE -- '(^`|, )--?[[:alnum:]][[:alnum:]-]*' |
        sed 's/^`//; s/^, //'
    grep -E "^\\$ .*$1( |\$)" "$tmp/part" | sed "s/.*$1//" | tr ' ' '\n' |
        grep -E -- '^--?[[:alpha:]][[:alnum:]-]*$'
}

for part in "echo-server|### The server|### The client" "echo-client|### The client|### The load generator" \
    "echo-bench|### The load generator|## More"; do
    p=${part%%|*} rest=${part#*|}
    help_options "$p" | tr -s ' ,' '\n' | grep -E -- '^--?[[:alnum:]]' | LC_ALL=C sort -u >"$tmp/known"
    readme_part "${rest%%|*}" "${rest#*|}" | readme_options "$p" | LC_ALL=C sort -u >"$tmp/named"
    if [ ! -s "$tmp/named" ]; then
        echo "    the README's part on $p (${rest%%|*}) names no option: its headings changed?" >"$tmp/diff"
    else
        LC_ALL=C comm -23 "$tmp/named" "$tmp/known" |
            sed "s/^/    in README.md, not in $p --help: /" >"$tmp/diff"
    fi
    check "README.md names only options of $p --help ($(wc -l <"$tmp/named") named)" "$tmp/diff"
done

# --- make install / make uninstall -------------------------------------------------------------

# BUILD for make, relative to the top directory when it is under it (as make names it).
case $bin in
"$root"/*) mbuild=${bin#"$root"/} ;;
*) mbuild=$bin ;;
esac
dest=$tmp/dest
# make TARGET: runs make in the top directory, PREFIX=/usr, DESTDIR $dest, nothing inherited
# from a calling make or the environment that could move the files elsewhere.
run_make() {
    (
        unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES DESTDIR PREFIX BINDIR MANDIR DOCDIR UNITDIR
        make -C "$root" --no-print-directory BUILD="$mbuild" DESTDIR="$dest" PREFIX=/usr "$1"
    ) >"$tmp/make.log" 2>&1
}
# listing: every file and link under $dest, "MODE /PATH", sorted.
listing() {
    (cd "$dest" && find . ! -type d -exec stat -c '%a %n' {} +) | sed 's| \./| /|' | LC_ALL=C sort
}

cat >"$tmp/expected" <<'END'
644 /usr/lib/systemd/system/tcpecho.service
644 /usr/lib/systemd/system/tcpecho.socket
644 /usr/share/doc/tcpecho/examples/haproxy.cfg
644 /usr/share/doc/tcpecho/examples/tcpecho.xinetd
644 /usr/share/man/man1/echo-bench.1
644 /usr/share/man/man1/echo-client.1
644 /usr/share/man/man1/echo-server.1
755 /usr/bin/echo-bench
755 /usr/bin/echo-client
755 /usr/bin/echo-server
END
LC_ALL=C sort -o "$tmp/expected" "$tmp/expected"

mkdir "$dest"
if run_make install; then
    listing >"$tmp/installed"
    diff -u "$tmp/expected" "$tmp/installed" >"$tmp/diff"
    check "make install DESTDIR=... PREFIX=/usr installs the programs, pages, units, examples" \
        "$tmp/diff"

    : >"$tmp/diff"
    for p in $programs; do
        v=$("$dest/usr/bin/$p" --version 2>&1)
        case $v in
        "$p (tcpecho) "*) ;;
        *) echo "    $dest/usr/bin/$p --version: $v" >>"$tmp/diff" ;;
        esac
        cmp -s "$root/man/$p.1" "$dest/usr/share/man/man1/$p.1" ||
            echo "    the installed $p.1 differs from man/$p.1" >>"$tmp/diff"
    done
    check "the installed programs run, the installed pages are man/*.1" "$tmp/diff"

    : >"$tmp/diff"
    unit=$dest/usr/lib/systemd/system/tcpecho.service
    xinetd=$dest/usr/share/doc/tcpecho/examples/tcpecho.xinetd
    grep -Eq '^ExecStart=/usr/bin/echo-server( |$)' "$unit" 2>/dev/null ||
        echo "    tcpecho.service: no ExecStart=/usr/bin/echo-server" >>"$tmp/diff"
    grep -Eq '^[[:space:]]*server[[:space:]]*=[[:space:]]*/usr/bin/echo-server[[:space:]]*$' \
        "$xinetd" 2>/dev/null ||
        echo "    tcpecho.xinetd: no server = /usr/bin/echo-server" >>"$tmp/diff"
    grep -rl '@BINDIR@' "$dest" | sed "s|^$dest|    @BINDIR@ left in |" >>"$tmp/diff"
    check "the installed units and examples name /usr/bin/echo-server" "$tmp/diff"
else
    sed 's/^/    /' "$tmp/make.log"
    fail "make install DESTDIR=... PREFIX=/usr succeeds"
fi

if run_make uninstall; then
    listing | sed 's/^/    left behind: /' >"$tmp/diff"
    for d in /usr/share/doc/tcpecho/examples /usr/share/doc/tcpecho; do
        if [ -d "$dest$d" ]; then
            echo "    left behind: directory $d" >>"$tmp/diff"
        fi
    done
    check "make uninstall with the same DESTDIR and PREFIX removes every file" "$tmp/diff"
else
    sed 's/^/    /' "$tmp/make.log"
    fail "make uninstall DESTDIR=... PREFIX=/usr succeeds"
fi

echo "[  PASSED  ] $passed test(s)."
if [ -n "$failed" ]; then
    nfailed=$(printf '%s\n' "$failed" | grep -c FAILED)
    echo "[  FAILED  ] $nfailed test(s), listed below:$failed"
    exit 1
fi
