#!/usr/bin/env bash
# Extracts every marked string of the kiosk (tr, trc, trn, N_; see kiosk/filing/i18n.hpp) into
# locales/guichet.pot and merges it into each <lang>.po: new strings arrive empty (translate
# them), changed ones are marked fuzzy (check them), removed ones are dropped.
# The completeness test (kiosk_locales_test) runs the same extraction and fails until every
# language is complete again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
cd "$root"

# The one list of sources and keywords; the completeness test reads it from here too.
mapfile -t args < <(grep -v '^#' "$here/xgettext.args" | grep -v '^$')
mapfile -t sources < <(cd "$root" && find kiosk -name '*.cpp' | LC_ALL=C sort)

xgettext "${args[@]}" -o "$here/guichet.pot" "${sources[@]}"
# A stable template: no creation date, so that it only changes when the strings do.
sed -i '/^"POT-Creation-Date:/d' "$here/guichet.pot"

for po in "$here"/*.po; do
  msgmerge --quiet --update --backup=none --no-fuzzy-matching --add-location=file --sort-output "$po" "$here/guichet.pot"
  msgattrib --no-obsolete --output-file="$po" "$po"
done
echo "updated $here/guichet.pot and $(ls "$here"/*.po | wc -l) catalogues"
