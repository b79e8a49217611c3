output "namespace" {
  description = "Namespace Traefik runs in."
  value       = helm_release.traefik.namespace
}

output "ingress_class" {
  description = "Ingress class served by Traefik (the api chart's ingress.className)."
  value       = "traefik"
}
