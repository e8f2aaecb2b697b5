#!/usr/bin/env bash
# Runs the fuzz targets in fuzz/ one after another, each for a set time, on the stable toolchain.
#
#   tools/fuzz.sh [seconds-per-target] [target…]      (default: 60 s, every target)
#
# cargo-fuzz needs nightly-only compiler flags; RUSTC_BOOTSTRAP=1 lets the stable compiler take
# them. Seeds come from the shipped files (mappings, fixtures, the kept regression inputs) and are
# copied into fuzz/corpus/<target>/ before each run; the corpus grows across runs and is not
# committed. Any input that fails a property is copied to tests/fuzz_regressions/<target>/, where
# `cargo test --test it fuzz_regressions` replays it: fix the bug, keep the file.
#
# Environment: FUZZ_SANITIZER (default `none`: the crate forbids unsafe code, and without
# AddressSanitizer a run makes about twice the executions). The targets run one at a time and
# niced, since the cores are shared.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-60}
shift || true
all=(program soap events formatter jsonnet autotask_webhook fieldnation_signature broker_intake)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
sanitizer=${FUZZ_SANITIZER:-none}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    nice cargo install cargo-fuzz --locked
fi

# Copies the files under each source matching a glob into the target's corpus.
seed() {
    local target=$1 pattern=$2
    shift 2
    local dir="$root/fuzz/corpus/$target"
    mkdir -p "$dir"
    for source in "$@"; do
        [ -d "$source" ] || continue
        find "$source" -type f -name "$pattern" | while read -r file; do
            cp "$file" "$dir/seed-$(echo "$file" | tr '/' '_')"
        done
    done
}

# Writes one seed from text.
seed_text() {
    local target=$1 name=$2 text=$3
    mkdir -p "$root/fuzz/corpus/$target"
    printf '%s' "$text" >"$root/fuzz/corpus/$target/seed-$name"
}

# The text between `|||` lines of the shipped mappings: the Jsonnet blocks, one seed each.
jsonnet_blocks() {
    awk -v dir="$root/fuzz/corpus/jsonnet" '
        /\|\|\|.*\|\|\|/ { next }
        /\|\|\|[[:space:]]*$/ { if (inside) { close(out); inside = 0 } else { n++; name = FILENAME; gsub("/", "_", name); out = dir "/seed-" name "-" n; inside = 1 } next }
        inside { print > out }' mappings/*.fmap
}

seed_target() {
    local target=$1
    case $target in
    program | formatter)
        seed "$target" '*.fmap' mappings tests/golden
        ;;
    soap)
        seed soap '*.xml' mappings/fixtures tests/fixtures/soap tests/golden/fixtures
        ;;
    events)
        seed events '*.json' mappings/fixtures/events tests/golden/fixtures
        ;;
    jsonnet)
        mkdir -p fuzz/corpus/jsonnet
        jsonnet_blocks
        seed_text jsonnet util '$.util.date_convert($.input.DueDateTime, "YYYY-MM-DDTHH:mm:ssZ", "YYYY-MM-DD", "America/New_York", "UTC")'
        seed_text jsonnet fold 'std.foldl(function(a, i) a + [i], std.range(1, 10), [])'
        seed_text jsonnet object '{ a: $.input.Title, b: [x * 2 for x in std.range(1, 3)], c: self.a }'
        ;;
    autotask_webhook)
        seed_text autotask_webhook callback '{"Action":"Update","Guid":"6a1c0e8e-1b9b-4b5e-9d0e-3c3a1f0c2b11","EntityType":"Ticket","Id":9137,"Fields":{"Status":"12"},"EventTime":"2026-11-30T14:02:11.223Z","SequenceNumber":42,"PersonID":29682885}'
        seed_text autotask_webhook minimal '{"ticketId":"9137","entityType":"Ticket","action":"create"}'
        seed_text autotask_webhook signed $'secret\n{"ticketId":9137}\nsha1=AAAAAAAAAAAAAAAAAAAAAAAAAAA='
        ;;
    fieldnation_signature)
        seed_text fieldnation_signature signed $'secret\n{"event":"workorder.status.approved","workorder_id":1}\nsha256=00ff'
        ;;
    broker_intake)
        seed_text broker_intake callback '{"Action":"Create","Guid":"6a1c0e8e-1b9b-4b5e-9d0e-3c3a1f0c2b11","EntityType":"Ticket","Id":9137,"Fields":{},"EventTime":"2026-11-30T14:02:11.223Z","SequenceNumber":1,"PersonID":29682885}'
        seed_text broker_intake minimal '{"ticketId":"9137","entityType":"Ticket","action":"create"}'
        # Field Nation's deliveries: the X-FN-Delivery-Id line, then a demo event's body.
        for event in mappings/fixtures/events/*.json; do
            seed_text broker_intake "delivery-$(basename "$event")" \
                "9b2f4c1e-0d7a-4e55-8a43-1f2e3d4c5b6a:1"$'\n'"$(cat "$event")"
        done
        ;;
    esac
    seed "$target" '*' "tests/fuzz_regressions/$target"
}

summary=()
for target in "${targets[@]}"; do
    echo "== $target: ${seconds} s"
    seed_target "$target"
    artifacts="$root/fuzz/artifacts/$target"
    mkdir -p "$artifacts"
    marker=$(mktemp)
    log="$root/fuzz/artifacts/$target.log"
    dict=()
    [ -f "fuzz/dicts/$target.dict" ] && dict=("-dict=$root/fuzz/dicts/$target.dict")
    status=0
    nice -n 10 cargo fuzz run --fuzz-dir fuzz --sanitizer "$sanitizer" "$target" \
        "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=3072 \
        "${dict[@]}" >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
    findings=0
    while IFS= read -r -d '' crash; do
        findings=$((findings + 1))
        mkdir -p "tests/fuzz_regressions/$target"
        cp "$crash" "tests/fuzz_regressions/$target/$(basename "$crash")"
        echo "   finding: tests/fuzz_regressions/$target/$(basename "$crash")"
    done < <(find "$artifacts" -type f -newer "$marker" \( -name 'crash-*' -o -name 'timeout-*' \
        -o -name 'oom-*' -o -name 'leak-*' \) -print0)
    rm -f "$marker"
    if [ "$status" -ne 0 ] && [ "$findings" -eq 0 ]; then
        echo "   failed to run (exit $status); the last lines of $log:"
        tail -20 "$log"
        findings='run failed'
    fi
    summary+=("$(printf '%-22s runs %-10s exec/s %-7s corpus %-6s findings %s' \
        "$target" "$runs" "$rate" "$corpus" "$findings")")
done

echo
echo "== summary (${seconds} s per target; logs in fuzz/artifacts/<target>.log)"
printf '%s\n' "${summary[@]}"
