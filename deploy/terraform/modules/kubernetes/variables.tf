variable "name" {
  description = "Name of the EKS cluster and prefix of its IAM roles."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version (the charts are validated against this minor version)."
  type        = string
  default     = "1.31"
}

variable "vpc_id" {
  description = "ID of the VPC the cluster runs in."
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

variable "node_instance_types" {
  description = "EC2 instance types of the managed node group."
  type        = list(string)
  default     = ["t3.large"]
}

variable "node_min_size" {
  description = "Fewest nodes in the managed node group."
  type        = number
  default     = 2
}

variable "node_desired_size" {
  description = "Nodes the managed node group starts with."
  type        = number
  default     = 2
}

variable "node_max_size" {
  description = "Most nodes in the managed node group."
  type        = number
  default     = 4
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
