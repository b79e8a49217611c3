output "mysql_endpoint" {
  description = "host:port of the flights database (for the flights-database Secret's URL)."
  value       = aws_db_instance.mysql.endpoint
}

output "mysql_database" {
  description = "Name of the flights schema."
  value       = aws_db_instance.mysql.db_name
}

output "redis_primary_endpoint" {
  description = "Primary endpoint host of the reservations Redis (TLS on port 6379; rediss:// URLs)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}
