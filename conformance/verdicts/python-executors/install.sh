#!/usr/bin/env bash
# Installs what the Python executors' verdict tables need, into project virtual environments
# under target/pyvenv/ (target/ is not committed):
#   conformance/verdicts/python-executors/install.sh
# - target/pyvenv/py3.11: the system python3 (3.11 here) with every package of requirements.txt,
#   installed from PyPI one by one, so that one that cannot be had is reported and the rest still
#   installed;
# - target/pyvenv/py3.14 and py3.15: CPython 3.14 and 3.15 from conformance/python/get-cpython.sh
#   (Debian sid's builds). Their ensurepip is stripped (Debian ships it apart), so these are made
#   with --without-pip; CPython's own executors need nothing installed, and a pure-Python package
#   can still go in with the 3.11 environment's pip: `pip --python target/pyvenv/py3.14/bin/python
#   install NAME`.
# A part that cannot be installed prints "skipped: ..." and the script goes on; it exits 0 (the
# verdict of an executor not installed reads "not run"). Exit 2 only for a bad argument.
set -uo pipefail
[ $# -eq 0 ] || { echo "usage: $0 (no arguments)" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."
root="$PWD/target/pyvenv"
mkdir -p "$root"

v311="$root/py3.11"
if [ ! -x "$v311/bin/python" ]; then
    python3 -m venv "$v311" || echo "skipped: python3 -m venv failed; no third-party executor installed"
fi
if [ -x "$v311/bin/pip" ]; then
    grep -Ev '^[[:space:]]*(#|$)' "$here/requirements.txt" | while read -r req; do
        name="${req%%==*}"
        want="${req##*==}"
        have=$("$v311/bin/python" -m pip show "$name" 2>/dev/null | sed -n 's/^Version: //p')
        if [ "$have" = "$want" ]; then
            echo "$req (reused)"
        elif out=$("$v311/bin/pip" install --no-compile -q "$req" 2>&1); then
            echo "$req installed"
        else
            echo "skipped: $req could not be installed: $(echo "$out" | grep -E 'ERROR|error' | head -n1)"
        fi
    done
fi
if [ -x "$v311/bin/mpiexec" ]; then
    echo "mpiexec: $v311/bin/mpiexec ($("$v311/bin/mpichversion" 2>/dev/null | sed -n 's/^MPICH Version:[[:space:]]*//p' | head -n1))"
else
    echo "skipped: no mpiexec in $v311/bin (mpich not installed): mpi4py.futures will not be run"
fi

conformance/python/get-cpython.sh 3.14 3.15
for m in 3.14 3.15; do
    py="$PWD/target/cpython/$m/usr/bin/python$m"
    if [ ! -x "$py" ]; then
        echo "skipped: CPython $m not obtained (see get-cpython.sh above)"
        continue
    fi
    if [ ! -x "$root/py$m/bin/python" ]; then
        "$py" -m venv --without-pip "$root/py$m" \
            || { echo "skipped: $py -m venv --without-pip failed"; continue; }
    fi
    echo "py$m: $("$root/py$m/bin/python" -c 'import sys; print(sys.version.split()[0])') at $root/py$m"
done
exit 0
