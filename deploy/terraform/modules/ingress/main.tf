# Traefik as the ingress controller (ingress class "traefik"), behind an internet-facing AWS
# Network Load Balancer. Plain HTTP redirects to HTTPS.

resource "helm_release" "traefik" {
  name             = "traefik"
  repository       = "https://traefik.github.io/charts"
  chart            = "traefik"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true

  values = [yamlencode({
    deployment = { replicas = var.replicas }
    ingressClass = {
      enabled        = true
      isDefaultClass = false
      name           = "traefik"
    }
    ports = {
      web = {
        redirections = {
          entryPoint = { to = "websecure", scheme = "https", permanent = true }
        }
      }
    }
    service = {
      annotations = {
        "service.beta.kubernetes.io/aws-load-balancer-type"   = "nlb"
        "service.beta.kubernetes.io/aws-load-balancer-scheme" = "internet-facing"
      }
    }
  })]
}
