"""``make bench``: every benchmark, each printing its figures as ratios measured in the same run."""

from tests.bench import audit_chain, aws_calls, cold_start, expiry_job, gateway, load, quiet

if __name__ == "__main__":
    quiet()
    cold_start.main()
    aws_calls.main()
    audit_chain.main()
    expiry_job.main()
    gateway.main()
    load.main()
