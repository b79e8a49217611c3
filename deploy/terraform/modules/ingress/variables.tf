variable "chart_version" {
  description = "Version of the traefik Helm chart."
  type        = string
  default     = "33.2.1"
}

variable "namespace" {
  description = "Namespace Traefik runs in; the api chart's NetworkPolicy admits traffic from it."
  type        = string
  default     = "traefik"
}

variable "replicas" {
  description = "Traefik replicas (one per zone is enough)."
  type        = number
  default     = 2
}
