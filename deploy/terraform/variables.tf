# Set per environment in environments/<name>.tfvars: an environment differs from another only there.

variable "environment" {
  description = "Name of the environment: flightres-<environment> names its resources."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the environment's VPC (the charts' values-<env>.yaml allow egress to its private subnets)."
  type        = string
}

variable "single_nat_gateway" {
  description = "One NAT gateway for both zones (cheaper) instead of one per zone."
  type        = bool
}

variable "node_group" {
  description = "The EKS managed node group: its EC2 instance types and its fewest, starting and most nodes."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
  })
}

variable "mysql_instance_class" {
  description = "RDS instance class of the flights database."
  type        = string
}

variable "mysql_multi_az" {
  description = "Run the flights database Multi-AZ (a standby in the other zone)."
  type        = bool
}

variable "deletion_protection" {
  description = "Protect the flights database and the customer user pool from deletion."
  type        = bool
}

variable "redis_node_type" {
  description = "ElastiCache node type of the reservations Redis."
  type        = string
}

variable "redis_replicas" {
  description = "Redis replicas besides the primary (0: no replica, no failover)."
  type        = number
}

variable "auth_callback_urls" {
  description = "Where the customer-facing web client receives the authorization code after sign-in (the Cognito app client's callback URLs)."
  type        = list(string)
}

variable "auth_logout_urls" {
  description = "Where the hosted sign-in pages may send customers after signing out."
  type        = list(string)
}

# The same in every environment unless its .tfvars says otherwise.

variable "region" {
  description = "AWS region of the environment (the S3 backend's region is set in versions.tf)."
  type        = string
  default     = "eu-west-1"
}

variable "availability_zones" {
  description = "The two availability zones the environment spans."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b"]
}

# From the pipeline (TF_VAR_<name>, docs/deploy.md): never in a .tfvars file in Git.

variable "admin_cidrs" {
  description = "CIDR blocks allowed to reach the Kubernetes API endpoint (operators' and CI's addresses)."
  type        = list(string)
}

variable "repository_url" {
  description = "Git URL of this monorepo, as Argo CD reaches it (same value as repoURL in deploy/argocd)."
  type        = string
}

# No database credential comes from the pipeline: RDS manages the MySQL master password and
# Terraform generates the Redis AUTH token (modules/databases), both kept in Secrets Manager.
