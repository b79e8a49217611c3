output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "HTTPS endpoint of the Kubernetes API."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_ca_certificate" {
  description = "PEM CA certificate of the Kubernetes API."
  value       = base64decode(aws_eks_cluster.this.certificate_authority[0].data)
}

output "cluster_security_group_id" {
  description = "Security group EKS attaches to the control plane and the managed nodes; the databases admit it."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "kubeconfig" {
  description = "A kubeconfig for this cluster that authenticates with `aws eks get-token` (no credential inside)."
  value = yamlencode({
    apiVersion      = "v1"
    kind            = "Config"
    current-context = var.name
    clusters = [{
      name = var.name
      cluster = {
        server                     = aws_eks_cluster.this.endpoint
        certificate-authority-data = aws_eks_cluster.this.certificate_authority[0].data
      }
    }]
    contexts = [{
      name    = var.name
      context = { cluster = var.name, user = var.name }
    }]
    users = [{
      name = var.name
      user = {
        exec = {
          apiVersion = "client.authentication.k8s.io/v1beta1"
          command    = "aws"
          args       = ["eks", "get-token", "--cluster-name", var.name]
        }
      }
    }]
  })
}
