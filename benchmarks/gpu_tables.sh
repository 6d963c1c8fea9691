#!/usr/bin/env bash
# The schedule and views tables (benchmarks/tables.py: fmnist_lt_schedule, fmnist_lt_views) on
# one GPU machine: many runs side by side (each one process, one thread, one data worker), the
# longest first, until DEADLINE seconds have passed; then the runs still training are stopped.
# Rerun it with the same OUT to continue: finished runs are kept, stopped ones resume from their
# last checkpoint (`--resume auto`; a checkpoint every 5 epochs).
#
#   bash benchmarks/gpu_tables.sh OUT [DEADLINE]
#
# Needs the repository's requirements, data/fashion_mnist and the converted teacher
# (checkpoints/efficientnet-lite0_in1k_timm.pth). Results: OUT/schedule.json,
# OUT/schedule_seed0.json and OUT/views.json (records of run_table.py), logs beside them.
set -u
out=${1:?usage: gpu_tables.sh OUT [DEADLINE]}
deadline=${2:-540}
mkdir -p "$out"
start=$(date +%s)
left() { echo $((deadline - ($(date +%s) - start))); }
opts=(--cfg-options train_dataloader.num_workers=1 default_hooks.checkpoint.interval=5)
table() {  # table seeds jobs out rows...
    local name=$1 seeds=$2 jobs=$3 file=$4
    shift 4
    timeout "$(left)" python3 benchmarks/run_table.py --table "$name" --seeds $seeds \
        --jobs "$jobs" --out "$out/$file.json" --rows "$@" "${opts[@]}" >"$out/$file.log" 2>&1
}

table fmnist_lt_schedule '0 1 2' 14 schedule teacher method-160e balanced-softmax-160e \
    ce-40e fp-ce-40e method-40e balanced-softmax-40e &
# the other runs use the seed-0 teacher calibrated by the line above
teacher=work_dirs/benchmarks/fmnist_lt_schedule/teacher_seed0/epoch_30.pth
while [ ! -f $teacher ] && [ "$(left)" -gt 0 ]; do sleep 5; done
table fmnist_lt_schedule 0 2 schedule_seed0 method-80e balanced-softmax-80e method-20e \
    balanced-softmax-20e &
table fmnist_lt_views 0 3 views teacher-4res slots16-80e online-80e online-mixup-80e \
    online-cutmix-80e teacher-4res-student-80e &
while [ -n "$(jobs -r)" ] && [ "$(left)" -gt 0 ]; do sleep 5; done
# stop what is still training (it resumes on the next call), then report
pkill -f tools/train.py
pkill -f tools/test.py
wait
grep -h "seed .*:" "$out"/*.log
echo "elapsed $(($(date +%s) - start)) s"
