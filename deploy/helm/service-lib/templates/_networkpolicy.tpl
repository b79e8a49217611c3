{{/*
One NetworkPolicy per service, selecting all of its pods (server and hook Job): ingress only to
the HTTP port and only from the listed clients and the metrics scraper; egress only to DNS and
to the listed destinations (the service's own datastore, or for the API layer its upstreams).
Everything else is denied because the policy names both directions.
*/}}
{{- define "service-lib.networkpolicy" -}}
{{- if .Values.networkPolicy.enabled -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "service-lib.fullname" . }}
  labels:
    {{- include "service-lib.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "service-lib.selectorLabels" . | nindent 6 }}
  policyTypes: ["Ingress", "Egress"]
  ingress:
    - from:
        {{- with .Values.networkPolicy.allowedClients }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with .Values.networkPolicy.metricsScraper }}
        - {{- toYaml . | nindent 10 }}
        {{- end }}
      ports:
        - port: http
          protocol: TCP
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: {{ .Values.networkPolicy.dns.namespace }}
          podSelector:
            matchLabels:
              {{- toYaml .Values.networkPolicy.dns.podLabels | nindent 14 }}
      ports:
        - port: 53
          protocol: UDP
        - port: 53
          protocol: TCP
    {{- with .Values.networkPolicy.egress }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}
{{- end -}}
