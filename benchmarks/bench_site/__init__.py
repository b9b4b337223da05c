"""A Django site for benchmarks only: Gongxiao's URLs plus a baseline endpoint, never deployed."""
