output "cluster_name" {
  description = "EKS cluster name (aws eks update-kubeconfig --name <this>)."
  value       = module.kubernetes.cluster_name
}

output "kubeconfig" {
  description = "kubeconfig of the cluster; authenticates through the AWS CLI."
  value       = module.kubernetes.kubeconfig
}

output "private_subnet_cidrs" {
  description = "Private subnet CIDRs: the databases' ipBlocks in deploy/helm/*/values-<env>.yaml."
  value       = module.network.private_subnet_cidrs
}

output "mysql_endpoint" {
  description = "host:port of the flights database, for the flights-database Secret."
  value       = module.databases.mysql_endpoint
}

output "redis_primary_endpoint" {
  description = "Host of the reservations Redis, for the reservations-redis Secret (rediss://, port 6379)."
  value       = module.databases.redis_primary_endpoint
}

# The services' credentials: Secrets Manager secrets, named here by ARN (not secret). Their
# values fill the Kubernetes Secrets that the charts reference (secretEnv.existingSecret):
#   flights-database/database-url  <- mysql://<username>:<password>@<mysql_endpoint>/<database>,
#                                     username and password from mysql_master_user_secret_arn
#   reservations-redis/redis-url   <- the value of redis_url_secret_arn, as it is

output "mysql_master_user_secret_arn" {
  description = "RDS-managed secret with the flights database's username and password (JSON): for the flights-database Secret."
  value       = module.databases.mysql_master_user_secret_arn
}

output "redis_url_secret_arn" {
  description = "Secret holding the complete RESERVATIONS_REDIS_URL: the reservations-redis Secret's redis-url."
  value       = module.databases.redis_url_secret_arn
}

output "credentials_read_policy_json" {
  description = "IAM policy that reads and decrypts exactly those two secrets (attach it to the role that fills the Kubernetes Secrets)."
  value       = module.databases.credentials_read_policy_json
}

# Customer identity: the api chart's config in deploy/helm/api/values-<env>.yaml. Not secret.

output "auth_issuer" {
  description = "AUTH_ISSUER of the api chart: the Cognito user pool's issuer URL (the tokens' iss)."
  value       = module.identity.issuer_url
}

output "auth_jwks_url" {
  description = "AUTH_JWKS_URL of the api chart: the user pool's signing keys."
  value       = module.identity.jwks_url
}

output "auth_audience" {
  description = "AUTH_AUDIENCE of the api chart: the web app client's id."
  value       = module.identity.client_id
}

output "auth_audience_claim" {
  description = "AUTH_AUDIENCE_CLAIM of the api chart: client_id (Cognito access tokens carry no aud)."
  value       = module.identity.audience_claim
}

output "auth_hosted_domain_url" {
  description = "Base URL of the hosted sign-in pages and OAuth2 endpoints, for the web client."
  value       = module.identity.hosted_domain_url
}
