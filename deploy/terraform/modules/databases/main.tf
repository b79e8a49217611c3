# The services' datastores, each reachable only from the EKS nodes and only on its port:
# RDS MySQL 8 for flights, ElastiCache Redis (TLS + AUTH) for reservations.
#
# Their credentials live in AWS Secrets Manager, never in a variable, a .tfvars file or the
# pipeline's secret store: RDS keeps the MySQL master password itself (it never enters the
# Terraform state), and the Redis connection URL is a secret this module writes. The
# Kubernetes Secrets the charts read (flights-database, reservations-redis) are filled from
# those two secrets (outputs mysql_master_user_secret_arn and redis_url_secret_arn).

resource "aws_kms_key" "data" {
  description         = "${var.name} databases at rest"
  enable_key_rotation = true
  tags                = var.tags
}

# Each datastore's security group admits the EKS nodes only, on its port only. (The
# descriptions are the ones the groups were created with: a new one replaces the group.)
locals {
  datastores = {
    mysql = {
      port              = 3306
      group_description = "MySQL for flights: only from the EKS nodes"
      rule_description  = "MySQL from the EKS nodes"
    }
    redis = {
      port              = 6379
      group_description = "Redis for reservations: only from the EKS nodes"
      rule_description  = "Redis (TLS) from the EKS nodes"
    }
  }
}

resource "aws_security_group" "datastore" {
  for_each = local.datastores

  name        = "${var.name}-${each.key}"
  description = each.value.group_description
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "from_nodes" {
  for_each = local.datastores

  security_group_id            = aws_security_group.datastore[each.key].id
  description                  = each.value.rule_description
  referenced_security_group_id = var.client_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = each.value.port
  to_port                      = each.value.port
}

# --- flights: RDS MySQL 8 ---------------------------------------------------------------

resource "aws_db_subnet_group" "mysql" {
  name       = "${var.name}-mysql"
  subnet_ids = var.private_subnet_ids
  tags       = var.tags
}

resource "aws_db_parameter_group" "mysql" {
  name   = "${var.name}-mysql8"
  family = "mysql8.0"
  tags   = var.tags

  # TLS only between the services and MySQL.
  parameter {
    name  = "require_secure_transport"
    value = "1"
  }
}

data "aws_iam_policy_document" "rds_monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

# Enhanced monitoring (OS metrics every minute).
resource "aws_iam_role" "rds_monitoring" {
  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.rds_monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "rds_monitoring" {
  role       = aws_iam_role.rds_monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "mysql" {
  identifier     = "${var.name}-flights"
  engine         = "mysql"
  engine_version = "8.0"
  instance_class = var.mysql_instance_class

  db_name  = var.mysql_database
  username = var.mysql_username
  # RDS generates the master password and keeps it in a Secrets Manager secret of its own
  # ({"username", "password"}, encrypted with the data key): it never enters the state.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.data.arn

  allocated_storage     = var.mysql_allocated_storage
  max_allocated_storage = var.mysql_allocated_storage * 5
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.data.arn

  db_subnet_group_name   = aws_db_subnet_group.mysql.name
  vpc_security_group_ids = [aws_security_group.datastore["mysql"].id]
  parameter_group_name   = aws_db_parameter_group.mysql.name
  publicly_accessible    = false
  multi_az               = var.mysql_multi_az

  backup_retention_period    = var.backup_retention_days
  backup_window              = "02:00-03:00"
  maintenance_window         = "sun:03:30-sun:04:30"
  copy_tags_to_snapshot      = true
  auto_minor_version_upgrade = true
  deletion_protection        = var.deletion_protection
  skip_final_snapshot        = false
  final_snapshot_identifier  = "${var.name}-flights-final"

  enabled_cloudwatch_logs_exports     = ["error", "slowquery"]
  iam_database_authentication_enabled = true
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = aws_kms_key.data.arn
  monitoring_interval                 = 60
  monitoring_role_arn                 = aws_iam_role.rds_monitoring.arn

  tags = var.tags
}

# RDS rotates the managed password itself (managed rotation: no Lambda). A rotation changes
# the password at once: the flights-database Secret must follow and the flights pods restart
# to pick it up (docs/deploy.md, "Secrets for the services").
resource "aws_secretsmanager_secret_rotation" "mysql" {
  secret_id = aws_db_instance.mysql.master_user_secret[0].secret_arn

  rotation_rules {
    automatically_after_days = var.mysql_password_rotation_days
  }
}

# --- reservations: ElastiCache Redis with TLS and AUTH -----------------------------------

# The AUTH token. ElastiCache cannot keep it out of the Terraform state (the replication
# group's auth_token is stored there whatever its source), so Terraform generates it instead of
# a person or the pipeline: it then exists only in the state (encrypted, private bucket), on
# ElastiCache and in the redis-url secret below. Alphanumeric, so that it needs no escaping in
# a URL and avoids the characters ElastiCache refuses (@, ", /). Rotate: terraform apply
# -replace=module.databases.random_password.redis_auth_token. ROTATE keeps the previous token
# valid besides the new one, so the reservations pods can follow; after a leak use SET.
resource "random_password" "redis_auth_token" {
  length  = 64
  special = false
}

resource "aws_elasticache_subnet_group" "redis" {
  name       = "${var.name}-redis"
  subnet_ids = var.private_subnet_ids
  tags       = var.tags
}

resource "aws_elasticache_replication_group" "redis" {
  replication_group_id = "${var.name}-reservations"
  description          = "reservations store for ${var.name}"
  engine               = "redis"
  engine_version       = "7.1"
  node_type            = var.redis_node_type
  port                 = local.datastores.redis.port

  num_cache_clusters         = var.redis_replicas + 1
  automatic_failover_enabled = var.redis_replicas > 0
  multi_az_enabled           = var.redis_replicas > 0

  subnet_group_name  = aws_elasticache_subnet_group.redis.name
  security_group_ids = [aws_security_group.datastore["redis"].id]

  at_rest_encryption_enabled = true
  kms_key_id                 = aws_kms_key.data.arn
  transit_encryption_enabled = true
  auth_token                 = random_password.redis_auth_token.result
  auth_token_update_strategy = "ROTATE"

  snapshot_retention_limit   = var.backup_retention_days
  auto_minor_version_upgrade = true

  tags = var.tags
}

# The complete RESERVATIONS_REDIS_URL (rediss://: TLS; the token as the password) for the
# reservations-redis Secret. Its value is in the state too (see the AUTH token above).
resource "aws_secretsmanager_secret" "redis_url" {
  name        = "${var.name}/reservations/redis-url"
  description = "RESERVATIONS_REDIS_URL of ${var.name} (rediss:// with the AUTH token)"
  kms_key_id  = aws_kms_key.data.arn
  # Throwaway environments free the name at once so that they can be recreated.
  recovery_window_in_days = var.deletion_protection ? 30 : 0
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "redis_url" {
  secret_id     = aws_secretsmanager_secret.redis_url.id
  secret_string = "rediss://:${random_password.redis_auth_token.result}@${aws_elasticache_replication_group.redis.primary_endpoint_address}:${aws_elasticache_replication_group.redis.port}/0"
}

# --- who may read the credentials ----------------------------------------------------------

# For the role of whatever copies the two secrets into Kubernetes (External Secrets Operator,
# or an operator's own role): read those two secrets and decrypt them, nothing else.
data "aws_iam_policy_document" "read_credentials" {
  statement {
    sid     = "ReadServiceCredentials"
    actions = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
    resources = [
      aws_db_instance.mysql.master_user_secret[0].secret_arn,
      aws_secretsmanager_secret.redis_url.arn,
    ]
  }
  statement {
    sid       = "DecryptThem"
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.data.arn]
  }
}
