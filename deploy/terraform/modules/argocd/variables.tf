variable "chart_version" {
  description = "Version of the argo-cd Helm chart (argo-helm)."
  type        = string
  default     = "7.7.11"
}

variable "namespace" {
  description = "Namespace Argo CD is installed in; deploy/argocd's manifests expect argocd."
  type        = string
  default     = "argocd"
}

variable "repository_url" {
  description = "Git URL of this monorepo, registered with Argo CD (deploy/argocd uses the same placeholder)."
  type        = string
}
