# Tokens for deployment jobs: orphans (revoking the creator leaves them), periodic, and never
# carrying more than the deploy policy.
resource "vaultpki_token_auth_role" "deploy" {
  role_name           = "deploy"
  allowed_policies    = ["deploy"]
  disallowed_policies = ["root"]
  orphan              = true
  renewable           = true
  token_period        = 86400
  path_suffix         = "ci-deploy"
}
