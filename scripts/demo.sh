#!/usr/bin/env bash
# The demo: start the local node, ingest a small bilingual batch the project writes, search it in Korean and English.
set -euo pipefail
cd "$(dirname "$0")/.."
EVX=.venv/bin/evidex
$EVX es start
sample=$(mktemp -d)/demo-batch
.venv/bin/python -c "from evidex.samples import write_demo_batch; import sys; write_demo_batch(__import__('pathlib').Path(sys.argv[1]))" "$sample"
$EVX ingest "$sample" --agency knpa --case DEMO-1 --exhibit E-001 --share-with task-force
echo; echo '== evidex search 쿠팡 (a Korean noun also finds 쿠팡의, 쿠팡이)'
$EVX search 쿠팡 --case DEMO-1
echo; echo '== evidex search "paid membership"'
$EVX search '"paid membership"' --case DEMO-1
echo; echo '== evidex search "night shift" as a labour-ministry investigator'
EVIDEX_USER=lee@moel:investigator $EVX search 'night shift'
echo; echo "The node keeps running for more searches: $EVX search QUERY; stop it with: $EVX es stop"
