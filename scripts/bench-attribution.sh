#!/bin/sh
# One attribution tick for 100,000 services and 10,000 components; target ≤ 10 ms (issue 5).
set -eu
cd "$(dirname "$0")/.."
exec cargo bench -p vigie-core --bench attribution "$@"
