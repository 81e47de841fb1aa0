{{/* The release's full name, at most 63 characters. */}}
{{- define "keyvault-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "keyvault-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keyvault-operator.labels" -}}
{{ include "keyvault-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "keyvault-operator.serviceAccountName" -}}
{{- default (include "keyvault-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "keyvault-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The emulator's image: keyvault.image.repository:tag (tag default: the chart's appVersion), or
     the string form "repository:tag" of earlier versions of the chart. */}}
{{- define "keyvault-operator.emulatorImage" -}}
{{- $image := .Values.keyvault.image -}}
{{- if kindIs "string" $image -}}
{{- $image -}}
{{- else -}}
{{- if and (contains "azure-keyvault-emulator" $image.repository) (not $image.tag) -}}
{{- fail (printf "keyvault.image.tag is required with %s: that image has no tag %s (this chart's appVersion); never use latest" $image.repository .Chart.AppVersion) -}}
{{- end -}}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Whether the emulator image is jamesgoulddev/azure-keyvault-emulator (a PFX, no flags). */}}
{{- define "keyvault-operator.emulatorIsThirdParty" -}}
{{- if contains "azure-keyvault-emulator" (include "keyvault-operator.emulatorImage" .) }}true{{ end -}}
{{- end -}}

{{/* The emulator's Service, Deployment and TLS Secret share this name. */}}
{{- define "keyvault-operator.emulatorName" -}}
{{- printf "%s-keyvault" (include "keyvault-operator.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "keyvault-operator.emulatorTLSSecret" -}}
{{- default (include "keyvault-operator.emulatorName" .) .Values.keyvault.tls.existingSecret -}}
{{- end -}}

{{/* Whether the operator talks to the in-cluster emulator. */}}
{{- define "keyvault-operator.usesEmulator" -}}
{{- if and .Values.keyvault.enabled (not .Values.vault.url) }}true{{ end -}}
{{- end -}}

{{/* The emulator's base URL, by its Service name (its certificate names it). */}}
{{- define "keyvault-operator.emulatorURL" -}}
{{- printf "https://%s.%s.svc:4997" (include "keyvault-operator.emulatorName" .) .Release.Namespace -}}
{{- end -}}

{{/* KEYVAULT_URL. Without the emulator, vault.url is required and https: the schema says so, and
     this says it again for engines that skip the schema's if/else. */}}
{{- define "keyvault-operator.vaultURL" -}}
{{- if include "keyvault-operator.usesEmulator" . -}}
{{- include "keyvault-operator.emulatorURL" . -}}
{{- else if not .Values.keyvault.enabled -}}
{{- $url := required "vault.url is required: set it to your Key Vault's URL (https://NAME.vault.azure.net), or set keyvault.enabled=true to deploy the development emulator" .Values.vault.url -}}
{{- if not (hasPrefix "https://" $url) -}}
{{- fail (printf "vault.url must be an https:// URL, not %s" $url) -}}
{{- end -}}
{{- $url -}}
{{- else -}}
{{- .Values.vault.url -}}
{{- end -}}
{{- end -}}

{{/* The Secret with what the chart generates: needed unless every part comes from elsewhere. */}}
{{- define "keyvault-operator.generatesCacheKey" -}}
{{- if and .Values.cache.encryption.enabled (not .Values.cache.encryption.existingSecret) }}true{{ end -}}
{{- end -}}

{{/* A REDIS_URL from an existing Secret carries the password, so none is generated then. */}}
{{- define "keyvault-operator.generatesRedisPassword" -}}
{{- if and .Values.redis.auth (not .Values.redis.existingSecret) (not .Values.redis.existingUrlSecret) }}true{{ end -}}
{{- end -}}

{{/* Where the Redis TLS Secrets are mounted in the operator container. */}}
{{- define "keyvault-operator.redisCADir" -}}/etc/keyvault-operator/redis-tls/ca{{- end -}}
{{- define "keyvault-operator.redisClientDir" -}}/etc/keyvault-operator/redis-tls/client{{- end -}}

{{/* Exactly the API calls the reconciler makes in a watched namespace. */}}
{{- define "keyvault-operator.rules" -}}
- apiGroups: [integrations.keyvault.dev]
  resources: [userintegrations]
  verbs: [get, list, watch, patch]
- apiGroups: [integrations.keyvault.dev]
  resources: [userintegrations/status]
  verbs: [patch]
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, list, watch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
