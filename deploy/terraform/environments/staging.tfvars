# Staging: production-shaped. A NAT gateway per zone, Multi-AZ MySQL, deletion protection for
# MySQL and the customer user pool, and a Redis replica to fail over to.
environment = "staging"
vpc_cidr    = "10.20.0.0/16"

single_nat_gateway = false

node_group = {
  instance_types = ["t3.large"]
  min_size       = 2
  desired_size   = 2
  max_size       = 4
}

mysql_instance_class = "db.t4g.medium"
mysql_multi_az       = true
deletion_protection  = true
redis_node_type      = "cache.t4g.small"
redis_replicas       = 1

# PLACEHOLDER hosts: where the customer-facing web client receives the sign-in code.
auth_callback_urls = ["https://www.staging.example.invalid/signin/callback"]
auth_logout_urls   = ["https://www.staging.example.invalid/"]
