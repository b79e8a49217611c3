# One environment (environments/<name>.tfvars): network, EKS, databases, customer identity
# (Cognito), Traefik and Argo CD. Argo CD then deploys the services from deploy/argocd
# (docs/deploy.md).

locals {
  name = "flightres-${var.environment}"
}

module "network" {
  source = "./modules/network"

  name               = local.name
  vpc_cidr           = var.vpc_cidr
  availability_zones = var.availability_zones
  single_nat_gateway = var.single_nat_gateway
}

module "kubernetes" {
  source = "./modules/kubernetes"

  name                = local.name
  kubernetes_version  = "1.31"
  private_subnet_ids  = module.network.private_subnet_ids
  public_access_cidrs = var.admin_cidrs
  node_group          = var.node_group
}

module "databases" {
  source = "./modules/databases"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  private_subnet_ids       = module.network.private_subnet_ids
  client_security_group_id = module.kubernetes.cluster_security_group_id
  mysql_instance_class     = var.mysql_instance_class
  mysql_multi_az           = var.mysql_multi_az
  deletion_protection      = var.deletion_protection
  redis_node_type          = var.redis_node_type
  redis_replicas           = var.redis_replicas
}

# The customers' user pool: its issuer and app client are the api chart's AUTH_* settings.
module "identity" {
  source = "./modules/identity"

  name                = local.name
  callback_urls       = var.auth_callback_urls
  logout_urls         = var.auth_logout_urls
  deletion_protection = var.deletion_protection
}

module "ingress" {
  source = "./modules/ingress"

  depends_on = [module.kubernetes]
}

module "argocd" {
  source = "./modules/argocd"

  repository_url = var.repository_url

  depends_on = [module.kubernetes]
}
