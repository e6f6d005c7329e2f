#!/bin/sh
# k8s-shard.sh: the command of one pod of the Indexed Job in k8s-job.yaml.
# Kubernetes numbers the pods of an Indexed Job from 0 (JOB_COMPLETION_INDEX);
# hiveaudit numbers shards from 1.
#
#   k8s-shard.sh N COLLECTION OUT
set -eu
n=$1 collection=$2 out=$3
k=$(( ${JOB_COMPLETION_INDEX:?run as a pod of an Indexed Job} + 1 ))
as_of=${AS_OF:?set AS_OF so every pod audits as of the same date}
mkdir -p "$out/shard-$k"
"${HIVEAUDIT:-hiveaudit}" scan --quiet --as-of "$as_of" --shard "$k/$n" \
	--out "$out/shard-$k" "$collection" || [ $? -eq 1 ]
