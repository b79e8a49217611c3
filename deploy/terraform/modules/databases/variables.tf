variable "name" {
  description = "Name prefix of every resource (e.g. flightres-staging)."
  type        = string
}

variable "vpc_id" {
  description = "ID of the VPC the databases run in."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for RDS and ElastiCache (never public)."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "Security group of the EKS nodes: the only one admitted to MySQL and Redis."
  type        = string
}

variable "mysql_instance_class" {
  description = "RDS instance class of the flights database."
  type        = string
  default     = "db.t4g.medium"
}

variable "mysql_allocated_storage" {
  description = "Allocated storage of the flights database, in GiB."
  type        = number
  default     = 20
}

variable "mysql_multi_az" {
  description = "Run the flights database with a standby in the second zone."
  type        = bool
  default     = true
}

variable "mysql_database" {
  description = "Name of the flights schema."
  type        = string
  default     = "flights"
}

variable "mysql_username" {
  description = "Master user of the flights database (the service connects as this user)."
  type        = string
  default     = "flights"
}

variable "mysql_password" {
  description = "Master password of the flights database. Pass it as TF_VAR_mysql_password; never commit it."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.mysql_password) >= 16
    error_message = "Use a password of at least 16 characters."
  }
}

variable "backup_retention_days" {
  description = "Days RDS keeps automated backups."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Refuse to destroy the flights database (turn off only for throwaway environments)."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache node type of the reservations store."
  type        = string
  default     = "cache.t4g.small"
}

variable "redis_replicas" {
  description = "Read replicas besides the primary (1 or more enables automatic failover across zones)."
  type        = number
  default     = 1
}

variable "redis_auth_token" {
  description = "AUTH token of the reservations Redis (TLS only). Pass it as TF_VAR_redis_auth_token; never commit it."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.redis_auth_token) >= 16 && length(var.redis_auth_token) <= 128
    error_message = "ElastiCache needs an AUTH token of 16 to 128 characters."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
