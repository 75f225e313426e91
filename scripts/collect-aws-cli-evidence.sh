#!/usr/bin/env bash
# Writes AWS CLI evidence for `trailgraph import aws-cli DIR` (layout: docs/aws-cli-evidence.md).
#
# Usage: scripts/collect-aws-cli-evidence.sh DIR [region ...]
#   Uses the AWS CLI v2 with whatever credentials it is configured with (AWS_PROFILE etc.).
#   Regions default to $REGIONS, else the 17 regions enabled by default in every account.
#   Only read-only calls are made (docs/iam-policy.json). Run once per account.
set -euo pipefail
dir="${1:?usage: $0 DIR [region ...]}"
shift
if [[ $# -gt 0 ]]; then
  regions=("$@")
elif [[ -n "${REGIONS:-}" ]]; then
  read -r -a regions <<<"$REGIONS"
else
  regions=(ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-south-1 ap-southeast-1 ap-southeast-2
    ca-central-1 eu-central-1 eu-north-1 eu-west-1 eu-west-2 eu-west-3 sa-east-1
    us-east-1 us-east-2 us-west-1 us-west-2)
fi
export AWS_PAGER=""
aws() { command aws --output json --no-cli-pager "$@"; }

account=$(aws sts get-caller-identity --query Account --output text)
mkdir -p "$dir/$account"
aws sts get-caller-identity >"$dir/$account/sts-get-caller-identity.json"
# Optional: the account's alias names it in reports (needs iam:ListAccountAliases).
aws iam list-account-aliases >"$dir/$account/iam-list-account-aliases.json" 2>/dev/null \
  || rm -f "$dir/$account/iam-list-account-aliases.json"

for region in "${regions[@]}"; do
  out="$dir/$account/$region"
  mkdir -p "$out"
  echo "$account $region" >&2
  if ! aws cloudtrail describe-trails --include-shadow-trails --region "$region" \
      >"$out/cloudtrail-describe-trails.json"; then
    # A missing file is imported as "not collected", never as "empty".
    rm -f "$out/cloudtrail-describe-trails.json"
  else
    # Trails homed in this region and account: status, selectors and tags are read there.
    aws cloudtrail describe-trails --include-shadow-trails --region "$region" \
      --query "trailList[?HomeRegion=='$region'].[Name,TrailARN]" --output text |
      while read -r name arn; do
        [[ -z "$name" || "$arn" != *":$account:trail/"* ]] && continue
        aws cloudtrail get-trail-status --name "$arn" --region "$region" \
          >"$out/cloudtrail-get-trail-status--$name.json" || rm -f "$out/cloudtrail-get-trail-status--$name.json"
        aws cloudtrail get-event-selectors --trail-name "$arn" --region "$region" \
          >"$out/cloudtrail-get-event-selectors--$name.json" || rm -f "$out/cloudtrail-get-event-selectors--$name.json"
        aws cloudtrail list-tags --resource-id-list "$arn" --region "$region" \
          >"$out/cloudtrail-list-tags--$name.json" || rm -f "$out/cloudtrail-list-tags--$name.json"
      done
  fi
  aws logs describe-log-groups --region "$region" >"$out/logs-describe-log-groups.json" ||
    rm -f "$out/logs-describe-log-groups.json"
  aws logs describe-metric-filters --region "$region" >"$out/logs-describe-metric-filters.json" ||
    rm -f "$out/logs-describe-metric-filters.json"
  aws cloudwatch describe-alarms --alarm-types MetricAlarm CompositeAlarm --region "$region" \
    >"$out/cloudwatch-describe-alarms.json" || rm -f "$out/cloudwatch-describe-alarms.json"
  if aws sns list-topics --region "$region" >"$out/sns-list-topics.json"; then
    aws sns list-topics --region "$region" --query 'Topics[].TopicArn' --output text |
      tr '\t' '\n' | while read -r arn; do
        [[ -z "$arn" || "$arn" == None ]] && continue
        name="${arn##*:}"
        aws sns get-topic-attributes --topic-arn "$arn" --region "$region" \
          >"$out/sns-get-topic-attributes--$name.json" || rm -f "$out/sns-get-topic-attributes--$name.json"
      done
  else
    rm -f "$out/sns-list-topics.json"
  fi
  aws sns list-subscriptions --region "$region" >"$out/sns-list-subscriptions.json" ||
    rm -f "$out/sns-list-subscriptions.json"
done
echo "wrote $dir/$account" >&2
