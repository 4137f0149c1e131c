# Sourced by scripts/demo and scripts/test: make (or reuse) the clone's own virtualenv and
# install the project into it, editable. Works where python3 is Debian's externally managed
# interpreter (pip refuses to install there; a venv is always allowed) and under pyenv.
#
# Reads:  PYTHON               interpreter that creates the venv (default: python3)
#         TELEX_EMULATOR_VENV  where the venv lives (default: .venv in the clone)
#         SCRIPT_NAME          how messages name the caller
# Sets:   ROOT (the clone), VENV (absolute path of the venv)

SCRIPT_NAME=${SCRIPT_NAME:-$(basename "$0")}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${TELEX_EMULATOR_VENV:-.venv}
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
# A venv the caller activated is not ours: we always use $VENV/bin/python by path.
unset PYTHONHOME
export PIP_USER=0 PIP_REQUIRE_VIRTUALENV=0

venv_fail() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 1
}

# The interpreter that makes the venv: must exist and be Python 3.11 or newer.
venv_check_python() {
  local python=${PYTHON:-python3}
  command -v "$python" >/dev/null \
    || venv_fail "no '$python' on PATH. Install Python 3.11 or newer, or set PYTHON=/path/to/python3."
  "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || venv_fail "$("$python" -V 2>&1 || echo "$python") is too old or does not run; the emulator needs Python 3.11 or newer. Set PYTHON=/path/to/python3.11 (or newer)."
}

# True when $VENV is a working venv with pip (a failed `python3 -m venv` leaves bin/python
# without pip behind, so bin/python alone proves nothing).
venv_usable() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pip' >/dev/null 2>&1
}

venv_create() {
  local python=${PYTHON:-python3} output
  if output=$("$python" -m venv "$VENV" 2>&1) && venv_usable; then
    return 0
  fi
  rm -rf "$VENV" # half-made: bin/python without pip would pass for a venv next time
  # Debian and Ubuntu ship venv/ensurepip in a separate package.
  local real
  real=$(command -v "$python")
  real=$(readlink -f "$real" 2>/dev/null || echo "$real")
  case "$real" in
    /usr/bin/*)
      if [ -z "${VENV_APT_TRIED:-}" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        VENV_APT_TRIED=1
        echo "$SCRIPT_NAME: '$python -m venv' failed; installing python3-venv with apt-get..." >&2
        local minor
        minor=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        apt-get update -qq \
          && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
          && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python$minor-venv" >/dev/null 2>&1 || true; } \
          && venv_create && return 0
      fi
      ;;
  esac
  echo "$SCRIPT_NAME: could not create a virtualenv with '$python -m venv':" >&2
  echo "$output" | sed 's/^/  | /' >&2
  venv_fail "the venv module (or its ensurepip) is missing. On Debian/Ubuntu install the
  package python3-venv:  sudo apt-get install python3-venv
  or point PYTHON at another Python 3.11+ that has it:  PYTHON=/path/to/python3 $SCRIPT_NAME"
}

# ensure_project EXTRAS: venv made or reused, the project installed with EXTRAS ("" or
# "test"). pip only runs when pyproject.toml changed since the last install with these extras.
ensure_project() {
  local extras=$1 spec="$ROOT" stamp
  [ -n "$extras" ] && spec="$ROOT[$extras]"
  stamp="$VENV/.telex-emulator-installed${extras:+-$extras}"
  if ! venv_usable; then
    venv_check_python
    if [ -e "$VENV" ]; then
      [ -f "$VENV/pyvenv.cfg" ] \
        || venv_fail "$VENV exists and is not a virtualenv; move it away or set TELEX_EMULATOR_VENV."
      echo "$SCRIPT_NAME: $VENV does not work (its Python moved?); making it again" >&2
      rm -rf "$VENV"
    fi
    echo "$SCRIPT_NAME: making the virtualenv $VENV ..." >&2
    venv_create
  fi
  "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || venv_fail "$VENV runs $("$VENV/bin/python" -V 2>&1); the emulator needs 3.11+. Delete $VENV and set PYTHON."
  local want log="$VENV/.last-install.log"
  want=$(cksum <"$ROOT/pyproject.toml")
  # A [test] install also satisfies a plain one.
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
    || { [ -z "$extras" ] && [ "$(cat "$VENV/.telex-emulator-installed-test" 2>/dev/null)" = "$want" ]; }; then
    return 0
  fi
  echo "$SCRIPT_NAME: installing telex-emulator${extras:+ with [$extras]} into $VENV ..." >&2
  local status=0
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$spec" >"$log" 2>&1 \
    || status=$?
  # Hide pip's notice about absent local index folders that some machines configure.
  grep -v "is ignored: it is neither a file nor a directory" "$log" >&2 || true
  [ "$status" = 0 ] || venv_fail "pip could not install the project into $VENV (output above)."
  "$VENV/bin/python" -c "import emulator" \
    || venv_fail "the install finished but 'import emulator' fails in $VENV."
  echo "$want" >"$stamp"
}
