variable "name" {
  description = "Name prefix of every resource (e.g. flightres-staging); also the default hosted sign-in domain prefix."
  type        = string
}

variable "callback_urls" {
  description = "Where the web client receives the authorization code after sign-in (https, or http://localhost for development)."
  type        = list(string)

  validation {
    condition = length(var.callback_urls) > 0 && alltrue([
      for url in var.callback_urls : can(regex("^(https://|http://localhost[:/])", url))
    ])
    error_message = "Give at least one callback URL; each must be https:// (or http://localhost)."
  }
}

variable "logout_urls" {
  description = "Where the hosted sign-in pages may send customers after signing out."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for url in var.logout_urls : can(regex("^(https://|http://localhost[:/])", url))])
    error_message = "Each logout URL must be https:// (or http://localhost)."
  }
}

variable "domain_prefix" {
  description = "Prefix of the hosted sign-in domain (<prefix>.auth.<region>.amazoncognito.com); null: var.name."
  type        = string
  default     = null
}

variable "self_sign_up" {
  description = "Let customers create their own accounts (false: only administrators create users)."
  type        = bool
  default     = true
}

variable "password_minimum_length" {
  description = "Shortest password the user pool accepts."
  type        = number
  default     = 12

  validation {
    condition     = var.password_minimum_length >= 12 && var.password_minimum_length <= 99
    error_message = "Use a minimum password length of 12 to 99 characters."
  }
}

variable "mfa" {
  description = "Multi-factor authentication: OPTIONAL (customers may add an authenticator app) or ON (required)."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OPTIONAL", "ON"], var.mfa)
    error_message = "mfa must be OPTIONAL or ON."
  }
}

variable "lifetimes" {
  description = "Lifetimes of the web client's tokens: access tokens (the bearer tokens the API layer accepts) and ID tokens in minutes, refresh tokens (how long a customer stays signed in) in days."
  type = object({
    access_token_minutes = optional(number, 60)
    id_token_minutes     = optional(number, 60)
    refresh_token_days   = optional(number, 30)
  })
  default = {}

  validation {
    condition = alltrue([
      for minutes in [var.lifetimes.access_token_minutes, var.lifetimes.id_token_minutes] :
      minutes >= 5 && minutes <= 1440
    ]) && var.lifetimes.refresh_token_days >= 1 && var.lifetimes.refresh_token_days <= 3650
    error_message = "Cognito allows access and ID tokens of 5 minutes to 1 day, refresh tokens of 1 day to 10 years."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the user pool (and with it every customer account); off only for throwaway environments."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
