terraform {
  required_version = ">= 1.6.0, < 2.0.0"

  # State in S3, locked in DynamoDB, one state per environment. The bucket (created once per
  # account, docs/deploy.md) and the environment's key are given at init:
  # terraform init -backend-config=environments/<name>.s3.tfbackend -backend-config="bucket=<state bucket>".
  backend "s3" {
    region         = "eu-west-1"
    dynamodb_table = "flightres-terraform-locks"
    encrypt        = true
  }

  # The only provider requirements in deploy/terraform: the modules use these, declaring none.
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "5.82.2"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "2.17.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "3.6.3"
    }
  }
}
