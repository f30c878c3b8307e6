"""``make bench``: every benchmark, each printing its figures as ratios measured in the same run."""

from tests.bench import audit_chain, aws_calls, gateway

if __name__ == "__main__":
    aws_calls.main()
    audit_chain.main()
    gateway.main()
