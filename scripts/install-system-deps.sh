#!/usr/bin/env bash
# scripts/install-system-deps.sh — install the Debian/Ubuntu packages kechuang's tests need.
#
# Idempotent: every group is checked first and only what is missing is installed
# (`apt-get update` runs once, and only when something is missing).  Run by `make sysdeps`
# (and so by `make check` / .ci/run).
#
# Groups (KECHUANG_SYSDEPS = space-separated list, default "postgres"; "all" = every group):
#   postgres   PostgreSQL server + client: the throwaway test cluster (tests/support/pgcluster.py)
#   chromium   headless browser (`command -v chromium`)
#   fonts-cjk  Chinese fonts (`fc-list :lang=zh` non-empty) and Pango (WeasyPrint, PDF report)
#   pdf-tools  poppler-utils (pdftotext, pdffonts): tests read the PDF report back
#
# As root it installs; otherwise it prints the apt-get command and exits 1 if anything is
# missing (exit 0 when everything is present).  No locales package is needed: the test cluster
# uses glibc's built-in C.UTF-8 (or --no-locale).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

# ------------------------------------------------------------------ checks (0 = present)
have_postgres() {
    local bindir
    if command -v pg_config >/dev/null 2>&1 && bindir="$(pg_config --bindir 2>/dev/null)" &&
        [[ -x "$bindir/initdb" && -x "$bindir/pg_ctl" && -x "$bindir/postgres" ]]; then
        :
    elif compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
        :
    else
        return 1
    fi
    command -v psql >/dev/null 2>&1 || return 1
    # initdb refuses to run as root; the test cluster runs as this user when tests run as root
    id -u postgres >/dev/null 2>&1
}

have_chromium() {
    command -v chromium >/dev/null 2>&1
}

have_fonts_cjk() {
    # Chinese fonts, and the Pango libraries WeasyPrint renders the PDF report with
    command -v fc-list >/dev/null 2>&1 && [[ -n "$(fc-list :lang=zh 2>/dev/null)" ]] &&
        ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0'
}

have_pdf_tools() {
    command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1
}

# ------------------------------------------------------------------ group table
# group name | check function | Debian packages.  Add new groups here.
GROUP_TABLE=(
    "postgres|have_postgres|postgresql postgresql-client"
    "chromium|have_chromium|chromium"
    "fonts-cjk|have_fonts_cjk|fonts-noto-cjk fontconfig libpango-1.0-0 libpangoft2-1.0-0"
    "pdf-tools|have_pdf_tools|poppler-utils"
)

requested="${KECHUANG_SYSDEPS:-postgres}"
if [[ "$requested" == "all" ]]; then
    requested=""
    for row in "${GROUP_TABLE[@]}"; do requested+="${row%%|*} "; done
fi

missing_packages=()
missing_groups=()
declare -A check_of=()
for group in $requested; do
    found=""
    for row in "${GROUP_TABLE[@]}"; do
        IFS='|' read -r name check packages <<<"$row"
        [[ "$name" == "$group" ]] || continue
        found=1
        check_of[$name]="$check"
        if "$check"; then
            echo "sysdeps: $name: present"
        else
            echo "sysdeps: $name: missing (packages: $packages)"
            missing_groups+=("$name")
            read -r -a pkgs <<<"$packages"
            missing_packages+=("${pkgs[@]}")
        fi
    done
    if [[ -z "$found" ]]; then
        known=""
        for row in "${GROUP_TABLE[@]}"; do known+="${row%%|*} "; done
        echo "sysdeps: unknown group '$group' in KECHUANG_SYSDEPS (known: ${known}all)" >&2
        exit 2
    fi
done

if ((${#missing_packages[@]} == 0)); then
    echo "sysdeps: nothing to install"
    exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
    echo "sysdeps: missing: ${missing_groups[*]}; as root, run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing_packages[*]}" >&2
    echo "  (or: sudo make sysdeps)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "sysdeps: apt-get not found; install by hand: ${missing_packages[*]}" >&2
    exit 1
fi

echo "sysdeps: installing ${missing_packages[*]}"
apt-get update
apt-get install -y --no-install-recommends "${missing_packages[@]}"

status=0
for name in "${missing_groups[@]}"; do
    if "${check_of[$name]}"; then
        echo "sysdeps: $name: installed"
    else
        echo "sysdeps: $name: still missing after apt-get install" >&2
        status=1
    fi
done
exit "$status"
