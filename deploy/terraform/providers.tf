provider "aws" {
  region = var.region

  default_tags {
    tags = {
      project     = "flightres"
      environment = var.environment
      managed-by  = "terraform"
    }
  }
}

# Talks to the cluster this configuration creates, with a token from the AWS CLI (nothing stored).
provider "helm" {
  kubernetes {
    host                   = module.kubernetes.cluster_endpoint
    cluster_ca_certificate = module.kubernetes.cluster_ca_certificate
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.kubernetes.cluster_name, "--region", var.region]
    }
  }
}
