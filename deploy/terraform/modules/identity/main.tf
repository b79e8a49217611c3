# Customer identity: an Amazon Cognito user pool that signs customers in and issues the OAuth2
# bearer tokens the API layer checks (its AUTH_* settings, from this module's outputs), and one
# public app client for the customer-facing web client. Only the API layer sees the tokens'
# claims; flights and reservations are reachable from the API pods alone (NetworkPolicies).

data "aws_region" "current" {}

resource "aws_cognito_user_pool" "this" {
  name = "${var.name}-customers"

  deletion_protection = var.deletion_protection ? "ACTIVE" : "INACTIVE"

  # Customers sign in with their e-mail address, verified before it counts.
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]
  username_configuration {
    case_sensitive = false
  }
  user_attribute_update_settings {
    attributes_require_verification_before_update = ["email"]
  }

  admin_create_user_config {
    allow_admin_create_user_only = !var.self_sign_up
  }

  # Length over composition (NIST SP 800-63B): long passwords, no symbol requirement.
  password_policy {
    minimum_length                   = var.password_minimum_length
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  # Customers may add an authenticator app; operators can make it mandatory per environment.
  mfa_configuration = var.mfa
  software_token_mfa_configuration {
    enabled = true
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }

  # Cognito's own mail: a low daily quota, enough for sandbox and staging. Production sign-up
  # volume needs SES (email_sending_account = "DEVELOPER").
  email_configuration {
    email_sending_account = "COGNITO_DEFAULT"
  }

  tags = var.tags
}

# The hosted sign-in pages and the OAuth2 endpoints (/oauth2/authorize, /oauth2/token):
# https://<prefix>.auth.<region>.amazoncognito.com.
resource "aws_cognito_user_pool_domain" "this" {
  domain       = coalesce(var.domain_prefix, var.name)
  user_pool_id = aws_cognito_user_pool.this.id
}

# The customer-facing web client. A public client: code running in a browser or on a phone
# cannot keep a secret, so none is generated; the authorization code flow with PKCE protects
# the code exchange instead. Its id is the audience the API layer checks: Cognito access
# tokens carry it in `client_id` (they have no `aud`), hence AUTH_AUDIENCE_CLAIM=client_id.
resource "aws_cognito_user_pool_client" "web" {
  name         = "${var.name}-web"
  user_pool_id = aws_cognito_user_pool.this.id

  generate_secret = false

  # SRP only: the password never leaves the client, not even to Cognito.
  explicit_auth_flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]

  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = var.callback_urls
  logout_urls                          = var.logout_urls

  # Short-lived bearer tokens: a leaked access token is good for at most this long; the
  # refresh token (revocable) renews it.
  access_token_validity  = var.lifetimes.access_token_minutes
  id_token_validity      = var.lifetimes.id_token_minutes
  refresh_token_validity = var.lifetimes.refresh_token_days
  token_validity_units {
    access_token  = "minutes"
    id_token      = "minutes"
    refresh_token = "days"
  }
  auth_session_validity   = 3
  enable_token_revocation = true

  # Sign-in and recovery answer alike whether or not the address has an account.
  prevent_user_existence_errors = "ENABLED"
}
