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

variable "mysql_password_rotation_days" {
  description = "Days between rotations of the RDS-managed master password (each needs the flights-database Secret refreshed and the flights pods restarted)."
  type        = number
  default     = 30

  validation {
    condition     = var.mysql_password_rotation_days >= 1 && var.mysql_password_rotation_days <= 90
    error_message = "Rotate the master password every 1 to 90 days."
  }
}

variable "backup_retention_days" {
  description = "Days RDS keeps automated backups."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Refuse to destroy the flights database and keep deleted credential secrets recoverable for 30 days (turn off only for throwaway environments)."
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

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
