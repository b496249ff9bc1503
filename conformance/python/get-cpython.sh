#!/usr/bin/env bash
# Obtains CPython 3.14 and 3.15 without building anything, from Debian's
# `sid` suite on the Debian mirror this machine's apt sources already name:
#   conformance/python/get-cpython.sh [MINOR...]     (default: 3.14 3.15)
# For each version it downloads python3.X-minimal, libpython3.X-minimal,
# libpython3.X-stdlib, sid's libc6 and the libraries they link, unpacks them
# into target/cpython/3.X/ and points the interpreter at that loader and
# those libraries (patchelf), so that target/cpython/3.X/usr/bin/python3.X
# runs here, subprocesses included. The differential finds these
# interpreters by itself (`--python 3.X`, or with no `--python`).
#
# apt runs with a private APT_CONFIG (its own sources list, lists and cache
# under target/cpython/apt/): the machine's own apt state is untouched.
# A second run reuses what is there. When the interpreters cannot be had
# (no network, no Debian mirror in the sources, a package missing) it prints
# "skipped: ..." and exits 0, so that CI passes on such a machine.
set -uo pipefail
cd "$(dirname "$0")/../.."
root="$PWD/target/cpython"
minors=("$@")
[ ${#minors[@]} -gt 0 ] || minors=(3.14 3.15)
for m in "${minors[@]}"; do
    if ! [[ "$m" =~ ^3\.[0-9]+$ ]]; then
        echo "error: not a CPython minor version: $m (expected e.g. 3.15)" >&2
        exit 2
    fi
done

works() { # python: does it run, with a process pool?
    "$1" -c 'import concurrent.futures as cf, sys
with cf.ProcessPoolExecutor(1) as ex: assert ex.submit(abs, -1).result(timeout=60) == 1' \
        >/dev/null 2>&1
}

# Versions already obtained are reused.
todo=()
for m in "${minors[@]}"; do
    py="$root/$m/usr/bin/python$m"
    if [ -x "$py" ] && works "$py"; then
        echo "cpython $m: $("$py" -c 'import sys; print(sys.version.split()[0])') at $py (reused)"
    else
        todo+=("$m")
    fi
done
[ ${#todo[@]} -gt 0 ] || exit 0

skip() {
    echo "skipped: $*"
    exit 0
}
command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 \
    || skip "no apt-get/dpkg on this machine (CPython ${todo[*]} not obtained)"
arch=$(dpkg --print-architecture)

# The Debian mirror of the machine's own sources (one-line or deb822 form),
# for the main archive (not -security, -updates or -backports).
mirror=""
keyring=""
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    line=$(grep -E '^[[:space:]]*deb[[:space:]]' "$f" | grep -Ev -- '-(security|updates|backports)([[:space:]]|$)' \
        | grep -E '/debian/?[[:space:]]' | head -n1)
    if [ -n "$line" ]; then
        mirror=$(echo "$line" | sed -E 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/')
        break
    fi
done
if [ -z "$mirror" ]; then
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        # Stanzas are separated by blank lines; take the first whose URI ends
        # in /debian and whose suites are not security/updates only.
        stanza=$(awk -v RS= '/URIs:[^\n]*\/debian\/?(\n| |$)/ && /Suites:/ { print; exit }' "$f")
        if [ -n "$stanza" ]; then
            mirror=$(echo "$stanza" | sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p' | head -n1)
            keyring=$(echo "$stanza" | sed -nE 's/^Signed-By:[[:space:]]*([^[:space:]]+).*/\1/p' | head -n1)
            break
        fi
    done
fi
[ -n "$mirror" ] || skip "no Debian mirror in /etc/apt/sources.list{,.d} (CPython ${todo[*]} not obtained)"
[ -n "$keyring" ] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg

if ! command -v patchelf >/dev/null 2>&1; then
    echo "installing patchelf (apt-get install patchelf)"
    { apt-get install -y -q patchelf || { apt-get update -q && apt-get install -y -q patchelf; }; } >/dev/null 2>&1
    command -v patchelf >/dev/null 2>&1 || skip "patchelf is missing and could not be installed (CPython ${todo[*]} not obtained)"
fi

# The private apt state.
apt="$root/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/sources.list.d" "$apt/etc/preferences.d" "$root/debs"
: > "$apt/status"
echo "deb [signed-by=$keyring] $mirror sid main" > "$apt/etc/sources.list"
cat > "$apt/apt.conf" <<EOF
Dir::Etc::SourceList "$apt/etc/sources.list";
Dir::Etc::SourceParts "$apt/etc/sources.list.d";
Dir::Etc::Preferences "$apt/etc/preferences";
Dir::Etc::PreferencesParts "$apt/etc/preferences.d";
Dir::State "$apt";
Dir::State::Lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache";
Dir::Cache::Archives "$apt/cache/archives";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Acquire::Languages "none";
EOF
export APT_CONFIG="$apt/apt.conf"
# Refresh the sid index at most once a day.
if [ -z "$(find "$apt/lists" -maxdepth 1 -name '*_Packages*' -mtime -1 2>/dev/null)" ]; then
    echo "reading the sid index of $mirror (private apt state in $apt)"
    timeout 300 apt-get update -q >"$apt/update.log" 2>&1 \
        || skip "apt-get update of sid failed (no network?): $(tail -n1 "$apt/update.log") (CPython ${todo[*]} not obtained)"
fi

# The libraries the interpreter and its stdlib extension modules link.
libs=(libc6 libgcc-s1 libexpat1 zlib1g libssl3t64 libffi8 libbz2-1.0 liblzma5 libzstd1 libuuid1
    libsqlite3-0 libncursesw6 libtinfo6 libreadline8t64 libmpdec4)
for m in "${todo[@]}"; do
    dir="$root/$m"
    pkgs=("python$m-minimal" "libpython$m-minimal" "libpython$m-stdlib")
    missing=""
    for p in "${pkgs[@]}"; do
        apt-cache show "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        echo "skipped: CPython $m: not in sid:$missing"
        continue
    fi
    (cd "$root/debs" && timeout 600 apt-get download -q "${pkgs[@]}" "${libs[@]}" >"$apt/download-$m.log" 2>&1) || {
        echo "skipped: CPython $m: apt-get download failed: $(tail -n1 "$apt/download-$m.log")"
        continue
    }
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    for p in "${pkgs[@]}" "${libs[@]}"; do
        v=$(apt-cache policy "$p" | sed -nE 's/^[[:space:]]*Candidate:[[:space:]]*//p' | sed 's/:/%3a/')
        deb=$(ls "$root/debs/${p}_${v}_"*.deb 2>/dev/null | head -n1)
        [ -n "$deb" ] || { echo "skipped: CPython $m: no .deb for $p $v"; continue 2; }
        dpkg -x "$deb" "$dir.tmp"
    done
    py="$dir.tmp/usr/bin/python$m"
    loader=$(ls "$dir.tmp"/usr/lib64/ld-linux-*.so.* "$dir.tmp"/lib64/ld-linux-*.so.* 2>/dev/null | head -n1)
    [ -n "$loader" ] && [ -x "$py" ] || { echo "skipped: CPython $m: no interpreter or loader in the packages"; continue; }
    # The final paths (the directory is renamed into place below).
    loader="$dir${loader#"$dir.tmp"}"
    patchelf --set-interpreter "$loader" --force-rpath \
        --set-rpath "$dir/usr/lib/x86_64-linux-gnu:$dir/lib/x86_64-linux-gnu" "$py"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
    py="$dir/usr/bin/python$m"
    if works "$py"; then
        echo "cpython $m: $("$py" -c 'import sys; print(sys.version.split()[0])') at $py"
    else
        echo "skipped: CPython $m: the unpacked interpreter does not run a process pool here"
    fi
done
exit 0
