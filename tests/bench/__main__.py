"""``make bench``: every benchmark, each printing its figures as ratios measured in the same run."""

from tests.bench import audit_chain, aws_calls, expiry_job, gateway

if __name__ == "__main__":
    aws_calls.main()
    audit_chain.main()
    expiry_job.main()
    gateway.main()
