# Sourced by the interoperability scripts: `pypi_venv VENV PACKAGE==VERSION MODULE WHAT` makes a
# Python virtual environment VENV holding PACKAGE at its pinned version, unless VENV can already
# import MODULE. python3-venv is installed through apt when missing and this runs as root (a fresh
# CI machine). When pip fails and PyPI cannot be reached, the calling script skips loudly (exit
# 0, "SKIPPED: WHAT: ..."); when PyPI is reachable, pip's failure is an error (exit 1).
pypi_venv() {
  local venv=$1 package=$2 module=$3 what=$4
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import $module" 2>/dev/null; then
    return 0
  fi
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get install -y -qq python3-venv >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq python3-venv >/dev/null 2>&1) || true
    fi
    rm -rf "$venv"
    python3 -m venv "$venv" || { echo "cannot create a Python virtual environment (install python3-venv)" >&2; exit 1; }
  fi
  if ! "$venv/bin/pip" install -q --disable-pip-version-check "$package"; then
    local name=${package%%==*}
    if ! python3 -c "import urllib.request; urllib.request.urlopen('https://pypi.org/simple/$name/', timeout=10)" 2>/dev/null; then
      echo "SKIPPED: $what: PyPI cannot be reached" >&2
      echo "##############################################################" >&2
      exit 0
    fi
    echo "pip could not install $name although PyPI is reachable" >&2
    exit 1
  fi
}
