"""``make bench``: every benchmark, each printing its figures as ratios measured in the same run."""

from tests.bench import gateway

if __name__ == "__main__":
    gateway.main()
