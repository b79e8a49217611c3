{{/*
Schema migrations as a Helm hook: runs to completion before the release's resources are
installed or upgraded (Argo CD maps these hooks to PreSync). It runs before this release's
ConfigMap and ServiceAccount exist on a first install, so it carries its settings inline and
uses the namespace's default ServiceAccount without a token. The image's ENTRYPOINT is the
service PEX, so `args` is the subcommand (e.g. ["migrate"]).
*/}}
{{- define "service-lib.migrationjob" -}}
{{- if .Values.migrations.enabled -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "service-lib.fullname" . }}-migrate
  labels:
    {{- include "service-lib.labels" . | nindent 4 }}
    app.kubernetes.io/component: migrate
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: "0"
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: {{ .Values.migrations.backoffLimit }}
  activeDeadlineSeconds: {{ .Values.migrations.activeDeadlineSeconds }}
  ttlSecondsAfterFinished: 3600
  template:
    metadata:
      labels:
        {{- include "service-lib.labels" . | nindent 8 }}
        app.kubernetes.io/component: migrate
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext:
        {{- include "service-lib.podSecurityContext" . | nindent 8 }}
      containers:
        - name: migrate
          image: {{ include "service-lib.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args:
            {{- toYaml .Values.migrations.args | nindent 12 }}
          env:
            {{- include "service-lib.env" . | nindent 12 }}
            {{- include "service-lib.configEnv" . | nindent 12 }}
          resources:
            {{- toYaml .Values.migrations.resources | nindent 12 }}
          securityContext:
            {{- include "service-lib.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        {{- include "service-lib.tmpVolume" . | nindent 8 }}
{{- end -}}
{{- end -}}
