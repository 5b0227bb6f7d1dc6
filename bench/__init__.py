"""The benchmark: what the gateway costs against what users would otherwise run.

`python -m bench.run` (what `make bench` calls) measures, on this machine and in one run:
throughput and latency of four scenarios on one MariaDB-backed node built as in
production (a bare Django view, the same read through DRF with TokenAuthentication, the
same read through the encrypted gateway, an encrypted write), each reached directly and
through the node's nginx over kept-alive TLS connections, on the replicated pair and
with a single database; the cost of each layer of a request; login latency and its
parts; route-change propagation; replication lag under write load and a failover drill
through HAProxy. Results go to bench/results/ as JSON and a markdown table. See
bench/run.py for the method and bench/loadgen.py for how the load generator is built.
"""
