# What the API layer needs to check a token (the api chart's config.AUTH_* in
# deploy/helm/api/values-<env>.yaml). None of it is secret.

output "user_pool_id" {
  description = "ID of the customer user pool (<region>_<id>)."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the customer user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "issuer_url" {
  description = "The tokens' iss: https://cognito-idp.<region>.amazonaws.com/<user pool id> (AUTH_ISSUER)."
  value       = "https://${aws_cognito_user_pool.this.endpoint}"
}

output "jwks_url" {
  description = "The issuer's signing keys: <issuer>/.well-known/jwks.json (AUTH_JWKS_URL)."
  value       = "https://${aws_cognito_user_pool.this.endpoint}/.well-known/jwks.json"
}

output "client_id" {
  description = "ID of the web app client: the audience the API layer checks (AUTH_AUDIENCE)."
  value       = aws_cognito_user_pool_client.web.id
}

output "audience_claim" {
  description = "The claim that carries the audience in Cognito access tokens (AUTH_AUDIENCE_CLAIM): they have no aud."
  value       = "client_id"
}

output "hosted_domain_url" {
  description = "Base URL of the hosted sign-in pages and OAuth2 endpoints (/oauth2/authorize, /oauth2/token)."
  value       = "https://${aws_cognito_user_pool_domain.this.domain}.auth.${data.aws_region.current.name}.amazoncognito.com"
}
