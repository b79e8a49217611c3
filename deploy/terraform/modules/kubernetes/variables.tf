variable "name" {
  description = "Name of the EKS cluster and prefix of its IAM roles."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version (the charts are validated against this minor version)."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets for the control plane's network interfaces and the nodes."
  type        = list(string)
}

variable "public_access_cidrs" {
  description = "CIDR blocks allowed to reach the public Kubernetes API endpoint (operators, CI)."
  type        = list(string)
}

variable "node_group" {
  description = "The managed node group: EC2 instance types and the fewest, starting and most nodes."
  type = object({
    instance_types = list(string)
    min_size       = number
    desired_size   = number
    max_size       = number
  })
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
