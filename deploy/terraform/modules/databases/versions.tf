# No required_providers here: the root configuration requires every provider, with its exact
# version (../../versions.tf). Terraform implies hashicorp/<name> from the resource types of a
# module that declares none, at the version the root selects.
terraform {
  required_version = ">= 1.6.0, < 2.0.0"
}
