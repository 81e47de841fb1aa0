{{/* One operator process's Deployment: the main one (shard "") or a shard's. Each watches the
     UserIntegrations its label selector matches and campaigns for a Lease of its own. */}}
{{- define "keyvault-operator.deployment" -}}
{{- $root := .context }}
{{- $shard := .shard }}
{{- with $root }}
{{- $fullname := include "keyvault-operator.fullname" . }}
{{- /* The CA to trust: the emulator's, or the one configured. */}}
{{- $ca := dict "name" .Values.vault.ca.existingSecret "key" .Values.vault.ca.existingSecretKey }}
{{- if include "keyvault-operator.usesEmulator" . }}
{{- $ca = dict "name" (include "keyvault-operator.emulatorTLSSecret" .) "key" "ca.crt" }}
{{- end }}
{{- /* Redis TLS: the Secrets are mounted (and REDIS_TLS etc. set) only while TLS is enabled, since
       the operator refuses a TLS setting while TLS is off. */}}
{{- $redisTLS := .Values.redis.tls }}
{{- $redisCA := and $redisTLS.enabled $redisTLS.caSecret }}
{{- $redisClient := and $redisTLS.enabled $redisTLS.clientCertSecret }}
{{- if and .Values.redis.existingUrlSecret .Values.redis.existingSecret }}
{{- fail "redis.existingSecret and redis.existingUrlSecret exclude each other: REDIS_URL wins over REDIS_PASSWORD, so put the password in the URL" }}
{{- end }}
{{- $selector := include "keyvault-operator.processSelector" (dict "context" . "shard" $shard) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "keyvault-operator.processName" (dict "context" . "shard" $shard) }}
  namespace: {{ .Release.Namespace }}
  labels:
    {{- include "keyvault-operator.labels" . | nindent 4 }}
    app.kubernetes.io/component: {{ if $shard }}operator-shard{{ else }}operator{{ end }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  template:
    metadata:
      labels:
        {{- $selector | nindent 8 }}
        integrations.keyvault.dev/operator: "true"
        {{- if .Values.azure.workloadIdentity }}
        azure.workload.identity/use: "true"
        {{- end }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- $checksums := include "keyvault-operator.checksums" (dict "context" . "emulator" false) | trim }}
      {{- if or $checksums .Values.podAnnotations }}
      annotations:
        {{- with $checksums }}
        {{- . | nindent 8 }}
        {{- end }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "keyvault-operator.serviceAccountName" . }}
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      containers:
        - name: operator
          image: {{ include "keyvault-operator.image" . }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args:
            - run
            - --leader-elect
            - --leader-election-namespace={{ .Release.Namespace }}
            - --leader-election-id={{ include "keyvault-operator.processName" (dict "context" . "shard" $shard) }}
            {{- /* The release's own selector (watchLabelSelector), narrowed to the process's shard. */}}
            {{- $selectors := compact (list $root.Values.watchLabelSelector) }}
            {{- if $shard }}
            {{- $selectors = append $selectors (printf "integrations.keyvault.dev/shard=%s" $shard) }}
            {{- else if $root.Values.shards }}
            {{- $selectors = append $selectors (printf "integrations.keyvault.dev/shard notin (%s)" (join "," $root.Values.shards)) }}
            {{- end }}
            {{- with $selectors }}
            - --watch-label-selector={{ join "," . }}
            {{- end }}
            - --concurrency={{ .Values.concurrency }}
            {{- /* The release's budget against its vault, shared by the main process and its shards. */}}
            {{- $processes := add 1 (len .Values.shards) }}
            {{- if lt (int .Values.vaultRateLimit) $processes }}
            {{- fail (printf "vaultRateLimit %v is below one vault call a second for each of the %d processes (the main one and its shards)" .Values.vaultRateLimit $processes) }}
            {{- end }}
            - --vault-rate-limit={{ div (int .Values.vaultRateLimit) $processes }}
            - --resync-period={{ .Values.resyncPeriod }}
            - --expiry-warning={{ .Values.expiryWarning }}
            - --log-level={{ .Values.logLevel }}
            - --health-addr=:{{ .Values.healthPort }}
            - --metrics-addr=:{{ .Values.metrics.port }}
            - --user-binding={{ .Values.tenancy.userBinding }}
            {{- if .Values.tenancy.requireSecretLabel }}
            - --require-secret-label
            {{- end }}
            {{- range .Values.watchNamespaces }}
            - --namespace={{ . }}
            {{- end }}
            {{- range .Values.extraArgs }}
            {{- include "keyvault-operator.checkExtraArg" . }}
            {{- if and (or $root.Values.shards $root.Values.watchLabelSelector) (hasPrefix "--watch-label-selector" (toString .)) }}
            {{- fail "extraArgs: the chart sets --watch-label-selector: set watchLabelSelector (and shards)" }}
            {{- end }}
            - {{ . | quote }}
            {{- end }}
          env:
            - name: POD_NAME
              valueFrom:
                fieldRef: {fieldPath: metadata.name}
            - name: KEYVAULT_URL
              value: {{ include "keyvault-operator.vaultURL" . | quote }}
            - name: KEYVAULT_TIMEOUT
              value: {{ .Values.vault.timeout | quote }}
            {{- if .Values.vault.tlsSkipVerify }}
            - name: KEYVAULT_TLS_SKIP_VERIFY
              value: "true"
            {{- end }}
            {{- if $ca.name }}
            - name: KEYVAULT_CA_FILE
              value: /etc/keyvault-ca/ca.crt
            {{- end }}
            - name: KEYVAULT_CACHE_TTL
              value: {{ .Values.cache.ttl | quote }}
            - name: KEYVAULT_CACHE_PREFIX
              value: {{ .Values.cache.prefix | quote }}
            {{- if .Values.cache.encryption.enabled }}
            - name: KEYVAULT_CACHE_ENCRYPTION_KEY
              valueFrom:
                secretKeyRef:
                  name: {{ default $fullname .Values.cache.encryption.existingSecret }}
                  key: {{ if .Values.cache.encryption.existingSecret }}{{ .Values.cache.encryption.existingSecretKey }}{{ else }}cache-encryption-key{{ end }}
            {{- with .Values.cache.encryption.previousKeysSecret }}
            - name: KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS
              valueFrom:
                secretKeyRef:
                  name: {{ . }}
                  key: {{ $root.Values.cache.encryption.previousKeysSecretKey }}
            {{- end }}
            {{- end }}
            {{- if .Values.redis.existingUrlSecret }}
            {{- /* REDIS_URL wins over REDIS_HOST, REDIS_PORT, REDIS_DB and REDIS_PASSWORD: none is set. */}}
            - name: REDIS_URL
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.redis.existingUrlSecret }}
                  key: {{ .Values.redis.existingUrlSecretKey }}
            {{- else }}
            - name: REDIS_HOST
              value: {{ .Values.redis.host | quote }}
            - name: REDIS_PORT
              value: {{ .Values.redis.port | quote }}
            - name: REDIS_DB
              value: {{ .Values.redis.db | quote }}
            {{- end }}
            {{- with .Values.redis.username }}
            - name: REDIS_USERNAME
              value: {{ . | quote }}
            {{- end }}
            {{- if and .Values.redis.auth (not .Values.redis.existingUrlSecret) }}
            - name: REDIS_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ default $fullname .Values.redis.existingSecret }}
                  key: {{ if .Values.redis.existingSecret }}{{ .Values.redis.existingSecretKey }}{{ else }}redis-password{{ end }}
            {{- end }}
            {{- if .Values.redis.cluster }}
            - name: REDIS_CLUSTER
              value: "true"
            {{- end }}
            {{- if $redisTLS.enabled }}
            - name: REDIS_TLS
              value: "true"
            {{- if $redisCA }}
            - name: REDIS_CA_FILE
              value: {{ printf "%s/%s" (include "keyvault-operator.redisCADir" .) $redisTLS.caSecretKey | quote }}
            {{- end }}
            {{- if $redisClient }}
            - name: REDIS_CERT_FILE
              value: {{ printf "%s/tls.crt" (include "keyvault-operator.redisClientDir" .) | quote }}
            - name: REDIS_KEY_FILE
              value: {{ printf "%s/tls.key" (include "keyvault-operator.redisClientDir" .) | quote }}
            {{- end }}
            {{- with $redisTLS.serverName }}
            - name: REDIS_TLS_SERVER_NAME
              value: {{ . | quote }}
            {{- end }}
            {{- if $redisTLS.skipVerify }}
            - name: REDIS_TLS_SKIP_VERIFY
              value: "true"
            {{- end }}
            {{- end }}
            {{- $managed := .Values.azure.managedIdentity }}
            {{- if and $managed.enabled (or .Values.azure.workloadIdentity .Values.azure.clientSecret.existingSecret) }}
            {{- fail "azure.managedIdentity.enabled excludes azure.workloadIdentity and azure.clientSecret: choose one credential" }}
            {{- end }}
            {{- if include "keyvault-operator.emulatorCredential" . }}
            {{- /* The emulator's client credentials; the identity client trusts only the system
                   roots or SSL_CERT_FILE, so that is the emulator's CA, mounted for KEYVAULT_CA_FILE. */}}
            - name: AZURE_TENANT_ID
              value: {{ include "keyvault-operator.emulatorTenant" . | quote }}
            - name: AZURE_CLIENT_ID
              value: keyvault-operator
            - name: AZURE_CLIENT_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ include "keyvault-operator.emulatorAuthSecret" . }}
                  key: {{ include "keyvault-operator.emulatorAuthSecretKey" . }}
            - name: AZURE_AUTHORITY_HOST
              value: {{ include "keyvault-operator.emulatorURL" . | quote }}
            - name: SSL_CERT_FILE
              value: /etc/keyvault-ca/ca.crt
            {{- else }}
            {{- with .Values.azure.tenantId }}
            - name: AZURE_TENANT_ID
              value: {{ . | quote }}
            {{- end }}
            {{- with (and $managed.enabled $managed.clientId) | default .Values.azure.clientId }}
            - name: AZURE_CLIENT_ID
              value: {{ . | quote }}
            {{- end }}
            {{- if $managed.enabled }}
            - name: AZURE_POD_IDENTITY_AUTHORITY_HOST
              value: {{ $managed.imdsHost | quote }}
            {{- end }}
            {{- with .Values.azure.authorityHost }}
            - name: AZURE_AUTHORITY_HOST
              value: {{ . | quote }}
            {{- end }}
            {{- end }}
            {{- with .Values.azure.clientSecret.existingSecret }}
            - name: AZURE_CLIENT_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ . }}
                  key: {{ $root.Values.azure.clientSecret.existingSecretKey }}
            {{- end }}
            {{- with .Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - name: metrics
              containerPort: {{ .Values.metrics.port }}
              protocol: TCP
            - name: health
              containerPort: {{ .Values.healthPort }}
              protocol: TCP
          readinessProbe:
            httpGet: {path: /readyz, port: health}
            periodSeconds: 10
            timeoutSeconds: 5
          livenessProbe:
            httpGet: {path: /healthz, port: health}
            initialDelaySeconds: 5
            periodSeconds: 20
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          {{- if or $ca.name $redisCA $redisClient }}
          volumeMounts:
            {{- if $ca.name }}
            - name: keyvault-ca
              mountPath: /etc/keyvault-ca
              readOnly: true
            {{- end }}
            {{- if $redisCA }}
            - name: redis-tls-ca
              mountPath: {{ include "keyvault-operator.redisCADir" . }}
              readOnly: true
            {{- end }}
            {{- if $redisClient }}
            - name: redis-tls-client
              mountPath: {{ include "keyvault-operator.redisClientDir" . }}
              readOnly: true
            {{- end }}
          {{- end }}
      {{- if or $ca.name $redisCA $redisClient }}
      volumes:
        {{- if $ca.name }}
        - name: keyvault-ca
          secret:
            secretName: {{ $ca.name }}
            items:
              - {key: {{ $ca.key }}, path: ca.crt}
        {{- end }}
        {{- if $redisCA }}
        - name: redis-tls-ca
          secret:
            secretName: {{ $redisTLS.caSecret }}
            items:
              - {key: {{ $redisTLS.caSecretKey | quote }}, path: {{ $redisTLS.caSecretKey | quote }}}
        {{- end }}
        {{- if $redisClient }}
        - name: redis-tls-client
          secret:
            secretName: {{ $redisTLS.clientCertSecret }}
            items:
              - {key: tls.crt, path: tls.crt}
              - {key: tls.key, path: tls.key}
        {{- end }}
      {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.topologySpreadConstraints }}
      {{- /* A constraint without labelSelector spreads the operator's own pods. */}}
      {{- $spread := dict "matchLabels" ($selector | fromYaml) }}
      {{- $constraints := list }}
      {{- range . }}
      {{- if hasKey . "labelSelector" }}
      {{- $constraints = append $constraints . }}
      {{- else }}
      {{- $constraints = append $constraints (merge (dict "labelSelector" (deepCopy $spread)) .) }}
      {{- end }}
      {{- end }}
      topologySpreadConstraints:
        {{- toYaml $constraints | nindent 8 }}
      {{- end }}
{{- end }}
{{- end -}}
