#!/bin/sh
# The peers benchmark (docs/benchmarks.md "Peers"): StreamCell's StepKernel and BatchStepKernel
# against ONNX Runtime and DL4J rnnTimeStep on the same LSTM (input 8, hidden 64), per key-step
# with carried per-key state, at batch 1 and 256. About 5 minutes on 2 cores.
#
#   tools/bench_peers.sh [JMH options...]     e.g. tools/bench_peers.sh -wi 2 -i 3 for a quick look
#
# Steps: compile with -Pbench (the peers are dependencies of that profile only); OnnxCheck (all
# peers must match StepKernel, or nothing is measured); PeerBench under OPENBLAS_CORETYPE=Haswell,
# then under SKYLAKEX if the CPU has AVX-512 (OpenBLAS does not check a forced core type); then
# PeerInterleaved (the same comparisons interleaved round by round in one JVM, under each core
# type); PeerReport prints the JMH table and writes it to target/peers.md; then the interleaved
# ratios and the load sampled meanwhile. Single-threaded throughout.
# Add MVN_OFFLINE= to the environment to let Maven download (the default is offline, -o).
set -eu
cd "$(dirname "$0")/.."
MVN="mvn -B ${MVN_OFFLINE--o} -q -Pbench"
$MVN -DskipTests test-compile
$MVN dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

# Other work on the machine skews the numbers: sample the load every 15 s for the report.
(while :; do echo "$(date -u +%H:%M:%S) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 15; done) > target/peers-load.txt &
SAMPLER=$!
trap 'kill $SAMPLER 2>/dev/null' EXIT

OPENBLAS_CORETYPE=Haswell java -cp "$CP" io.streamcell.bench.OnnxCheck
OPENBLAS_CORETYPE=Haswell java -cp "$CP" io.streamcell.bench.BenchRun avx2,fma \
    'io.streamcell.bench.PeerBench' -rf json -rff target/peers-haswell.json "$@"
# ORT does not use OpenBLAS; it is measured again so that every ratio comes from one run.
OPENBLAS_CORETYPE=SKYLAKEX java -cp "$CP" io.streamcell.bench.BenchRun avx512f,avx512bw,avx512vl \
    'io.streamcell.bench.PeerBench.(streamcell|ort)' -rf json -rff target/peers-skylakex.json "$@"
# The same comparisons interleaved round by round in one JVM: ratios that hold up under a varying load.
OPENBLAS_CORETYPE=Haswell java -Xmx2g -XX:+UseParallelGC -cp "$CP" io.streamcell.bench.PeerInterleaved \
    > target/peers-interleaved.txt
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
    OPENBLAS_CORETYPE=SKYLAKEX java -Xmx2g -XX:+UseParallelGC -cp "$CP" io.streamcell.bench.PeerInterleaved \
        >> target/peers-interleaved.txt
fi
java -cp "$CP" io.streamcell.bench.PeerReport target/peers.md \
    Haswell=target/peers-haswell.json SKYLAKEX=target/peers-skylakex.json
grep -v 'WARN\|DEBUG' target/peers-interleaved.txt
echo "1-minute load average during the run (target/peers-load.txt; 2 cores, the benchmark itself is ~1):"
awk '{ s += $2; if ($2 > m) m = $2 } END { printf "  mean %.2f, max %.2f over %d samples\n", s / NR, m, NR }' \
    target/peers-load.txt
