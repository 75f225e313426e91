"""Imports an ASFF file into Security Hub as `aws securityhub batch-import-findings` would.

Usage: securityhub_import.py PORT FILE. Talks only to the emulator on 127.0.0.1:PORT. boto3
validates every request against Security Hub's full API model before it is sent, so a finding
that does not follow the model fails here. Imports the file twice, in batches of 100 (the API's
limit), counting the findings held after each import, and prints one JSON line:
{"findings": N, "batches": B, "failed": [...], "after_first": N1, "after_second": N2}.
"""

import json
import sys

import boto3
from botocore.config import Config


def main() -> None:
    port, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        findings = json.load(f)
    region = findings[0]["ProductArn"].split(":")[3] if findings else "us-east-1"
    client = boto3.client(
        "securityhub",
        region_name=region,
        endpoint_url=f"http://127.0.0.1:{port}",
        config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=30),
    )
    batches = 0
    failed = []

    def import_all() -> None:
        nonlocal batches
        for start in range(0, len(findings), 100):
            answer = client.batch_import_findings(Findings=findings[start : start + 100])
            batches += 1
            failed.extend(answer.get("FailedFindings", []))

    def held() -> int:
        return sum(
            len(page["Findings"])
            for page in client.get_paginator("get_findings").paginate(
                PaginationConfig={"PageSize": 100}
            )
        )

    import_all()
    after_first = held()
    import_all()
    after_second = held()
    print(
        json.dumps(
            {
                "findings": len(findings),
                "batches": batches,
                "failed": failed,
                "after_first": after_first,
                "after_second": after_second,
            }
        )
    )


if __name__ == "__main__":
    main()
