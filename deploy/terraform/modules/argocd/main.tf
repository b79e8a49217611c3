# Argo CD, which then syncs deploy/argocd's Applications from this repository.

resource "helm_release" "argocd" {
  name             = "argocd"
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = var.chart_version
  namespace        = var.namespace
  create_namespace = true
  atomic           = true
  timeout          = 900

  values = [yamlencode({
    configs = {
      params = {
        # TLS ends at Traefik if the UI is ever exposed; port-forward otherwise.
        "server.insecure" = false
      }
      repositories = {
        flightres = {
          type = "git"
          url  = var.repository_url
        }
      }
    }
    dex = { enabled = false }
  })]
}
