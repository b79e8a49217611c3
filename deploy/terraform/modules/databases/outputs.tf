output "mysql_endpoint" {
  description = "host:port of the flights database (for the flights-database Secret's URL)."
  value       = aws_db_instance.mysql.endpoint
}

output "mysql_database" {
  description = "Name of the flights schema."
  value       = aws_db_instance.mysql.db_name
}

output "mysql_master_user_secret_arn" {
  description = "ARN of the RDS-managed Secrets Manager secret with the flights database's username and password (JSON); with mysql_endpoint and mysql_database it makes FLIGHTS_DATABASE_URL."
  value       = aws_db_instance.mysql.master_user_secret[0].secret_arn
}

output "redis_primary_endpoint" {
  description = "Primary endpoint host of the reservations Redis (TLS on port 6379; rediss:// URLs)."
  value       = aws_elasticache_replication_group.redis.primary_endpoint_address
}

output "redis_url_secret_arn" {
  description = "ARN of the Secrets Manager secret holding the complete RESERVATIONS_REDIS_URL (rediss://:<AUTH token>@<primary endpoint>:6379/0)."
  value       = aws_secretsmanager_secret.redis_url.arn
}

output "credentials_read_policy_json" {
  description = "IAM policy (JSON) that reads exactly the two credential secrets and decrypts them: for the role that fills the services' Kubernetes Secrets."
  value       = data.aws_iam_policy_document.read_credentials.json
}
