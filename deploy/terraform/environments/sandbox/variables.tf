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

variable "admin_cidrs" {
  description = "CIDR blocks allowed to reach the Kubernetes API endpoint (operators' and CI's addresses)."
  type        = list(string)
}

variable "repository_url" {
  description = "Git URL of this monorepo, as Argo CD reaches it (same value as repoURL in deploy/argocd)."
  type        = string
}

variable "mysql_password" {
  description = "Master password of the flights database: TF_VAR_mysql_password from the pipeline's secret store."
  type        = string
  sensitive   = true
}

variable "redis_auth_token" {
  description = "AUTH token of the reservations Redis: TF_VAR_redis_auth_token from the pipeline's secret store."
  type        = string
  sensitive   = true
}
