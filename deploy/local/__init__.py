"""Real processes on loopback: MariaDB servers and platform nodes, for tests and the cluster."""
