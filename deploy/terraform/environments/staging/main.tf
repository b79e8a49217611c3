# The staging environment: network, EKS, databases, Traefik and Argo CD. Argo CD then deploys
# the services from deploy/argocd (docs/deploy.md).

locals {
  name = "flightres-staging"
}

module "network" {
  source = "../../modules/network"

  name               = local.name
  vpc_cidr           = "10.20.0.0/16"
  availability_zones = var.availability_zones
  single_nat_gateway = false
}

module "kubernetes" {
  source = "../../modules/kubernetes"

  name                = local.name
  kubernetes_version  = "1.31"
  vpc_id              = module.network.vpc_id
  private_subnet_ids  = module.network.private_subnet_ids
  public_access_cidrs = var.admin_cidrs
  node_instance_types = ["t3.large"]
  node_min_size       = 2
  node_desired_size   = 2
  node_max_size       = 4
}

module "databases" {
  source = "../../modules/databases"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  private_subnet_ids       = module.network.private_subnet_ids
  client_security_group_id = module.kubernetes.cluster_security_group_id
  mysql_instance_class     = "db.t4g.medium"
  mysql_multi_az           = true
  mysql_password           = var.mysql_password
  deletion_protection      = true
  redis_node_type          = "cache.t4g.small"
  redis_replicas           = 1
  redis_auth_token         = var.redis_auth_token
}

module "ingress" {
  source = "../../modules/ingress"

  depends_on = [module.kubernetes]
}

module "argocd" {
  source = "../../modules/argocd"

  repository_url = var.repository_url

  depends_on = [module.kubernetes]
}
