#!/usr/bin/env bash
# Finish Figure 3's `small` runs with the library that made every other committed `small` result (commit 3a80465),
# in a git worktree of that commit, one claim process per core; records land in the worktree's results/small/runs/A/
# and are copied back here with `tools/finish_small_fig3.sh collect`.
#
#   tools/finish_small_fig3.sh start [HH:MM]   # worktree + data (set A, bit for bit) + one process per core; HH:MM (UTC):
#                                              #   start no run that would end after it (default: none)
#   tools/finish_small_fig3.sh collect         # copy finished records into results/small/runs/A/ of this checkout
#   tools/finish_small_fig3.sh status          # what the processes are doing
#
# Why a worktree: a run's record names the code identity of the modules it imported; the library on `main` has changed
# since these runs began (AWAC's buffer, resumable runs), so its records would not be comparable with the 225 `small`
# records already committed. Logs and claims go to $WORK (default /tmp/m3_small_fig3).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
FROZEN_COMMIT=3a8046530c95300297d95885c563583dd50c2d1e
WT=${WT:-$REPO/../m3_small_frozen}
WORK=${WORK:-/tmp/m3_small_fig3}
VARIANTS=${VARIANTS:-no VQ}
mkdir -p "$WORK"
case "${1:-status}" in
start)
  [ -x .venv/bin/python ] || make venv
  if [ ! -d "$WT" ]; then git worktree add -q --detach "$WT" "$FROZEN_COMMIT"; fi
  ln -sfn "$REPO/.venv" "$WT/.venv"; mkdir -p "$REPO/data"; ln -sfn "$REPO/data" "$WT/data"
  ex="$(git rev-parse --git-common-dir)/info/exclude"
  grep -qx ".venv" "$ex" 2>/dev/null || printf '.venv\ndata\n' >> "$ex"     # the symlinks must not make the tree dirty
  # the set-A datasets, regenerated from the committed experts (checksums must match the committed records' lineage)
  (cd "$WT" && PYTHONPATH="$WT" PYTHONHASHSEED=0 .venv/bin/python -c "
from m3_nb.experiments import PaperSetup, repo_data_root
from m3_nb.ledger import data_stage
from m3_nb.cmg import get_task_set
data_stage(PaperSetup('results/small', 'small', data_root=str(repo_data_root())), get_task_set('A').pretrain)")
  claims="$WORK/claims-$(date +%s)"
  ncores=$(.venv/bin/python -c "import os; print(len(os.sched_getaffinity(0)))")
  for c in $(seq 0 $((ncores - 1))); do
    (cd "$WT" && nohup taskset -c "$c" env PYTHONPATH="$WT" OMP_NUM_THREADS=1 XLA_FLAGS=--xla_cpu_multi_thread_eigen=false \
      PYTHONHASHSEED=0 .venv/bin/python "$REPO/tools/claim_sweep.py" --scale small --variants "$VARIANTS" --claims "$claims" \
      ${2:+--stop-by "$2"} >> "$WORK/core$c.log" 2>&1 &)
    sleep 5
  done
  echo "started $ncores process(es); logs $WORK/core*.log; worktree $WT" ;;
collect)
  n=0
  for f in "$WT"/results/small/runs/A/*.json; do
    dst="results/small/runs/A/$(basename "$f")"
    if ! cmp -s "$f" "$dst"; then cp "$f" "$dst"; n=$((n + 1)); echo "new: $dst"; fi
  done
  echo "$n record(s) copied" ;;
status)
  tail -n 3 "$WORK"/core*.log 2>/dev/null || echo "no logs in $WORK" ;;
*) echo "usage: $0 start [HH:MM] | collect | status" >&2; exit 2 ;;
esac
