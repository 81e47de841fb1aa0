-- Argo CD health check for integrations.keyvault.dev/UserIntegration, written as Argo CD's built-in
-- checks are (Lua 5.1: `obj` in, `hs` out). Install it in argocd-cm under
-- resource.customizations.health.integrations.keyvault.dev_UserIntegration (docs/gitops.md).
--
--   Healthy      Ready=True, for the current metadata.generation.
--   Degraded     Ready=False for a reason that needs a person: a credential past its expiry, a vault
--                secret owned elsewhere or disabled, a user or Secret this namespace may not use, an
--                invalid spec or value, a credential the vault refuses. Any reason not listed below
--                as one the operator waits out is treated so.
--   Progressing  no status yet, a status of an older generation, Ready=Unknown, a deletion under way,
--                or a reason the operator retries or waits out (the Secret not there yet, an app
--                not having written yet, the vault unreachable or throttling).
local hs = {}

-- Ready=False reasons that resolve without a change to the resource: the operator retries them, or
-- reconciles again when the missing Secret or the app's write arrives.
local waiting = {
  SecretRefNotFound = "waiting for the referenced Secret",
  NotConfigured = "waiting for an app to write the credential",
  KeyVaultUnavailable = "retrying: Key Vault is unreachable",
  Throttled = "retrying: Key Vault is throttling",
  KeyVaultError = "retrying after a Key Vault error",
}

local function condition(conditions, type)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local function describe(c)
  local text = c.reason or ""
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.status = "Progressing"
  hs.message = "Being deleted: the operator applies the deletionPolicy"
  return hs
end

local status = obj.status
if status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile"
  return hs
end

local ready = condition(status.conditions, "Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end

local generation = nil
if obj.metadata ~= nil then
  generation = obj.metadata.generation
end
local observed = ready.observedGeneration
if observed == nil then
  observed = status.observedGeneration
end
if generation ~= nil and observed ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to reconcile generation " .. tostring(generation)
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = status.state or "connected"
  local soon = condition(status.conditions, "ExpiringSoon")
  if soon ~= nil and soon.status == "True" then
    hs.message = hs.message .. "; " .. describe(soon)
  end
  return hs
end

if ready.status == "False" and waiting[ready.reason] == nil then
  hs.status = "Degraded"
  hs.message = describe(ready)
  return hs
end

hs.status = "Progressing"
if ready.status == "False" then
  hs.message = waiting[ready.reason] .. " (" .. describe(ready) .. ")"
else
  hs.message = describe(ready)
end
return hs
