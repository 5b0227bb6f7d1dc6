-- The user of Debian's prometheus-mysqld-exporter, on EACH database host (docs/OPERATIONS.md,
-- "Metrics"). Per-host setup: kept out of the binary log, so it never replicates.
-- Authenticated by the Unix socket as the exporter's own system user (`prometheus`): no
-- password to keep. It reads server status and replica status, and no platform data.
SET SESSION sql_log_bin = 0;
CREATE USER IF NOT EXISTS 'prometheus'@'localhost' IDENTIFIED VIA unix_socket;
GRANT PROCESS, REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'prometheus'@'localhost';
GRANT SELECT ON performance_schema.* TO 'prometheus'@'localhost';
