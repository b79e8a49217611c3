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
